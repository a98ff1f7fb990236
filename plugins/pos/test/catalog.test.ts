import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { withCheckDigit } from '../src/domain/barcode.ts';
import { fieldsOf } from './fixtures.ts';

/**
 * Catalogue through the real kernel: categories, tax rates, suppliers, variant groups, products
 * with barcodes and store prices, barcode lookup (weight EAN-13 too), search, field permissions
 * (a cashier never sees cost) and tenant isolation.
 */

let tk: TestKernel;
let owner: TestClient;
let cashier: TestClient;
let keeper: TestClient;
let other: TestClient;
let storeId: string;
let store2: string;


beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [
      { name: 'Shop', owner: 'owner@shop.test', enable: ['pos'], users: [{ email: 'cashier@shop.test', roles: ['cashier'] }, { email: 'keeper@shop.test', roles: ['stockkeeper'] }] },
      { name: 'Other', owner: 'owner@other.test', enable: ['pos'] },
    ],
  });
  owner = await tk.as('owner@shop.test');
  cashier = await tk.as('cashier@shop.test');
  keeper = await tk.as('keeper@shop.test');
  other = await tk.as('owner@other.test');
  storeId = (await owner.post('/api/pos/stores', { name: 'Центральный' })).body.storeId;
  store2 = (await owner.post('/api/pos/stores', { name: 'Second' })).body.storeId;
});
afterAll(async () => tk?.stop());

describe('categories', () => {
  it('builds a tree, refuses duplicates among siblings and cycles, deletes only empty ones', async () => {
    const dairy = await owner.post('/api/pos/categories', { name: 'Молочные продукты' });
    expect(dairy.status, JSON.stringify(dairy.body)).toBe(201);
    const milk = await owner.post('/api/pos/categories', { name: 'Молоко', parentId: dairy.body.id });
    expect(milk.body.path).toBe('Молочные продукты / Молоко');
    expect(milk.body.depth).toBe(1);
    const dup = await owner.post('/api/pos/categories', { name: 'молоко', parentId: dairy.body.id });
    expect(dup.status).toBe(409);
    expect(fieldsOf(dup)).toContain('name');
    // the same name under another parent is fine
    expect((await owner.post('/api/pos/categories', { name: 'Молоко' })).status).toBe(201);
    const cycle = await owner.patch(`/api/pos/categories/${dairy.body.id}`, { parentId: milk.body.id });
    expect(cycle.status).toBe(400);
    expect(fieldsOf(cycle)).toContain('parentId');
    const unknownParent = await owner.post('/api/pos/categories', { name: 'X', parentId: crypto.randomUUID() });
    expect(unknownParent.status).toBe(400);
    expect(fieldsOf(unknownParent)).toContain('parentId');

    const tree = await cashier.get('/api/pos/categories', { query: { tree: true } });
    expect(tree.status).toBe(200);
    const root = tree.body.items.find((c: any) => c.id === dairy.body.id);
    expect(root.children.map((c: any) => c.name)).toEqual(['Молоко']);
    const flat = await cashier.get('/api/pos/categories');
    expect(flat.body.total).toBe(3);
    expect(flat.body.items.map((c: any) => c.path)).toEqual(['Молоко', 'Молочные продукты', 'Молочные продукты / Молоко']);

    expect((await cashier.post('/api/pos/categories', { name: 'Nope' })).status).toBe(403);
    expect((await owner.delete(`/api/pos/categories/${dairy.body.id}`)).status).toBe(409);
    const del = await owner.delete(`/api/pos/categories/${milk.body.id}`);
    expect(del.status).toBe(200);
    expect((await owner.get(`/api/pos/categories/${milk.body.id}`)).status).toBe(404);
  });
});

