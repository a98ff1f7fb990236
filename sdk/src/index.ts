/**
 * @atrium/sdk — the only platform package a plugin imports.
 * Server entry: definePlugin / defineService / defineAction / defineSubscriber / defineJob,
 * entity helpers (MikroORM re-exports), typed errors, TypeBox for schemas.
 */
export { Type, type Static, type TSchema } from 'typebox';
export * from './errors.ts';
export { sortColumn } from './list-sort.ts';
export { UNSAFE_KEYS, isUnsafeKey, UnsafeKeyError, formKeyPath, dataObject } from './safe-keys.ts';
export { fieldErrorsOf, type SchemaErrorLike } from './schema-errors.ts';
export * from './plugin.ts';
export { requestHeaders } from './raw-request.ts';
export { AUTH_ATTEMPT_ACTIONS, AuthProviderStartParams, AuthProviderStartResult, type AuthAttemptInfo, type AuthAttemptInspectParams, type AuthAttemptSettleParams, type AuthAttemptSettled } from './auth-provider.ts';
export { defineOutsideCall, type OutsideCallDefinition, type OutsideCallInput, type OutsideOutcome } from './outside-call.ts';
export * from './entity.ts';
export { tenantRls, appendOnly, migrationChecksum } from './migration.sql.ts';
export { SqlClause, sqlWhere, sqlSet, numbered, listPage, orderBy, likePattern, Paging, Sort, type ListPage, type ListQuery } from './sql-list.ts';
export { ManifestSchema, type PluginManifest, type PermissionGrant, type PermissionSubjectDeclaration, type ConditionFieldDeclarations, type UiContributionDeclaration, type AuthProviderDeclaration } from './manifest/manifest.schema.ts';
export { validateManifest, pluginSchemaName } from './manifest/validate-manifest.ts';
export { conditionFieldsOf, ruleConditionProblems, FIELD_OPERATORS, type ConditionField, type ConditionFields, type ConditionFieldType, type RuleLike } from './manifest/rule-conditions.ts';
export { UUID_PATTERN, isUuid } from './uuid.ts';
export { requireMember, type TenantMember } from './members.ts';
export { currencyDigits } from './money.ts';
export { SDK_VERSION } from './version.ts';
export { LockMode, QueryOrder, type FilterQuery } from '@mikro-orm/core';
export type { SqlEntityManager as EntityManager } from '@mikro-orm/postgresql';
