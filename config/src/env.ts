/**
 * Environment variables that override settings. The named ones are the documented,
 * stable surface; `ATRIUM__A__B=value` reaches any nested key (`a.b`) for everything else.
 */
export const NAMED_ENV: Record<string, { path: string; type: 'string' | 'integer' | 'boolean' | 'list' }> = {
  ATRIUM_PROFILE: { path: 'profile', type: 'string' },
  ATRIUM_NODE_ID: { path: 'nodeId', type: 'string' },
  ATRIUM_DATA_DIR: { path: 'dataDir', type: 'string' },
  ATRIUM_SERVICES: { path: 'services', type: 'list' },
  ATRIUM_TRANSPORTER: { path: 'transporter', type: 'string' },
  ATRIUM_HTTP_PORT: { path: 'http.port', type: 'integer' },
  ATRIUM_HTTP_HOST: { path: 'http.host', type: 'string' },
  ATRIUM_PUBLIC_URL: { path: 'http.publicUrl', type: 'string' },
  ATRIUM_DATABASE_URL: { path: 'database.url', type: 'string' },
  ATRIUM_ACCEPT_CHANGED_MIGRATIONS: { path: 'database.acceptChangedMigrations', type: 'list' },
  ATRIUM_REDIS_URL: { path: 'redis.url', type: 'string' },
  ATRIUM_REDIS_PREFIX: { path: 'redis.keyPrefix', type: 'string' },
  ATRIUM_JWT_SECRET: { path: 'auth.jwtSecret', type: 'string' },
  ATRIUM_SMTP_URL: { path: 'smtp.url', type: 'string' },
  ATRIUM_SMTP_FROM: { path: 'smtp.from', type: 'string' },
  ATRIUM_LOG_LEVEL: { path: 'log.level', type: 'string' },
  ATRIUM_PLUGIN_DIRS: { path: 'plugins.dirs', type: 'list' },
  ATRIUM_PLUGINS: { path: 'plugins.packages', type: 'list' },
  ATRIUM_METRICS_TOKEN: { path: 'metrics.token', type: 'string' },
  ATRIUM_METRICS_PORT: { path: 'metrics.port', type: 'integer' },
  ATRIUM_DEVICES_HEARTBEAT_MS: { path: 'devices.heartbeatMs', type: 'integer' },
};

export type RawSetting = { path: string; value: unknown; source: string };

/** Parses a scalar from the environment; a value that can't be parsed is passed through so the
 * schema check reports it against the right key instead of failing here with a vaguer message. */
function parse(raw: string, type: string): unknown {
  switch (type) {
    case 'integer':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'boolean':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return raw;
  }
}

function guess(raw: string): unknown {
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (raw.startsWith('[') || raw.startsWith('{')) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv): RawSetting[] {
  const out: RawSetting[] = [];
  for (const [name, spec] of Object.entries(NAMED_ENV)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    out.push({ path: spec.path, value: parse(raw, spec.type), source: name });
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('ATRIUM__') || raw === undefined) continue;
    const path = name
      .slice('ATRIUM__'.length)
      .split('__')
      .map((seg) => seg.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()))
      .join('.');
    out.push({ path, value: guess(raw), source: name });
  }
  return out;
}
