import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index.ts';

describe('loadConfig', () => {
  it('applies defaults for the embedded profile', () => {
    const c = loadConfig({ env: {} });
    expect(c.profile).toBe('embedded');
    expect(c.http.port).toBe(8080);
    expect(c.dataDir).toBe('.atrium');
    expect(c.services).toEqual(['*']);
    expect(c.transporter).toBeNull();
  });

  it('takes named and generic env overrides', () => {
    const c = loadConfig({ env: { ATRIUM_HTTP_PORT: '9090', ATRIUM_DATA_DIR: '/tmp/x', ATRIUM_SERVICES: 'gateway, notes.*', ATRIUM__AUTH__ACCESS_TOKEN_TTL_SECONDS: '60' } });
    expect(c.http.port).toBe(9090);
    expect(c.dataDir).toBe('/tmp/x');
    expect(c.services).toEqual(['gateway', 'notes.*']);
    expect(c.auth.accessTokenTtlSeconds).toBe(60);
  });

  it('stops on a bad setting and names the key and the variable', () => {
    expect(() => loadConfig({ env: { ATRIUM_HTTP_PORT: 'eighty' } })).toThrow(/"http\.port" \(from ATRIUM_HTTP_PORT\)/);
    expect(() => loadConfig({ env: { ATRIUM_HTTP_PORT: '70000' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, overrides: { http: { prot: 1 } } })).toThrow(/"http\.prot".*not a known setting/);
    expect(() => loadConfig({ env: { ATRIUM_TRANSPORTER: 'tcp://x' } })).toThrow(/"transporter"/);
  });

  it('requires external services in the distributed profile', () => {
    try {
      loadConfig({ env: { ATRIUM_PROFILE: 'distributed', ATRIUM_REDIS_URL: 'redis://r:6379' } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).key).toBe('database.url');
    }
    const c = loadConfig({ env: { ATRIUM_PROFILE: 'distributed', ATRIUM_DATABASE_URL: 'postgres://u:p@db/atrium', ATRIUM_REDIS_URL: 'redis://r:6379', ATRIUM_TRANSPORTER: 'nats://n:4222', ATRIUM_JWT_SECRET: 'x'.repeat(40) } });
    expect(c.transporter).toBe('nats://n:4222');
  });
});
