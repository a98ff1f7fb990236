import crypto from 'node:crypto';
import pg from 'pg';
import { expect } from 'vitest';
import path from 'node:path';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * Test fixtures for POS tests. Catalogue rows and opening stock are written as the system role
 * (like a migration or an import would), keeping the ledger invariant: every unit of stock is a
 * `stock_move` row and the projections equal the ledger sum.
 */
export type ProductSeed = { sku?: string; name: string; price: number; cost?: number; unit?: 'pcs' | 'kg' | 'l' | 'm'; trackBatches?: boolean; taxBp?: number; taxIncluded?: boolean; barcode?: string };

export async function seedProduct(sys: pg.Client, tenantId: string, p: ProductSeed): Promise<string> {
  const id = crypto.randomUUID();
  let taxId: string | null = null;
  if (p.taxBp !== undefined) {
    taxId = crypto.randomUUID();
    await sys.query('insert into pos.tax_rate (tenant_id, id, name, rate_bp, included) values ($1, $2, $3, $4, $5)', [tenantId, taxId, `VAT ${p.taxBp} ${taxId.slice(0, 6)}`, p.taxBp, p.taxIncluded ?? true]);
  }
  await sys.query(
    `insert into pos.product (tenant_id, id, sku, name, unit, price, cost, track_batches, tax_rate_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [tenantId, id, p.sku ?? `SKU-${id.slice(0, 8)}`, p.name, p.unit ?? 'pcs', p.price, p.cost ?? 0, p.trackBatches ?? false, taxId],
  );
  if (p.barcode) await sys.query('insert into pos.barcode (tenant_id, code, product_id) values ($1, $2, $3)', [tenantId, p.barcode, id]);
  return id;
}

export async function seedStock(sys: pg.Client, tenantId: string, storeId: string, productId: string, qtyMilli: number, batch?: { lot: string; expiresOn: string; receivedAt?: string }): Promise<string | null> {
  let batchId: string | null = null;
  if (batch) {
    batchId = crypto.randomUUID();
    await sys.query(
      'insert into pos.batch (tenant_id, id, store_id, product_id, lot, expires_on, on_hand_milli, received_at) values ($1, $2, $3, $4, $5, $6, $7, $8)',
      [tenantId, batchId, storeId, productId, batch.lot, batch.expiresOn, qtyMilli, batch.receivedAt ?? new Date().toISOString()],
    );
  }
  await sys.query(
    `insert into pos.stock_move (tenant_id, store_id, product_id, batch_id, qty_milli, kind, ref_type, ref_id) values ($1, $2, $3, $4, $5, 'receipt', 'fixture', $6)`,
    [tenantId, storeId, productId, batchId, qtyMilli, crypto.randomUUID()],
  );
  await sys.query(
    `insert into pos.stock_level (tenant_id, store_id, product_id, on_hand_milli) values ($1, $2, $3, $4)
     on conflict (tenant_id, store_id, product_id) do update set on_hand_milli = pos.stock_level.on_hand_milli + excluded.on_hand_milli`,
    [tenantId, storeId, productId, qtyMilli],
  );
  return batchId;
}

/** Sets up a POS store and a register with an open shift; returns their ids. */
export async function openTill(c: TestClient, opts: { storeName?: string; float?: number; printReceipts?: boolean; roleSuffix?: string } = {}) {
  const st = await c.post('/api/pos/stores', { name: opts.storeName ?? 'Main' });
  expect(st.status, JSON.stringify(st.body)).toBe(201);
  const reg = await c.post('/api/pos/registers', { storeId: st.body.storeId, name: 'Till 1', printReceipts: opts.printReceipts ?? false, ...(opts.roleSuffix ? { deviceRoleSuffix: opts.roleSuffix } : {}) });
  expect(reg.status, JSON.stringify(reg.body)).toBe(201);
  const sh = await c.post('/api/pos/shifts', { registerId: reg.body.id, openingFloat: opts.float ?? 10_000 });
  expect(sh.status, JSON.stringify(sh.body)).toBe(201);
  return { storeId: st.body.storeId as string, registerId: reg.body.id as string, shiftId: sh.body.id as string };
}

/** The ledger invariant: for every (store, product), on-hand equals the sum of its moves, and each batch too. */
export async function ledgerMismatches(sys: pg.Client, tenantId: string): Promise<unknown[]> {
  const levels = await sys.query(
    `select l.store_id, l.product_id, l.on_hand_milli, coalesce(m.sum, 0) as ledger
     from pos.stock_level l left join (select store_id, product_id, sum(qty_milli) as sum from pos.stock_move where tenant_id = $1 group by 1, 2) m
       on m.store_id = l.store_id and m.product_id = l.product_id
     where l.tenant_id = $1 and l.on_hand_milli <> coalesce(m.sum, 0)`,
    [tenantId],
  );
  const batches = await sys.query(
    `select b.id, b.on_hand_milli, coalesce(m.sum, 0) as ledger from pos.batch b
     left join (select batch_id, sum(qty_milli) as sum from pos.stock_move where tenant_id = $1 and batch_id is not null group by 1) m on m.batch_id = b.id
     where b.tenant_id = $1 and b.on_hand_milli <> coalesce(m.sum, 0)`,
    [tenantId],
  );
  return [...levels.rows, ...batches.rows];
}

export function sale(registerId: string, lines: { productId: string; qtyMilli: number; unitPrice?: number; discount?: { bp?: number; amount?: number } }[], payments: { method: string; amount: number; tendered?: number; reference?: string; giftCardCode?: string; terminalId?: string; intentId?: string }[], extra: Record<string, unknown> = {}) {
  return { id: crypto.randomUUID(), registerId, lines, payments, ...extra };
}

/**
 * A kernel with the POS plugin, a shop (owner, a cashier and a stockkeeper) with two stores A and B,
 * and another tenant's owner; `db` is an owner-role connection (sees every tenant).
 */
export async function startTwoStoreShop(): Promise<{ tk: TestKernel; db: pg.Client; owner: TestClient; keeper: TestClient; cashier: TestClient; other: TestClient; storeA: string; storeB: string }> {
  const tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [
      { name: 'Shop', owner: 'owner@shop.test', enable: ['pos'], users: [{ email: 'cashier@shop.test', roles: ['cashier'] }, { email: 'keeper@shop.test', roles: ['stockkeeper'] }] },
      { name: 'Other', owner: 'owner@other.test', enable: ['pos'] },
    ],
  });
  const db = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await db.connect();
  const owner = await tk.as('owner@shop.test');
  return {
    tk, db, owner,
    keeper: await tk.as('keeper@shop.test'),
    cashier: await tk.as('cashier@shop.test'),
    other: await tk.as('owner@other.test'),
    storeA: (await owner.post('/api/pos/stores', { name: 'A' })).body.storeId,
    storeB: (await owner.post('/api/pos/stores', { name: 'B' })).body.storeId,
  };
}

/** A product's batches in a store as [lot, expiresOn, onHandMilli], in FEFO order. */
export async function batchesOf(c: TestClient, storeId: string, productId: string): Promise<any[][]> {
  return (await c.get('/api/pos/stock/batches', { query: { storeId, productId } })).body.items.map((b: any) => [b.lot, b.expiresOn, b.onHandMilli]);
}

/** The field names a 4xx error answer names (`error.fields`, or `error.details.fields` of a 422). */
export const fieldsOf = (r: { body: any }): string[] => [...(r.body?.error?.fields ?? []), ...(r.body?.error?.details?.fields ?? [])].map((f: any) => f.field);
