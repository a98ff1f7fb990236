import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from './create-test-kernel.ts';
import { checkRowRules, type RowRulesReport } from './row-rules.ts';

/**
 * Issue 24: row rules hold on every path. Every first-party plugin is loaded (a new one in plugins/
 * is picked up by itself), every plugin is enabled, rows of every subject that declares condition
 * fields are seeded, and checkRowRules() walks every route of the live OpenAPI document (see
 * row-rules.ts). A subject of a new plugin with condition fields and no rows here fails with
 * "seed some" — add its rows to `seed` below.
 */
const root = path.resolve(import.meta.dirname, '../../../plugins');
const pluginDirs = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'atrium.plugin.json'))).map((d) => path.join(root, d));
const TENANT = 'Rows';

let tk: TestKernel;
let owner: TestClient;
let sys: pg.Client;
let report: RowRulesReport;

async function ok(r: Promise<{ status: number; body: any }>, what: string) {
  const res = await r;
  if (res.status >= 300) throw new Error(`seeding ${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Rows of each subject that has condition fields, made the way users make them where that is short. */
async function seed(tenantId: string) {
  // kernel.File, kernel.Member (the owner and the checked members themselves are members)
  await ok(owner.request('POST', '/api/files', { query: { name: 'seed.csv' }, raw: 'a;b\n1;2\n', headers: { 'content-type': 'text/csv' } }), 'a file');
  // notes.Note
  await ok(owner.post('/api/notes/notes', { title: 'Seeded note' }), 'a note');
  // pos.Sale, pos.Customer, pos.Task
  const store = await ok(owner.post('/api/pos/stores', { name: 'Main' }), 'a store');
  const register = await ok(owner.post('/api/pos/registers', { storeId: store.storeId, name: 'Till 1', printReceipts: false }), 'a register');
  await ok(owner.post('/api/pos/shifts', { registerId: register.id, openingFloat: 10_000 }), 'a shift');
  const productId = crypto.randomUUID();
  await sys.query(`insert into pos.product (tenant_id, id, sku, name, unit, price, cost) values ($1, $2, 'RR-1', 'Row rules tea', 'pcs', 1000, 500)`, [tenantId, productId]);
  // opening stock as the ledger keeps it: a move and the level it sums to
  await sys.query(`insert into pos.stock_move (tenant_id, store_id, product_id, qty_milli, kind, ref_type, ref_id) values ($1, $2, $3, 10000, 'receipt', 'fixture', $4)`, [tenantId, store.storeId, productId, crypto.randomUUID()]);
  await sys.query('insert into pos.stock_level (tenant_id, store_id, product_id, on_hand_milli) values ($1, $2, $3, 10000)', [tenantId, store.storeId, productId]);
  const customer = await ok(owner.post('/api/pos/customers', { name: 'Row Rules Customer', phone: '+77010000001' }), 'a customer');
  await ok(owner.post('/api/pos/sales', { id: crypto.randomUUID(), registerId: register.id, customerId: customer.id, lines: [{ productId, qtyMilli: 1000 }], payments: [{ method: 'cash', amount: 1000 }] }), 'a sale');
  await ok(owner.post('/api/pos/tasks', { title: 'Count the shelf', storeId: store.storeId }), 'a task');
  // payments.Intent: as a provider's answer would leave it (no provider needed to have one)
  await sys.query(`insert into payments.intent (id, tenant_id, provider, status, amount, currency) values ($1, $2, 'stripe', 'pending', 2500, 'KZT')`, [crypto.randomUUID(), tenantId]);
}

beforeAll(async () => {
  const ids = pluginDirs.map((d) => JSON.parse(fs.readFileSync(path.join(d, 'atrium.plugin.json'), 'utf8')).id as string);
  tk = await createTestKernel({ plugins: pluginDirs, tenants: [{ name: TENANT, owner: 'owner@rows.test' }] });
  owner = await tk.as('owner@rows.test');
  // dependencies first: enable what can be enabled until nothing more can
  const pending = new Set(ids);
  for (let round = 0; round < ids.length && pending.size; round++) {
    for (const id of [...pending]) if ((await owner.post(`/api/plugins/${id}/enable`)).status === 200) pending.delete(id);
  }
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  await seed(owner.tenantId);
  report = await checkRowRules(tk, { tenant: TENANT, owner });
}, 300_000);

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

describe('row rules hold on every route of every subject (generated from the manifests)', () => {
  it('covers the subjects named in the issue, and every subject is either checked or refuses conditions', () => {
    const checked = report.checked.map((c) => c.subject);
    for (const s of ['pos.Sale', 'pos.Customer', 'kernel.File', 'kernel.Member', 'notes.Note', 'payments.Intent']) expect(checked).toContain(s);
    expect(report.refused.length).toBeGreaterThan(0);
  });

  it('a member whose rules match no row sees empty lists and 403/404 on every row route; subjects without condition fields refuse conditions', () => {
    expect(report.problems).toEqual([]);
  });
});
