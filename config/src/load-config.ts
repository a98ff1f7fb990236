import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ConfigSchema, type AtriumConfig } from './config.schema.ts';
import { settingsFromEnv, type RawSetting } from './env.ts';
import { PROFILES, type ProfileName } from './profiles.ts';
import { ConfigError } from './config-error.ts';

export { ConfigError };

const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as (a: Ajv) => Ajv;


const ajv = addFormats(new Ajv({ strict: true, useDefaults: true, allErrors: true, strictTuples: false }));
const validate = ajv.compile(ConfigSchema as object);

function setPath(target: Record<string, any>, path: string, value: unknown): void {
  const segs = path.split('.');
  let node = target;
  for (const seg of segs.slice(0, -1)) {
    if (node[seg] === undefined || node[seg] === null || typeof node[seg] !== 'object') node[seg] = {};
    node = node[seg];
  }
  node[segs.at(-1)!] = value;
}

function deepMerge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object'
      ? deepMerge(out[k], v)
      : v;
  }
  return out;
}

function keyOf(err: ErrorObject): string {
  const base = err.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (err.keyword === 'additionalProperties') {
    const extra = (err.params as { additionalProperty: string }).additionalProperty;
    return base ? `${base}.${extra}` : extra;
  }
  if (err.keyword === 'required') {
    const missing = (err.params as { missingProperty: string }).missingProperty;
    return base ? `${base}.${missing}` : missing;
  }
  return base || '(root)';
}

export type LoadConfigOptions = {
  env?: NodeJS.ProcessEnv;
  /** Programmatic settings (tests, embedding); env overrides still win unless `ignoreEnv`. */
  overrides?: Record<string, unknown>;
  ignoreEnv?: boolean;
};

/** Builds the effective configuration: profile defaults ← overrides ← env, validated once. */
export function loadConfig(options: LoadConfigOptions = {}): AtriumConfig {
  const env = options.ignoreEnv ? {} : (options.env ?? process.env);
  const envSettings = settingsFromEnv(env);
  const sources = new Map<string, RawSetting>();
  for (const s of envSettings) sources.set(s.path, s);

  let raw: Record<string, any> = { ...(options.overrides ?? {}) };
  for (const s of envSettings) setPath(raw, s.path, s.value);

  const profile = (raw.profile ?? 'embedded') as ProfileName;
  if (!(profile in PROFILES)) {
    throw new ConfigError('profile', `Invalid setting "profile"${sources.get('profile') ? ` (from ${sources.get('profile')!.source})` : ''}: must be one of ${Object.keys(PROFILES).join(', ')}, got ${JSON.stringify(profile)}`);
  }
  raw = deepMerge(PROFILES[profile].defaults, raw);

  if (!validate(raw)) {
    const err = validate.errors![0];
    const key = keyOf(err);
    const src = sources.get(key)?.source;
    const message = err.keyword === 'additionalProperties' ? 'is not a known setting' : err.message;
    throw new ConfigError(key, `Invalid setting "${key}"${src ? ` (from ${src})` : ''}: ${message}`);
  }
  const config = raw as AtriumConfig;
  PROFILES[profile].check(config);
  return config;
}
