import type { AtriumConfig } from './config.schema.ts';
import { ConfigError } from './config-error.ts';

export type ProfileName = 'embedded' | 'distributed';

/**
 * Profiles are starting points, not separate code paths: the same kernel runs both.
 * embedded    — one node, embedded PostgreSQL, a local redis-server, no transporter.
 * distributed — N nodes over NATS, external PostgreSQL and Redis that must be named.
 */
export const PROFILES: Record<ProfileName, { defaults: Record<string, unknown>; check(c: AtriumConfig): void }> = {
  embedded: {
    defaults: { profile: 'embedded', transporter: null },
    check() {},
  },
  distributed: {
    defaults: { profile: 'distributed' },
    check(c) {
      if (!c.database.url) throw new ConfigError('database.url', 'Invalid setting "database.url": the distributed profile needs an external PostgreSQL (set ATRIUM_DATABASE_URL)');
      if (!c.redis.url) throw new ConfigError('redis.url', 'Invalid setting "redis.url": the distributed profile needs an external Redis (set ATRIUM_REDIS_URL)');
      if (!c.transporter) throw new ConfigError('transporter', 'Invalid setting "transporter": the distributed profile needs ATRIUM_TRANSPORTER=nats://host:port');
      if (!c.auth.jwtSecret) throw new ConfigError('auth.jwtSecret', 'Invalid setting "auth.jwtSecret": all nodes must share one secret (set ATRIUM_JWT_SECRET, ≥ 32 chars)');
    },
  },
};
