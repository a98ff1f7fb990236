import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { detectDelimiter, parseCsv, writeCsv, unescapeFormula } from '../src/domain/csv.ts';
import { formatDecimal, parseBarcodes, parseDecimal } from '../src/domain/import-export.ts';
import { gs1CheckDigit, hasValidCheckDigit, parseWeightEan, withCheckDigit } from '../src/domain/barcode.ts';

describe('CSV, numbers and barcodes (pure)', () => {
  it('parses RFC 4180: quotes, doubled quotes, line breaks in quotes, CRLF, BOM, ";" detected', () => {
    const text = '\ufeffsku;name;price\r\nA-1;"Молоко ""Домик"";\r\n2,5%";450,50\r\nB-2;Хлеб;\r\n';
    expect(detectDelimiter(text.slice(1))).toBe(';');
    expect(parseCsv(text)).toEqual([['sku', 'name', 'price'], ['A-1', 'Молоко "Домик";\r\n2,5%', '450,50'], ['B-2', 'Хлеб', '']]);
    expect(parseCsv('a,b\nc,"d"')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(() => parseCsv('a,"b\nc')).toThrow(/Unclosed quote/);
    expect(() => parseCsv('a,"b"x')).toThrow(/after a closing quote/);
  });

  it('writes what it reads, and guards formulas reversibly', () => {
    const rows = [['sku', 'name'], ['=1+1', 'a;b "c"\nd'], ['-20%', ' padded ']];
    const out = writeCsv(rows, { delimiter: ';', bom: true });
    expect(out.startsWith('\ufeffsku;name\r\n')).toBe(true);
    expect(out).toContain("'=1+1");
    expect(parseCsv(out).map((r) => r.map(unescapeFormula))).toEqual(rows);
  });

  it('decimals in both notations, never floats', () => {
    expect(parseDecimal('450,50', 2)).toBe(45050);
    expect(parseDecimal('1 234.5', 2)).toBe(123450);
    expect(parseDecimal('1.234,56', 2)).toBe(123456);
    expect(parseDecimal('0.1', 2)).toBe(10);
    expect(parseDecimal('19.999', 2)).toBeNull();
    expect(parseDecimal('12abc', 2)).toBeNull();
    expect(parseDecimal('2,5', 3)).toBe(2500);
    expect(formatDecimal(45050, 2, true)).toBe('450,50');
    expect(formatDecimal(5, 2, false)).toBe('0.05');
  });

  it('GS1 check digits and weight codes', () => {
    expect(hasValidCheckDigit('4006381333931')).toBe(true);
    expect(hasValidCheckDigit('4006381333932')).toBe(false);
    expect(gs1CheckDigit('9638507')).toBe(4); // EAN-8 96385074
    expect(parseWeightEan(withCheckDigit('220000101250'))).toEqual({ prefix: '2200001', grams: 1250 });
    expect(parseWeightEan('4006381333931')).toBeNull();
    expect(parseBarcodes('4006381333931|2200001:w|4006381333931:6').barcodes).toEqual([
      { code: '4006381333931', kind: 'unit', qtyMilli: 1000 }, { code: '2200001', kind: 'weight', qtyMilli: 1000 }, { code: '4006381333931', kind: 'unit', qtyMilli: 6000 },
    ]);
    expect(parseBarcodes('4006381333932').problems[0]).toMatchObject({ code: 'checkDigit', params: { expected: 1 }, message: expect.stringMatching(/check digit/) });
  });
});

let tk: TestKernel;
let owner: TestClient;
let keeper: TestClient;
let cashier: TestClient;
let second: TestClient;
let third: TestClient;

const upload = (c: TestClient, body: string | Buffer, query: Record<string, string | boolean> = {}, type = 'text/csv') =>
  c.request('POST', '/api/pos/products/import', { raw: body, headers: { 'content-type': type }, query });
const download = async (c: TestClient, query: Record<string, string>) => {
  const u = new URL('/api/pos/products/export', tk.url);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  const res = await fetch(u, { headers: { authorization: `Bearer ${c.token}` } });
  return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), body: Buffer.from(await res.arrayBuffer()) };
};
const waitImport = async (c: TestClient, id: string) => {
  for (let i = 0; i < 600; i++) {
    const r = await c.get(`/api/pos/products/imports/${id}`);
    if (r.body.status !== 'running') return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('import did not finish in 60 s');
};

const ean = (n: number) => withCheckDigit(`460${String(n).padStart(9, '0')}`);

// what Excel in a Russian locale saves: BOM, ";" and decimal commas
const RU_CSV = [
  'Артикул;Наименование;Цена;Себестоимость;Ед.;Категория;Штрихкоды;НДС;Поставщик;Мин. остаток',
  `MLK-1;"Молоко ""Домик в деревне"" 2,5%";450,50;380;шт;Молочные / Молоко;${ean(1)}|${ean(2)}:6;НДС 12%;ТОО Молоко;10`,
  `CHS-1;Сыр Российский;4200;3000;кг;Молочные / Сыры;2200001:w;НДС 12%;ТОО Молоко;2,5`,
  `BRD-1;Хлеб бородинский;250;;шт;Хлеб;;;;`,
].join('\r\n');

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [
      { name: 'Shop', owner: 'owner@shop.test', enable: ['pos'], users: [{ email: 'cashier@shop.test', roles: ['cashier'] }, { email: 'keeper@shop.test', roles: ['stockkeeper'] }] },
      { name: 'Second', owner: 'owner@second.test', enable: ['pos'] },
      { name: 'Third', owner: 'owner@third.test', enable: ['pos'] },
    ],
  });
  owner = await tk.as('owner@shop.test');
  keeper = await tk.as('keeper@shop.test');
  cashier = await tk.as('cashier@shop.test');
  second = await tk.as('owner@second.test');
  third = await tk.as('owner@third.test');
  for (const c of [owner, second, third]) expect((await c.post('/api/pos/tax-rates', { name: 'НДС 12%', rateBp: 1200 })).status).toBe(201);
});
afterAll(async () => tk?.stop());