describe('tax rates and suppliers', () => {
  it('validates tax rates in basis points and archives used ones instead of deleting', async () => {
    const bad = await owner.post('/api/pos/tax-rates', { name: 'НДС 12%', rateBp: 10001 });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('rateBp');
    const vat = await owner.post('/api/pos/tax-rates', { name: 'НДС 12%', rateBp: 1200 });
    expect(vat.status).toBe(201);
    expect(vat.body).toMatchObject({ rateBp: 1200, included: true, archived: false });
    expect((await owner.post('/api/pos/tax-rates', { name: 'ндс 12%', rateBp: 1200 })).status).toBe(409);
    const added = await owner.post('/api/pos/tax-rates', { name: 'Sales tax', rateBp: 825, included: false });
    expect(added.body.included).toBe(false);
    await owner.post('/api/pos/products', { sku: 'TAXED', name: 'Taxed thing', price: 100, taxRateId: added.body.id });
    const del = await owner.delete(`/api/pos/tax-rates/${added.body.id}`);
    expect(del.body).toMatchObject({ archived: true, deleted: false });
    const list = await owner.get('/api/pos/tax-rates');
    expect(list.body.items.map((t: any) => t.name)).toEqual(['НДС 12%']);
  });

  it('suppliers: CRUD, search, duplicate names, archive when referenced', async () => {
    const s = await keeper.post('/api/pos/suppliers', { name: 'ТОО Молочный Двор', phone: '+7 701 000 00 00', email: 'sales@dvor.kz' });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    expect((await keeper.post('/api/pos/suppliers', { name: 'тоо молочный двор' })).status).toBe(409);
    const badEmail = await keeper.post('/api/pos/suppliers', { name: 'Bad', email: 'not-an-email' });
    expect(badEmail.status).toBe(400);
    expect(JSON.stringify(badEmail.body)).toContain('email');
    await keeper.post('/api/pos/suppliers', { name: 'Bakery Ltd' });
    const found = await keeper.get('/api/pos/suppliers', { query: { q: 'молочн' } });
    expect(found.body.items.map((x: any) => x.name)).toEqual(['ТОО Молочный Двор']);
    expect(found.body.total).toBe(1);
    const upd = await keeper.patch(`/api/pos/suppliers/${s.body.id}`, { notes: 'Delivers on Mondays' });
    expect(upd.body.notes).toBe('Delivers on Mondays');
    await owner.post('/api/pos/products', { sku: 'SUPP-1', name: 'From supplier', price: 100, supplierId: s.body.id });
    expect((await keeper.delete(`/api/pos/suppliers/${s.body.id}`)).body).toMatchObject({ archived: true });
    const bakery = (await keeper.get('/api/pos/suppliers', { query: { q: 'Bakery' } })).body.items[0];
    expect((await keeper.delete(`/api/pos/suppliers/${bakery.id}`)).body).toMatchObject({ deleted: true });
    expect((await cashier.get('/api/pos/suppliers')).status).toBe(403);
  });
});

