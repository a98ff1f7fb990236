import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import semver from 'semver';
import { ManifestSchema, type PluginManifest } from './manifest.schema.ts';
import { ValidationError, type FieldError } from '../errors.ts';
import { SDK_VERSION } from '../version.ts';
import { fieldErrorsOf } from '../schema-errors.ts';
import { conditionFieldsOf, ruleConditionProblems, type ConditionFields } from './rule-conditions.ts';

const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (a: any) => any;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
const check = ajv.compile(ManifestSchema as object);

/** The Postgres schema a plugin owns: its id with dashes turned into underscores. */
export function pluginSchemaName(pluginId: string): string {
  return pluginId.replace(/-/g, '_');
}

/**
 * Validates a manifest: the JSON Schema first, then the rules a schema can't say —
 * names are prefixed by the plugin id, ranges are valid semver, the SDK range accepts this SDK.
 */
export function validateManifest(input: unknown): PluginManifest {
  if (!check(input)) {
    const fields = fieldErrorsOf(check.errors, '(root)').map((f) => (f.code === 'additionalProperties' ? { ...f, message: 'is not a known manifest field' } : f));
    throw new ValidationError(`Invalid plugin manifest: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
  }
  const m = input as PluginManifest;
  const fields: FieldError[] = [];
  if (!m.displayName.en) fields.push({ field: 'displayName.en', code: 'required', message: 'an English display name is required' });
  if (!semver.validRange(m.engines.sdk)) fields.push({ field: 'engines.sdk', code: 'semverRange', params: { value: m.engines.sdk }, message: `"${m.engines.sdk}" is not a semver range` });
  else if (!semver.satisfies(SDK_VERSION, m.engines.sdk)) {
    fields.push({ field: 'engines.sdk', code: 'sdkVersion', params: { range: m.engines.sdk, version: SDK_VERSION }, message: `requires SDK ${m.engines.sdk}, this platform provides ${SDK_VERSION}` });
  }
  for (const [kind, deps] of [['dependencies', m.dependencies], ['optionalDependencies', m.optionalDependencies]] as const) {
    for (const [id, range] of Object.entries(deps ?? {})) {
      if (!semver.validRange(range)) fields.push({ field: `${kind}.${id}`, code: 'semverRange', params: { value: range }, message: `"${range}" is not a semver range` });
      if (id === m.id) fields.push({ field: `${kind}.${id}`, code: 'selfDependency', message: 'a plugin cannot depend on itself' });
    }
  }
  for (const [i, s] of (m.permissions?.subjects ?? []).entries()) {
    if (!s.subject.startsWith(`${m.id}.`)) fields.push({ field: `permissions.subjects.${i}.subject`, code: 'prefix', params: { prefix: `${m.id}.` }, message: `must start with "${m.id}."` });
  }
  // default grants on the plugin's own subjects may only use the condition fields those subjects
  // declare (grants on other plugins' or the kernel's subjects are checked by the kernel at boot)
  const own = new Map<string, ConditionFields>((m.permissions?.subjects ?? []).map((s) => [s.subject, conditionFieldsOf(s.conditions)]));
  for (const [role, grants] of Object.entries(m.permissions?.grants ?? {})) {
    const mine = grants.map((g) => {
      const subject = [g.subject].flat().filter((s) => own.has(s));
      return { ...g, subject, conditions: subject.length ? g.conditions : undefined };
    });
    fields.push(...ruleConditionProblems(mine, (s) => own.get(s), `permissions.grants.${role}`));
  }
  for (const [i, e] of (m.events?.publishes ?? []).entries()) {
    if (!e.startsWith(`${m.id}.`)) fields.push({ field: `events.publishes.${i}`, code: 'prefix', params: { prefix: `${m.id}.` }, message: `must start with "${m.id}."` });
  }
  const providerNames = new Set<string>();
  for (const [i, a] of (m.authProviders ?? []).entries()) {
    if (!a.start.startsWith(`${m.id}.`)) fields.push({ field: `authProviders.${i}.start`, code: 'prefix', params: { prefix: `${m.id}.` }, message: `must be an action of this plugin ("${m.id}.…")` });
    if (providerNames.has(a.name)) fields.push({ field: `authProviders.${i}.name`, code: 'listedTwice', params: { value: a.name }, message: `"${a.name}" is listed twice` });
    providerNames.add(a.name);
  }
  const schema = m.data?.schema ?? pluginSchemaName(m.id);
  if (m.data?.schema && m.data.schema !== pluginSchemaName(m.id)) {
    fields.push({ field: 'data.schema', code: 'const', params: { allowedValue: pluginSchemaName(m.id) }, message: `must be "${pluginSchemaName(m.id)}" (the plugin's own schema)` });
  }
  for (const [i, t] of (m.data?.owns ?? []).entries()) {
    if (!t.startsWith(`${schema}.`)) fields.push({ field: `data.owns.${i}`, code: 'pluginSchema', params: { schema }, message: `tables must live in the plugin's schema "${schema}"` });
  }
  if (fields.length) throw new ValidationError(`Invalid plugin manifest "${m.id}": ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, fields);
  return m;
}
