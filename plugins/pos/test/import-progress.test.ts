import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, waitFor, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * Issue 12: a big import's progress (JobContext.progress, stored on the BullMQ job) is visible
 * through the kernel's jobs API while the import runs. The second step of the chain is held by a
 * row lock the test takes on a product it updates, so "while it runs" is a state, not a race.
 */
let tk: TestKernel;
let owner: TestClient;
let sys: pg.Client;

beforeAll(async () => {
  tk = await createTestKernel({ plugins: [path.resolve(import.meta.dirname, '..')], tenants: [{ name: 'Big', owner: 'owner@big.test', enable: ['pos'] }] });
  owner = await tk.as('owner@big.test');
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
});
afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});


describe('import progress through the jobs API', () => {
  it('a 2,500-row import shows 40 % on its running job while the second 1,000 rows wait, then finishes', async () => {
    // PRG-1500 exists and is locked: the step that updates it (rows 1,001–2,000) waits for the test
    await sys.query(`insert into pos.product (tenant_id, id, sku, name, unit, price, cost) values ($1, $2, 'PRG-1500', 'Old name', 'pcs', 100, 0)`, [owner.tenantId, crypto.randomUUID()]);
    const lock = new pg.Client({ connectionString: tk.databaseUrls.system });
    await lock.connect();
    await lock.query('begin');
    await lock.query(`select id from pos.product where tenant_id = $1 and sku = 'PRG-1500' for update`, [owner.tenantId]);
    let importId = '';
    try {
      const csv = ['sku;name;price', ...Array.from({ length: 2500 }, (_, i) => `PRG-${i + 1};Item ${i + 1};${i + 1}`)].join('\r\n');
      const started = await owner.request('POST', '/api/pos/products/import', { raw: csv, headers: { 'content-type': 'text/csv' }, query: { mode: 'valid' } });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      expect(started.body).toMatchObject({ status: 'running', totalRows: 2500 });
      importId = started.body.id;

      const running = await waitFor('the second step to run', async () => {
        const r = await owner.get('/api/jobs', { query: { queue: 'jobs' } });
        // the second step (queued as <import>-1000); the first also reports 40 % as it ends
        return r.body.items.find((j: any) => j.plugin === 'pos' && j.name === 'importProducts' && j.id.endsWith(`${importId}-1000`) && j.state === 'active' && j.progress === 40);
      });
      // the first step finished at 40 % (BullMQ records it completed just after its handler returns,
      // which may be after the next step started), the import itself still runs
      const first = await waitFor('the first step to be recorded completed', async () =>
        (await owner.get('/api/jobs', { query: { queue: 'jobs', state: 'completed' } })).body.items.find((j: any) => j.id.endsWith(`${importId}-0`)));
      expect(first).toMatchObject({ state: 'completed', progress: 40 });
      expect((await owner.get(`/api/jobs/jobs/${encodeURIComponent(running.id)}`)).body).toMatchObject({ state: 'active', progress: 40 });
      expect((await owner.get(`/api/pos/products/imports/${importId}`)).body).toMatchObject({ status: 'running', processedRows: 1000 });
    } finally {
      await lock.query('rollback');
      await lock.end();
    }
    const done = await waitFor('the import to finish', async () => {
      const r = await owner.get(`/api/pos/products/imports/${importId}`);
      return r.body.status !== 'running' && r.body;
    });
    expect(done).toMatchObject({ status: 'done', created: 2499, updated: 1, progress: 100 });
    const steps = (await owner.get('/api/jobs', { query: { queue: 'jobs', state: 'completed', limit: 10 } })).body.items.filter((j: any) => j.name === 'importProducts');
    expect(steps.map((j: any) => j.progress).sort((a: number, b: number) => a - b)).toEqual([40, 80, 100]);
  });
});