describe('products', () => {
  const milkCode = withCheckDigit('460123456789');

  it('creates with barcodes, names the bad fields, refuses taken SKUs and barcodes', async () => {
    const missing = await owner.post('/api/pos/products', { sku: 'M-1', price: 100 });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body)).toContain('name');
    const negative = await owner.post('/api/pos/products', { sku: 'M-1', name: 'Milk', price: -5 });
    expect(negative.status).toBe(400);
    expect(JSON.stringify(negative.body)).toContain('price');
    const badCheck = await owner.post('/api/pos/products', { sku: 'M-1', name: 'Milk', price: 100, barcodes: [{ code: '4601234567890' }] });
    expect(badCheck.status).toBe(400);
    expect(fieldsOf(badCheck)).toEqual(['barcodes[0].code']);
    const badWeight = await owner.post('/api/pos/products', { sku: 'M-1', name: 'Milk', price: 100, barcodes: [{ code: '4601234', kind: 'weight' }] });
    expect(fieldsOf(badWeight)).toEqual(['barcodes[0].code']);
    const unknownCat = await owner.post('/api/pos/products', { sku: 'M-1', name: 'Milk', price: 100, categoryId: crypto.randomUUID() });
    expect(unknownCat.status).toBe(400);
    expect(fieldsOf(unknownCat)).toEqual(['categoryId']);

    const milk = await owner.post('/api/pos/products', {
      sku: 'M-1', name: 'Молоко 2,5% 1 л', price: 45000, cost: 38000, unit: 'pcs',
      barcodes: [{ code: milkCode }, { code: withCheckDigit('460123456790'), qtyMilli: 12000 }], lowStockMilli: 5000, quickKey: 1,
    });
    expect(milk.status, JSON.stringify(milk.body)).toBe(201);
    expect(milk.body).toMatchObject({ sku: 'M-1', price: 45000, cost: 38000, version: 1, quickKey: 1 });
    expect(milk.body.barcodes).toHaveLength(2);

    const dupSku = await owner.post('/api/pos/products', { sku: 'm-1', name: 'Other', price: 1 });
    expect(dupSku.status).toBe(409);
    expect(dupSku.body.error.code).toBe('DUPLICATE_SKU');
    const dupCode = await owner.post('/api/pos/products', { sku: 'M-2', name: 'Other', price: 1, barcodes: [{ code: milkCode }] });
    expect(dupCode.status).toBe(409);
    expect(dupCode.body.error.code).toBe('BARCODE_TAKEN');
    // nothing of the refused product was written
    expect((await owner.get('/api/pos/products', { query: { q: 'M-2' } })).body.total).toBe(0);
  });

  it('optimistic version on update; barcodes replaced; store prices', async () => {
    const p = (await owner.get('/api/pos/products', { query: { q: 'M-1' } })).body.items[0];
    const ok = await owner.patch(`/api/pos/products/${p.id}`, { version: p.version, price: 46000, barcodes: [{ code: milkCode }] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.version).toBe(p.version + 1);
    expect(ok.body.barcodes).toEqual([{ code: milkCode, kind: 'unit', qtyMilli: 1000 }]);
    const stale = await owner.patch(`/api/pos/products/${p.id}`, { version: p.version, price: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('STALE');
    const noVersion = await owner.patch(`/api/pos/products/${p.id}`, { price: 1 });
    expect(noVersion.status).toBe(400);

    const price = await owner.put(`/api/pos/products/${p.id}/prices/${storeId}`, { price: 44000 });
    expect(price.status, JSON.stringify(price.body)).toBe(200);
    const inStore = await owner.get('/api/pos/products', { query: { q: 'M-1', storeId } });
    expect(inStore.body.items[0]).toMatchObject({ price: 44000, basePrice: 46000, storePrice: 44000 });
    const elsewhere = await owner.get('/api/pos/products', { query: { q: 'M-1', storeId: store2 } });
    expect(elsewhere.body.items[0].price).toBe(46000);
    expect((await owner.put(`/api/pos/products/${p.id}/prices/${crypto.randomUUID()}`, { price: 1 })).status).toBe(404);
    const detail = await owner.get(`/api/pos/products/${p.id}`);
    expect(detail.body.storePrices).toEqual([{ storeId, price: 44000 }]);
  });

  it('barcode lookup: exact code, pack, weight EAN-13 with grams, SKU, bad check digit, store price', async () => {
    const weighed = await owner.post('/api/pos/products', { sku: 'CHEESE', name: 'Сыр Российский', unit: 'kg', price: 420000, barcodes: [{ code: '2200001', kind: 'weight' }] });
    expect(weighed.status, JSON.stringify(weighed.body)).toBe(201);
    const exact = await cashier.get('/api/pos/products/lookup', { query: { code: milkCode, storeId } });
    expect(exact.status, JSON.stringify(exact.body)).toBe(200);
    expect(exact.body).toMatchObject({ qtyMilli: 1000, unitPrice: 44000, amount: 44000, matchedBy: 'barcode', barcode: { code: milkCode, kind: 'unit' } });
    expect(exact.body.product.cost).toBeUndefined();

    const scale = withCheckDigit('220000101250');
    const w = await cashier.get('/api/pos/products/lookup', { query: { code: scale, storeId } });
    expect(w.status, JSON.stringify(w.body)).toBe(200);
    expect(w.body).toMatchObject({ qtyMilli: 1250, unitPrice: 420000, amount: 525000, matchedBy: 'weight' });
    expect(w.body.product.sku).toBe('CHEESE');

    const wrong = `${scale.slice(0, 12)}${(Number(scale[12]) + 1) % 10}`;
    const bad = await cashier.get('/api/pos/products/lookup', { query: { code: wrong } });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['code']);
    const badEan = await cashier.get('/api/pos/products/lookup', { query: { code: '4601234567890' } });
    expect(badEan.status).toBe(400);

    const bySku = await cashier.get('/api/pos/products/lookup', { query: { code: 'cheese' } });
    expect(bySku.body).toMatchObject({ matchedBy: 'sku', qtyMilli: 1000, unitPrice: 420000 });
    expect((await cashier.get('/api/pos/products/lookup', { query: { code: withCheckDigit('460999999999') } })).status).toBe(404);
    expect((await cashier.get('/api/pos/products/lookup', { query: { code: milkCode, storeId: crypto.randomUUID() } })).status).toBe(404);
    expect((await cashier.get('/api/pos/products/lookup', { query: { code: 'bad code!' } })).status).toBe(400);
  });

  it('search: Cyrillic fragments, SKU prefix, barcode, category with subcategories, pagination, quick keys', async () => {
    const root = (await owner.post('/api/pos/categories', { name: 'Напитки' })).body;
    const juice = (await owner.post('/api/pos/categories', { name: 'Соки', parentId: root.id })).body;
    for (let i = 1; i <= 7; i++) {
      const r = await owner.post('/api/pos/products', { sku: `JUICE-${i}`, name: `Сок яблочный ${i} л`, price: 1000 * i, categoryId: juice.id, quickKey: i === 1 ? 2 : undefined });
      expect(r.status).toBe(201);
    }
    const page = await cashier.get('/api/pos/products', { query: { q: 'ЯБЛОЧ', limit: 3, offset: 3 } });
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body.total).toBe(7);
    expect(page.body.items.map((p: any) => p.sku)).toEqual(['JUICE-4', 'JUICE-5', 'JUICE-6']);
    expect((await cashier.get('/api/pos/products', { query: { q: 'сок 7' } })).body.items.map((p: any) => p.sku)).toEqual(['JUICE-7']);
    expect((await cashier.get('/api/pos/products', { query: { q: 'juice-' } })).body.total).toBe(7);
    expect((await cashier.get('/api/pos/products', { query: { q: milkCode } })).body.items.map((p: any) => p.sku)).toEqual(['M-1']);
    expect((await cashier.get('/api/pos/products', { query: { q: 'ябл', withTotal: false } })).body.total).toBeNull();
    expect((await cashier.get('/api/pos/products', { query: { categoryId: root.id } })).body.total).toBe(7);
    expect((await cashier.get('/api/pos/products', { query: { q: '100%_' } })).body.total).toBe(0);
    const sorted = await cashier.get('/api/pos/products', { query: { q: 'juice', sort: '-price', limit: 2 } });
    expect(sorted.body.items.map((p: any) => p.price)).toEqual([7000, 6000]);
    expect((await cashier.get('/api/pos/products', { query: { sort: 'cost' } })).status).toBe(400);
    // the word index follows renames in the same transaction
    const j7 = (await owner.get('/api/pos/products', { query: { q: 'JUICE-7' } })).body.items[0];
    expect((await owner.patch(`/api/pos/products/${j7.id}`, { version: j7.version, name: 'Нектар «Персик»' })).status).toBe(200);
    expect((await cashier.get('/api/pos/products', { query: { q: 'перс' } })).body.items.map((p: any) => p.sku)).toEqual(['JUICE-7']);
    expect((await cashier.get('/api/pos/products', { query: { q: 'яблочн' } })).body.total).toBe(6);
    // word starts only: the middle of a word does not match
    expect((await cashier.get('/api/pos/products', { query: { q: 'блочн' } })).body.total).toBe(0);
    const keys = await cashier.get('/api/pos/products/quick-keys', { query: { storeId } });
    expect(keys.body.items.map((p: any) => [p.quickKey, p.sku, p.price])).toEqual([[1, 'M-1', 44000], [2, 'JUICE-1', 1000]]);
  });

  it('a cashier never sees cost or margin; a manager-level user sees both; the cashier cannot write', async () => {
    const id = (await owner.get('/api/pos/products', { query: { q: 'M-1' } })).body.items[0].id;
    const asCashier = await cashier.get(`/api/pos/products/${id}`);
    expect(asCashier.status).toBe(200);
    expect(asCashier.body.name).toBe('Молоко 2,5% 1 л');
    expect(asCashier.body).not.toHaveProperty('cost');
    expect(asCashier.body).not.toHaveProperty('margin');
    expect(asCashier.body).not.toHaveProperty('supplierId');
    const list = await cashier.get('/api/pos/products', { query: { q: 'M-1' } });
    expect(list.body.items[0]).not.toHaveProperty('cost');
    const asOwner = await owner.get(`/api/pos/products/${id}`);
    expect(asOwner.body.cost).toBe(38000);
    expect(asOwner.body.margin).toBe(46000 - 38000);
    // a stockkeeper sees cost (receives goods) but not margins
    const asKeeper = await keeper.get(`/api/pos/products/${id}`);
    expect(asKeeper.body.cost).toBe(38000);
    expect(asKeeper.body).not.toHaveProperty('margin');
    expect((await cashier.patch(`/api/pos/products/${id}`, { version: asOwner.body.version, price: 1 })).status).toBe(403);
    expect((await cashier.post('/api/pos/products', { sku: 'C-1', name: 'x', price: 1 })).status).toBe(403);
    expect((await cashier.get('/api/pos/products/export')).status).toBe(403);
  });

  it('variant groups generate one product per combination and skip existing ones', async () => {
    const g = await owner.post('/api/pos/variant-groups', { name: 'Футболка', attributes: ['size', 'color'] });
    expect(g.status).toBe(201);
    const gen = await owner.post(`/api/pos/variant-groups/${g.body.id}/variants`, { values: { size: ['S', 'M'], color: ['белый', 'black'] }, skuPrefix: 'TS', price: 500000 });
    expect(gen.status, JSON.stringify(gen.body)).toBe(201);
    expect(gen.body.created.map((p: any) => p.sku).sort()).toEqual(['TS-M-BLACK', 'TS-M-БЕЛЫЙ', 'TS-S-BLACK', 'TS-S-БЕЛЫЙ']);
    expect(gen.body.created[0].attributes).toHaveProperty('size');
    const again = await owner.post(`/api/pos/variant-groups/${g.body.id}/variants`, { values: { size: ['S', 'M', 'L'], color: ['black'] }, skuPrefix: 'TS', price: 500000 });
    expect(again.body.created.map((p: any) => p.sku)).toEqual(['TS-L-BLACK']);
    expect(again.body.skipped).toBe(2);
    const badValues = await owner.post(`/api/pos/variant-groups/${g.body.id}/variants`, { values: { size: ['S'], fabric: ['cotton'] }, skuPrefix: 'X', price: 1 });
    expect(badValues.status).toBe(400);
    expect(fieldsOf(badValues).sort()).toEqual(['values.color', 'values.fabric']);
    const manual = await owner.post('/api/pos/products', { sku: 'TS-XL', name: 'Футболка XL', price: 1, variantGroupId: g.body.id, attributes: { size: 'XL' } });
    expect(manual.status).toBe(400);
    expect(fieldsOf(manual)).toEqual(['attributes.color']);
    const detail = await owner.get(`/api/pos/variant-groups/${g.body.id}`);
    expect(detail.body.variants).toHaveLength(5);
    expect((await owner.patch(`/api/pos/variant-groups/${g.body.id}`, { attributes: ['size'] })).status).toBe(409);
    expect((await owner.get('/api/pos/products', { query: { variantGroupId: g.body.id } })).body.total).toBe(5);
  });

  it('images go through the kernel files service', async () => {
    const p = (await owner.post('/api/pos/products', { sku: 'IMG-1', name: 'Pictured', price: 1 })).body;
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d6e1d80000000049454e44ae426082', 'hex');
    const up = await owner.request('PUT', `/api/pos/products/${p.id}/image`, { raw: png, headers: { 'content-type': 'image/png' } });
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body.imageFileId).toMatch(/^[0-9a-f-]{36}$/);
    expect(up.body.version).toBe(2);
    // reading files needs the kernel's `read kernel.File` (owner, admin, manager and staff roles have it)
    const res = await fetch(`${tk.url}/api/pos/products/${p.id}/image`, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(png)).toBe(true);
    const notImage = await owner.request('PUT', `/api/pos/products/${p.id}/image`, { raw: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(notImage.status).toBe(400);
  });

  it('deletes an unused product, archives one with stock history', async () => {
    const unused = (await owner.post('/api/pos/products', { sku: 'DEL-1', name: 'Unused', price: 1 })).body;
    expect((await owner.delete(`/api/pos/products/${unused.id}`)).body).toMatchObject({ deleted: true });
    expect((await owner.get(`/api/pos/products/${unused.id}`)).status).toBe(404);
    const used = (await owner.post('/api/pos/products', { sku: 'DEL-2', name: 'Used', price: 1 })).body;
    const rc = await keeper.post('/api/pos/stock/receipts', { storeId, lines: [{ productId: used.id, qtyMilli: 1000 }], post: true });
    expect(rc.status, JSON.stringify(rc.body)).toBe(201);
    expect((await owner.delete(`/api/pos/products/${used.id}`)).body).toMatchObject({ archived: true, deleted: false });
    const archived = await owner.get('/api/pos/products', { query: { archived: true } });
    expect(archived.body.items.map((p: any) => p.sku)).toContain('DEL-2');
    expect((await owner.get('/api/pos/products', { query: { q: 'DEL-2' } })).body.total).toBe(0);
  });

  it('tenant isolation: another tenant cannot see, find, scan or change these products', async () => {
    const mine = (await owner.get('/api/pos/products', { query: { q: 'M-1' } })).body.items[0];
    expect((await other.get(`/api/pos/products/${mine.id}`)).status).toBe(404);
    expect((await other.patch(`/api/pos/products/${mine.id}`, { version: mine.version, price: 1 })).status).toBe(404);
    expect((await other.delete(`/api/pos/products/${mine.id}`)).status).toBe(404);
    expect((await other.get('/api/pos/products', { query: { q: 'M-1' } })).body.total).toBe(0);
    expect((await other.get('/api/pos/products/lookup', { query: { code: milkCode } })).status).toBe(404);
    expect((await other.get('/api/pos/categories')).body.total).toBe(0);
    expect((await other.get('/api/pos/suppliers')).body.total).toBe(0);
    // the other tenant may use the same SKU and barcode for its own product
    const theirs = await other.post('/api/pos/products', { sku: 'M-1', name: 'Their milk', price: 1, barcodes: [{ code: milkCode }] });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
    expect((await cashier.get('/api/pos/products/lookup', { query: { code: milkCode } })).body.product.name).toBe('Молоко 2,5% 1 л');
    const after = await owner.get(`/api/pos/products/${mine.id}`);
    expect(after.body.price).toBe(46000);
  });
});
