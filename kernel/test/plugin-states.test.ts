import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineAction, definePlugin, defineService, tenantRls, type PluginDefinition } from '@atrium/sdk';
import { createTestKernel, waitFor, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * Issue 12: the in-between plugin states are real. `enabling` is committed before the plugin's hook
 * runs (a second request is told the plugin is busy), a failed hook leaves `failed` with its reason,
 * and a purge runs in the background showing `purging` with its progress, then `purged` — or
 * `failed` with the reason. "While it runs" is held by the test (a latch, a row lock), not raced.
 */
const manifest = (id: string, extra: Record<string, unknown> = {}) => ({ id, version: '1.0.0', displayName: { en: id }, engines: { sdk: '^1.0.0' }, ...extra });
const ping = defineService({ name: 'ping', actions: { get: defineAction({ rest: 'GET /', permission: 'authenticated', handler: () => ({ ok: true }) }) } });

let failWith: string | null = 'the bank refused the merchant id';
const flaky = definePlugin({
  manifest: manifest('flaky'),
  services: [ping],
  onTenantEnable() {
    if (failWith) throw new Error(failWith);
  },
});

let release: () => void = () => {};
const slow = definePlugin({
  manifest: manifest('slow'),
  async onTenantEnable() {
    await new Promise<void>((r) => (release = r));
  },
});

const bulk: PluginDefinition = definePlugin({
  manifest: manifest('bulk', { data: { owns: ['bulk.item'] } }),
  migrations: [{
    name: '0001-item',
    up: `create table bulk.item (tenant_id uuid not null, n integer not null, stuck boolean not null default false, primary key (tenant_id, n));
${tenantRls('bulk.item')}
-- a row that refuses to go, for the failed purge
create function bulk.item_stuck() returns trigger language plpgsql as $$ begin if old.stuck then raise exception 'item % is stuck', old.n; end if; return old; end $$;
create trigger item_stuck before delete on bulk.item for each row execute function bulk.item_stuck();`,
  }],
});

let tk: TestKernel;
let owner: TestClient;
let sys: pg.Client;

const state = async (id: string) => (await owner.get(`/api/plugins/${id}`)).body;

beforeAll(async () => {
  tk = await createTestKernel({ plugins: [flaky, slow, bulk], tenants: [{ name: 'States', owner: 'owner@states.test' }] });
  owner = await tk.as('owner@states.test');
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
});
afterAll(async () => {
  release();
  await sys?.end();
  await tk?.stop();
});

describe('plugin states', () => {
  it('a failing enable hook leaves the plugin failed with its reason (and off); enabling again after the fix works', async () => {
    const r = await owner.post('/api/plugins/flaky/enable');
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'PLUGIN_ENABLE_FAILED', message: expect.stringContaining('the bank refused the merchant id') });
    expect(await state('flaky')).toMatchObject({ state: 'failed', error: 'the bank refused the merchant id' });
    expect((await owner.get('/api/flaky/ping')).body.error.code).toBe('PLUGIN_DISABLED');
    expect((await owner.get('/api/plugins', { query: { state: 'failed' } })).body.items.map((p: any) => p.id)).toEqual(['flaky']);
    failWith = null;
    const again = await owner.post('/api/plugins/flaky/enable');
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ state: 'enabled', error: null });
    expect((await owner.get('/api/flaky/ping')).status).toBe(200);
  });

  it('enabling is visible while the plugin\'s hook runs; a second enable meanwhile is told the plugin is busy', async () => {
    const first = owner.post('/api/plugins/slow/enable');
    await waitFor('state enabling', async () => (await state('slow')).state === 'enabling');
    const second = await owner.post('/api/plugins/slow/enable');
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('PLUGIN_BUSY');
    release();
    expect((await first).body).toMatchObject({ state: 'enabled' });
  });

  it('a purge runs in the background: purging with its progress (on the plugin and its job), then purged', async () => {
    expect((await owner.post('/api/plugins/bulk/enable')).status).toBe(200);
    await sys.query('insert into bulk.item (tenant_id, n) select $1, g from generate_series(1, 5000) g', [owner.tenantId]);
    expect((await owner.post('/api/plugins/bulk/disable')).body.state).toBe('disabled');
    // rows are deleted 2,000 at a time; the last batch waits for a row the test holds
    const lock = new pg.Client({ connectionString: tk.databaseUrls.system });
    await lock.connect();
    await lock.query('begin');
    await lock.query('select n from bulk.item where tenant_id = $1 and n = 4999 for update', [owner.tenantId]);
    try {
      const started = await owner.post('/api/plugins/bulk/purge');
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ state: 'purging', progress: 0 });
      // export 10 %, then 4,000 of 5,000 rows deleted: 10 + 72
      const midway = await waitFor('the purge to reach the held batch', async () => {
        const s = await state('bulk');
        return s.progress === 82 && s;
      });
      expect(midway).toMatchObject({ state: 'purging', error: null });
      const job = (await owner.get('/api/jobs', { query: { queue: 'jobs' } })).body.items.find((j: any) => j.name === 'plugins.runPurge');
      expect(job).toMatchObject({ state: 'active', progress: 82 });
      expect((await owner.post('/api/plugins/bulk/enable')).body.error.code).toBe('PLUGIN_STATE');
    } finally {
      await lock.query('rollback');
      await lock.end();
    }
    const done = await waitFor('purged', async () => {
      const s = await state('bulk');
      return s.state === 'purged' && s;
    });
    expect(done).toMatchObject({ progress: 100, purge: { deleted: { 'bulk.item': 5000 } } });
    expect((await sys.query('select count(*)::int as n from bulk.item where tenant_id = $1', [owner.tenantId])).rows[0].n).toBe(0);
    expect((await owner.get(`/api/files/${done.purge.exportFileId}`)).status).toBe(200);
  });

  it('a purge that fails keeps the reason and leaves the rest of the data; purging again after the fix finishes', async () => {
    expect((await owner.post('/api/plugins/bulk/enable')).status).toBe(200);
    await sys.query('insert into bulk.item (tenant_id, n, stuck) values ($1, 1, false), ($1, 2, true)', [owner.tenantId]);
    expect((await owner.post('/api/plugins/bulk/disable')).status).toBe(200);
    expect((await owner.post('/api/plugins/bulk/purge')).status).toBe(202);
    const failed = await waitFor('failed', async () => {
      const s = await state('bulk');
      return s.state === 'failed' && s;
    });
    expect(failed.error).toMatch(/^Purge failed: .*item 2 is stuck/);
    expect((await sys.query('select count(*)::int as n from bulk.item where tenant_id = $1', [owner.tenantId])).rows[0].n).toBe(2);
    await sys.query('update bulk.item set stuck = false where tenant_id = $1', [owner.tenantId]);
    expect((await owner.post('/api/plugins/bulk/purge')).status).toBe(202);
    await waitFor('purged', async () => (await state('bulk')).state === 'purged');
  });
});