describe('import', () => {
  it('imports a Russian Excel CSV (BOM, ";", decimal commas, Cyrillic), creating categories and suppliers', async () => {
    const r = await upload(keeper, Buffer.from(`\ufeff${RU_CSV}\r\n`, 'utf8'), { fileName: 'товары.csv' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'done', format: 'csv', totalRows: 3, created: 3, updated: 0, errorCount: 0, fileName: 'товары.csv' });
    const milk = (await owner.get('/api/pos/products/lookup', { query: { code: ean(2) } })).body;
    expect(milk.product).toMatchObject({ sku: 'MLK-1', name: 'Молоко "Домик в деревне" 2,5%', price: 45050, cost: 38000, unit: 'pcs', lowStockMilli: 10000 });
    expect(milk.qtyMilli).toBe(6000);
    const cheese = (await owner.get('/api/pos/products/lookup', { query: { code: withCheckDigit('220000100500') } })).body;
    expect(cheese).toMatchObject({ qtyMilli: 500, unitPrice: 420000, product: { unit: 'kg', lowStockMilli: 2500 } });
    const cats = (await owner.get('/api/pos/categories')).body.items.map((c: any) => c.path);
    expect(cats).toEqual(['Молочные', 'Молочные / Молоко', 'Молочные / Сыры', 'Хлеб']);
    expect((await owner.get('/api/pos/suppliers', { query: { q: 'ТОО' } })).body.items.map((s: any) => [s.name, s.productCount])).toEqual([['ТОО Молоко', 2]]);
    const bread = (await owner.get('/api/pos/products', { query: { q: 'BRD-1' } })).body.items[0];
    expect(bread).toMatchObject({ cost: 0, taxRateId: null, supplierId: null, lowStockMilli: null });
  });

  it('reports every bad row with its row number and field; mode all writes nothing, mode valid writes the good rows', async () => {
    const before = (await owner.get('/api/pos/products')).body.total;
    const csv = [
      'sku,name,price,barcodes,tax_rate,unit',
      'NEW-1,Good one,10.00,,,pcs',
      'NEW-2,Bad price,10.999,,,pcs',
      `NEW-3,Bad code,1,${ean(3).slice(0, 12)}0,,pcs`,
      'NEW-1,Repeated SKU,1,,,pcs',
      `NEW-4,Taken barcode,1,${ean(1)},,pcs`,
      'NEW-5,Unknown tax,1,,VAT 99%,pcs',
      ',No SKU,1,,,pcs',
      'NEW-6,Bad unit,1,,,ящик',
      'NEW-7,Also good,2,,НДС 12%,kg',
    ].join('\n');
    const all = await upload(owner, csv);
    expect(all.status, JSON.stringify(all.body)).toBe(201);
    expect(all.body).toMatchObject({ status: 'failed', created: 0, updated: 0 });
    expect(all.body.errors.map((e: any) => [e.row, e.field])).toEqual([
      [3, 'price'], [4, 'barcodes'], [5, 'sku'], [6, 'barcodes'], [7, 'tax_rate'], [8, 'sku'], [9, 'unit'],
    ]);
    expect(all.body.errors[3].message).toContain('MLK-1');
    expect((await owner.get('/api/pos/products')).body.total).toBe(before);

    const dry = await upload(owner, csv, { mode: 'valid', dryRun: true });
    expect(dry.body).toMatchObject({ status: 'done', dryRun: true, created: 2, errorCount: 7 });
    expect((await owner.get('/api/pos/products')).body.total).toBe(before);

    const valid = await upload(owner, csv, { mode: 'valid' });
    expect(valid.body).toMatchObject({ status: 'done', created: 2, updated: 0, errorCount: 7 });
    expect((await owner.get('/api/pos/products', { query: { q: 'NEW-', sort: 'sku' } })).body.items.map((p: any) => p.sku)).toEqual(['NEW-1', 'NEW-7']);
    const status = await owner.get(`/api/pos/products/imports/${valid.body.id}`);
    expect(status.body.errors).toHaveLength(7);
    expect((await owner.get('/api/pos/products/imports')).body.total).toBe(4);
  });

  it('updates known SKUs — only the columns the file has — and counts unchanged rows', async () => {
    const r = await upload(owner, 'sku;price\r\nmlk-1;460,00\r\nBRD-1;250\r\n');
    expect(r.status).toBe(400);
    expect(r.body.error.fields.map((f: any) => f.field)).toEqual(['name']);
    const u = await upload(owner, 'sku;name;price\r\nmlk-1;Молоко "Домик в деревне" 2,5%;460,00\r\nBRD-1;Хлеб бородинский;250\r\n');
    expect(u.body).toMatchObject({ status: 'done', created: 0, updated: 1 });
    const milk = (await owner.get('/api/pos/products', { query: { q: 'MLK-1' } })).body.items[0];
    // cost, barcodes and category were not in the file: kept
    expect(milk).toMatchObject({ price: 46000, cost: 38000, version: 2 });
    expect(milk.barcodes).toHaveLength(2);
    expect(milk.categoryId).not.toBeNull();
    const unknown = await upload(owner, 'sku;name;price;colour\r\nX;Y;1;red\r\n');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields).toEqual([{ field: 'colour', code: 'columnUnknown', params: { known: expect.arrayContaining(['sku', 'price']) }, message: expect.stringContaining('Unknown column') }]);
    expect((await upload(owner, '')).status).toBe(400);
    expect((await upload(owner, 'not a zip', {}, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')).status).toBe(400);
  });

  it('is not for cashiers', async () => {
    expect((await upload(cashier, 'sku,name,price\nA,B,1\n')).status).toBe(403);
  });
});

describe('export', () => {
  it('CSV export → import into another tenant → the same catalogue, byte for byte', async () => {
    await owner.post('/api/pos/products', { sku: 'QK', name: '=SUM(A1) not a formula', price: 5, quickKey: 7, trackBatches: true, barcodes: [{ code: ean(9) }] });
    const a = await download(owner, { format: 'csv' });
    expect(a.status).toBe(200);
    expect(a.type).toBe('text/csv; charset=utf-8');
    expect(a.disposition).toMatch(/attachment; filename\*=UTF-8''products-\d{4}-\d{2}-\d{2}\.csv/);
    const text = a.body.toString('utf8');
    expect(text.startsWith('\ufeffsku;name;price;cost;unit;category;barcodes;tax_rate;supplier;low_stock;track_batches;quick_key;archived\r\n')).toBe(true);
    expect(text).toContain('MLK-1;"Молоко ""Домик в деревне"" 2,5%";460,00;380,00;pcs;Молочные / Молоко;');
    expect(text).toContain(`QK;'=SUM(A1) not a formula;0,05;0,00;pcs;;${ean(9)};;;;yes;7;no\r\n`);
    const imported = await upload(second, a.body);
    expect(imported.body).toMatchObject({ status: 'done', errorCount: 0 });
    expect(imported.body.created).toBe(imported.body.totalRows);
    const b = await download(second, { format: 'csv' });
    expect(b.body.toString('utf8')).toBe(text);
    // and importing it again changes nothing
    expect((await upload(second, b.body)).body).toMatchObject({ created: 0, updated: 0 });
    const comma = await download(owner, { format: 'csv', delimiter: 'comma' });
    expect(comma.body.toString('utf8')).toContain('MLK-1,"Молоко ""Домик в деревне"" 2,5%",460.00,380.00');
  });

  it('xlsx export → import → the same catalogue', async () => {
    const x = await download(owner, { format: 'xlsx' });
    expect(x.status).toBe(200);
    expect(x.type).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(x.body as any);
    expect(wb.worksheets[0].getRow(1).values).toEqual([undefined, 'sku', 'name', 'price', 'cost', 'unit', 'category', 'barcodes', 'tax_rate', 'supplier', 'low_stock', 'track_batches', 'quick_key', 'archived']);
    const imported = await upload(third, x.body, { fileName: 'products.xlsx' }, 'application/octet-stream');
    expect(imported.body).toMatchObject({ status: 'done', format: 'xlsx', errorCount: 0 });
    const fromA = await download(owner, { format: 'csv' });
    const fromC = await download(third, { format: 'csv' });
    expect(fromC.body.toString('utf8')).toBe(fromA.body.toString('utf8'));
  });

  it('a cashier cannot export; a stockkeeper exports with cost', async () => {
    expect((await download(cashier, {})).status).toBe(403);
    const k = await download(keeper, { format: 'csv' });
    expect(k.body.toString('utf8').split('\r\n')[0]).toContain(';cost;');
  });
});

describe('big files run as a job', () => {
  const bigCsv = (n: number, badRow?: number) => {
    const lines = ['sku;name;price;barcodes'];
    for (let i = 1; i <= n; i++) lines.push(`BIG-${i};Товар номер ${i};${i},${String(i % 100).padStart(2, '0')};${i + 1 === badRow ? 'oops!' : ean(100000 + i)}`);
    return lines.join('\r\n');
  };

  it('2,500 rows in mode valid: progress is kept, good rows imported, the bad row reported', async () => {
    const before = (await second.get('/api/pos/products', { query: { limit: 1 } })).body.total;
    const r = await upload(second, bigCsv(2500, 1201), { mode: 'valid' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'running', totalRows: 2500, processedRows: 0 });
    const done = await waitImport(second, r.body.id);
    expect(done).toMatchObject({ status: 'done', progress: 100, created: 2499, updated: 0, errorCount: 1 });
    expect(done.errors).toEqual([{ row: 1201, field: 'barcodes', code: expect.any(String), params: expect.any(Object), message: expect.any(String) }]);
    expect((await second.get('/api/pos/products', { query: { limit: 1 } })).body).toMatchObject({ total: before + 2499, totalCapped: false });
    // a text query ranks at most 200 matches and says there are more
    expect((await second.get('/api/pos/products', { query: { q: 'BIG-', limit: 1 } })).body).toMatchObject({ total: 200, totalCapped: true });
    const p = (await second.get('/api/pos/products/lookup', { query: { code: ean(100000 + 2500) } })).body.product;
    expect(p).toMatchObject({ sku: 'BIG-2500', price: 250000 });
  });

  it('2,500 rows in mode all with a row that clashes with the database: nothing is written', async () => {
    const lines = ['sku;name;price;barcodes'];
    for (let i = 1; i <= 2500; i++) lines.push(`ALL-${i};Позиция ${i};1;${ean(200000 + i)}`);
    // row 2001: a barcode that BIG-1 already has
    lines[2000] = `ALL-2000;Clash;1;${ean(100001)}`;
    const r = await upload(second, lines.join('\r\n'));
    expect(r.body.status).toBe('running');
    const done = await waitImport(second, r.body.id);
    expect(done).toMatchObject({ status: 'failed', created: 0, errorCount: 1 });
    expect(done.errors[0]).toMatchObject({ row: 2001, field: 'barcodes', message: expect.stringContaining('BIG-1') });
    expect((await second.get('/api/pos/products', { query: { q: 'ALL-', limit: 1 } })).body.total).toBe(0);
    const ok = await upload(second, bigCsv(2500).replace(/BIG-/g, 'OK-').replace(/;4\d{12}(?=\r|$)/gm, ''));
    const fine = await waitImport(second, ok.body.id);
    expect(fine).toMatchObject({ status: 'done', created: 2500, errorCount: 0 });
  });
});
