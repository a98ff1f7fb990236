import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * One PostgreSQL (embedded, real binaries) and one Redis for the whole test run. Each test kernel
 * clones its own database from `atrium_template` (kernel schema already migrated), so files run
 * in parallel without seeing each other, and uses its own Redis key prefix.
 */
let stopPg: (() => Promise<void>) | null = null;
let stopRedis: (() => Promise<void>) | null = null;
let dir = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function setup(): Promise<void> {
  const secret = process.env.ATRIUM_TEST_SECRET ?? 'atrium-test-secret-0123456789-abcdefghijklmnop';
  process.env.ATRIUM_TEST_SECRET = secret;
  const { startEmbeddedPostgres, ensureDatabaseAndRoles, runMigrations, KERNEL_MIGRATIONS, startLocalRedis } = await import('@atrium/kernel');
  if (!process.env.ATRIUM_TEST_PG_URL) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-test-'));
    fs.chmodSync(dir, 0o755);
    const h = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort() });
    stopPg = () => h.stop();
    process.env.ATRIUM_TEST_PG_URL = h.url;
  }
  const urls = await ensureDatabaseAndRoles(process.env.ATRIUM_TEST_PG_URL!, secret, 'atrium_template');
  await runMigrations(urls.owner, [{ owner: 'kernel', schema: 'kernel', version: 'test', migrations: KERNEL_MIGRATIONS }]);
  // a template must have no open connections when cloned
  const c = new pg.Client({ connectionString: process.env.ATRIUM_TEST_PG_URL });
  await c.connect();
  await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = 'atrium_template' and pid <> pg_backend_pid()`);
  await c.end();
  if (!process.env.ATRIUM_TEST_REDIS_URL) {
    const r = await startLocalRedis({ dir: path.join(dir || fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-redis-')), 'redis'), port: await freePort(), persist: false });
    stopRedis = () => r.stop();
    process.env.ATRIUM_TEST_REDIS_URL = r.url;
  }
}

export async function teardown(): Promise<void> {
  await stopRedis?.();
  await stopPg?.();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
