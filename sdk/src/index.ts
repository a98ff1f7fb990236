/**
 * @atrium/sdk — the only platform package a plugin imports.
 * Server entry: definePlugin / defineService / defineAction / defineSubscriber / defineJob,
 * entity helpers (MikroORM re-exports), typed errors, TypeBox for schemas.
 */
export { Type, type Static, type TSchema } from 'typebox';
export * from './errors.ts';
export { fieldErrorsOf, type SchemaErrorLike } from './schema-errors.ts';
export * from './plugin.ts';
export * from './entity.ts';
export { tenantRls, appendOnly } from './migration.sql.ts';
export { SqlClause, sqlWhere, sqlSet, numbered, listPage, orderBy, likePattern, Paging, Sort, type ListPage, type ListQuery } from './sql-list.ts';
export { ManifestSchema, type PluginManifest, type PermissionGrant, type UiContributionDeclaration } from './manifest/manifest.schema.ts';
export { validateManifest, pluginSchemaName } from './manifest/validate-manifest.ts';
export { SDK_VERSION } from './version.ts';
export { LockMode, QueryOrder, type FilterQuery } from '@mikro-orm/core';
export type { SqlEntityManager as EntityManager } from '@mikro-orm/postgresql';
