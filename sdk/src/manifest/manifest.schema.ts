import { Type, type Static } from 'typebox';

const Localized = Type.Record(Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$' }), Type.String({ minLength: 1 }), {
  description: 'Text per locale, e.g. { "en": "Notes", "ru": "Заметки" }; "en" is required',
});
const PluginId = Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', minLength: 2, maxLength: 40 });
const SemverRange = Type.String({ minLength: 1, maxLength: 100 });
const Action = Type.String({ pattern: '^[a-z][a-zA-Z]*$' });
const EventName = Type.String({ pattern: '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+\\.v[0-9]+$' });

/** Value types a condition field may have; rule values are checked against them when a role is saved. */
export const ConditionFieldType = Type.Union(
  [Type.Literal('uuid'), Type.Literal('string'), Type.Literal('integer'), Type.Literal('number'), Type.Literal('boolean'), Type.Literal('timestamp'), Type.Literal('date')],
  { description: 'the value type rules compare the field with' },
);

export const ConditionFieldDeclaration = Type.Union([
  ConditionFieldType,
  Type.Object(
    {
      type: ConditionFieldType,
      column: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]*$', description: 'the SQL column (default: the field name in snake_case)' })),
    },
    { additionalProperties: false },
  ),
]);

export const PermissionDeclaration = Type.Object(
  {
    subject: Type.String({ pattern: '^[a-z][a-z0-9-]*\\.[A-Z][A-Za-z0-9]*$', description: 'namespaced subject, e.g. notes.Note' }),
    actions: Type.Array(Action, { minItems: 1 }),
    fields: Type.Optional(Type.Array(Type.String())),
    conditions: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z][a-zA-Z0-9]*$' }), ConditionFieldDeclaration, {
        description: 'The fields rule conditions may use on this subject, with their types (e.g. { "id": "uuid", "soldBy": "uuid" }). '
          + 'The plugin enforces them on every route that reads, changes or deletes rows of the subject (ctx.rulesSql, ctx.accessibleWhere, '
          + 'ctx.authorize with the row). A role whose rule uses any other field is refused when saved; without this list, no conditions at all.',
      }),
    ),
    description: Type.Optional(Localized),
  },
  { additionalProperties: false },
);

export const GrantDeclaration = Type.Object(
  {
    action: Type.Union([Action, Type.Array(Action)]),
    subject: Type.String(),
    conditions: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    fields: Type.Optional(Type.Array(Type.String())),
    inverted: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const UiContribution = Type.Object(
  {
    slot: Type.String({ minLength: 1 }),
    id: Type.String({ minLength: 1 }),
    label: Type.Optional(Localized),
    icon: Type.Optional(Type.String()),
    path: Type.Optional(Type.String()),
    component: Type.Optional(Type.String()),
    order: Type.Optional(Type.Integer()),
    permission: Type.Optional(Type.Array(Type.String(), { minItems: 2, maxItems: 2, description: "[action, subject]" })),
  },
  { additionalProperties: false },
);

/**
 * A way to sign in that the plugin adds to the kernel's login (docs/plugin-guide.md, "Sign-in
 * methods"): the kernel keeps the attempt (code, expiry, single use), the plugin shows the person
 * where to confirm it and tells the kernel who confirmed; the browser then gets the kernel's session.
 */
export const AuthProviderDeclaration = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 40, description: 'unique within the plugin; the provider is "<plugin id>.<name>"' }),
    identity: Type.String({
      pattern: '^[a-z][a-z0-9-]*$',
      maxLength: 40,
      description: 'the namespace of the external ids it proves ("telegram", "google"): accounts linked through one provider are recognised by every provider of the same identity',
    }),
    label: Localized,
    icon: Type.Optional(Type.String({ maxLength: 60 })),
    start: Type.String({ pattern: '^[a-z][a-z0-9-]*\\.[a-zA-Z$][a-zA-Z0-9]*\\.[a-zA-Z][a-zA-Z0-9]*$', description: 'the plugin\'s internal action the kernel calls to begin an attempt (params AuthProviderStartParams, answer AuthProviderStartResult)' }),
  },
  { additionalProperties: false },
);

/** The schema of `atrium.plugin.json`, shipped by the SDK and used by the kernel and `atrium-plugin verify`. */
export const ManifestSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    id: PluginId,
    version: Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$' }),
    displayName: Localized,
    description: Type.Optional(Localized),
    engines: Type.Object({ sdk: SemverRange }, { additionalProperties: false }),
    dependencies: Type.Optional(Type.Record(PluginId, SemverRange)),
    optionalDependencies: Type.Optional(Type.Record(PluginId, SemverRange)),
    provides: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z][a-z0-9:-]*$' }))),
    requires: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z][a-z0-9:-]*$' }))),
    calls: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        description: 'Actions of the kernel and other plugins this plugin may call (patterns like "payments.intents.*")',
      }),
    ),
    permissions: Type.Optional(
      Type.Object(
        {
          subjects: Type.Array(PermissionDeclaration),
          grants: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Type.Array(GrantDeclaration))),
        },
        { additionalProperties: false },
      ),
    ),
    settings: Type.Optional(
      Type.Object(
        {
          scope: Type.Optional(Type.Union([Type.Literal('tenant'), Type.Literal('store')])),
          schema: Type.Record(Type.String(), Type.Unknown()),
          secrets: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    events: Type.Optional(
      Type.Object(
        {
          publishes: Type.Optional(Type.Array(EventName)),
          subscribes: Type.Optional(Type.Array(EventName)),
        },
        { additionalProperties: false },
      ),
    ),
    data: Type.Optional(
      Type.Object(
        {
          schema: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_]*$' })),
          owns: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$' })),
          onPurge: Type.Optional(Type.Object({ export: Type.Boolean() }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
    outbound: Type.Optional(
      Type.Object(
        {
          baseUrls: Type.Optional(Type.Array(Type.String({ pattern: '^https://[^/?#@\\s]+(/[^?#@\\s]*)?$' }), {
            description: 'The real services this plugin calls (production and sandbox base URLs, https): ctx.fetch reaches only these and what the operator adds in the platform config (outbound.allow.<plugin id>)',
          })),
          settings: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]*$' }), {
            description: 'Settings fields that hold a base URL: a tenant may choose only one of the allowed base URLs (saving another is refused, 422 naming the field)',
          })),
        },
        { additionalProperties: false },
      ),
    ),
    authProviders: Type.Optional(Type.Array(AuthProviderDeclaration, { maxItems: 10, description: 'Sign-in methods this plugin adds to the kernel\'s login' })),
    ui: Type.Optional(
      Type.Object(
        {
          entry: Type.String({ minLength: 1 }),
          css: Type.Optional(Type.Array(Type.String())),
          contributions: Type.Array(UiContribution),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type PluginManifest = Static<typeof ManifestSchema>;
export type PermissionGrant = Static<typeof GrantDeclaration>;
export type PermissionSubjectDeclaration = Static<typeof PermissionDeclaration>;
export type ConditionFieldDeclarations = NonNullable<PermissionSubjectDeclaration['conditions']>;
export type UiContributionDeclaration = Static<typeof UiContribution>;
export type AuthProviderDeclaration = Static<typeof AuthProviderDeclaration>;
