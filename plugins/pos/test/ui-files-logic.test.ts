import { describe, expect, it } from 'vitest';
import { posApi } from '../ui/src/api.ts';
import { followImport, importContentType, importOutcome, intentKey, withTillCash, XLSX_TYPE, type ImportReport } from '../ui/src/lib/files.ts';
import type { Register, Shift } from '../ui/src/lib/types.ts';
import type { SalePayload } from '../ui/src/lib/types.ts';

// The POS back office's file features and keyed writes, without a browser: what goes over the
// wire (through a recorder in place of the shell's client) and the small decisions around it.

type Rec = { method: string; path: string; body?: unknown; opts?: any };
function recorder(answer: (r: Rec) => unknown = () => ({})) {
  const calls: Rec[] = [];
  const rec = (method: string) => async (path: string, a?: unknown, b?: unknown) => {
    const r: Rec = method === 'get' || method === 'download' || method === 'delete' ? { method, path, opts: a } : { method, path, body: a, opts: b };
    calls.push(r);
    return answer(r);
  };
  const http = { get: rec('get'), post: rec('post'), put: rec('put'), patch: rec('patch'), delete: rec('delete'), upload: rec('upload'), download: rec('download') };
  return { calls, api: posApi(http as never) };
}

const report = (over: Partial<ImportReport>): ImportReport => ({
  id: 'imp-1', status: 'done', mode: 'all', dryRun: false, totalRows: 3, progress: 100, created: 0, updated: 0, errorCount: 0, errors: [], ...over,
});

describe('POS UI: keyed writes', () => {
  it('a sale carries Idempotency-Key: sale-<id>; returns, voids, deposits, repayments and receipt e-mails carry the dialog key', async () => {
    const { calls, api } = recorder();
    await api.createSale({ id: 's1' } as SalePayload, 'sale-s1');
    await api.returnSale('s1', { lines: [{ lineNo: 1, qtyMilli: 1000 }], reason: 'брак' }, 'return-k1');
    await api.voidSale('s1', 'ошибка', 'void-k2');
    await api.deposit('c1', { amount: 5000, method: 'cash', registerId: 'r1' }, 'deposit-k3');
    await api.repay('c1', { amount: 100, method: 'card' }, 'repay-k4');
    await api.sendReceipt('s1', 'a@b.kz', 'receipt-mail-k5');
    expect(calls.map((c) => [c.path, c.opts?.headers?.['Idempotency-Key']])).toEqual([
      ['/api/pos/sales', 'sale-s1'],
      ['/api/pos/sales/s1/returns', 'return-k1'],
      ['/api/pos/sales/s1/void', 'void-k2'],
      ['/api/pos/customers/c1/deposits', 'deposit-k3'],
      ['/api/pos/customers/c1/repayments', 'repay-k4'],
      ['/api/pos/sales/s1/send', 'receipt-mail-k5'],
    ]);
    expect(calls[3]!.body).toEqual({ amount: 5000, method: 'cash', registerId: 'r1' });
  });

  it('intent keys are fresh per intent and fit the kernel limit', () => {
    const a = intentKey('return');
    const b = intentKey('return');
    expect(a).toMatch(/^return-[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(200);
  });
});

describe('POS UI: files over the wire', () => {
  it('imports upload the file as the raw body with mode/dryRun/fileName in the query and the key; export and the receipt PDF download', async () => {
    const { calls, api } = recorder();
    const file = new Blob(['sku;name;price\n']);
    await api.importProducts(file, { contentType: 'text/csv', fileName: 'каталог.csv', mode: 'valid', dryRun: true }, 'import-check-1');
    await api.importStatus('imp-1');
    await api.exportProducts('xlsx');
    await api.receiptPdf('s/1');
    await api.addTaskPhoto('t1', file, 'shelf.jpg', 'image/jpeg', 'полка');
    await api.file('f1');
    expect(calls[0]).toEqual({ method: 'upload', path: '/api/pos/products/import', body: file, opts: { contentType: 'text/csv', query: { mode: 'valid', dryRun: true, fileName: 'каталог.csv' }, headers: { 'Idempotency-Key': 'import-check-1' } } });
    expect(calls.slice(1).map((c) => [c.method, c.path])).toEqual([
      ['get', '/api/pos/products/imports/imp-1'],
      ['download', '/api/pos/products/export'],
      ['download', '/api/pos/sales/s%2F1/receipt.pdf'],
      ['upload', '/api/pos/tasks/t1/photos'],
      ['download', '/api/files/f1'],
    ]);
    expect(calls[2]!.opts).toEqual({ query: { format: 'xlsx' } });
    expect(calls[4]!.opts).toEqual({ contentType: 'image/jpeg', query: { name: 'shelf.jpg', caption: 'полка' } });
  });

  it('catalogue files: CSV and XLSX by name (browsers leave File.type empty for CSV), nothing else', () => {
    expect(importContentType('Каталог.CSV')).toBe('text/csv');
    expect(importContentType('export.txt')).toBe('text/csv');
    expect(importContentType('products-2025.xlsx')).toBe(XLSX_TYPE);
    expect(importContentType('old.xls')).toBeNull();
    expect(importContentType('photo.jpg')).toBeNull();
  });
});

describe('POS UI: following an import', () => {
  it('a finished answer is returned at once; a job-based one is polled until it ends, reporting progress', async () => {
    const seen: number[] = [];
    const waits: number[] = [];
    const polled = [report({ status: 'running', progress: 40 }), report({ status: 'running', progress: 85 }), report({ status: 'done', created: 2500 })];
    const r = await followImport(report({ status: 'running', progress: 0 }), async (id) => {
      expect(id).toBe('imp-1');
      return polled.shift()!;
    }, { onProgress: (x) => seen.push(x.progress), wait: async (ms) => { waits.push(ms); } });
    expect(r.created).toBe(2500);
    expect(seen).toEqual([0, 40, 85, 100]);
    expect(waits).toEqual([1000, 1000, 1000]);

    let gets = 0;
    const done = await followImport(report({ status: 'failed', errorCount: 1 }), async () => { gets++; return report({}); }, { wait: async () => {} });
    expect(done.status).toBe('failed');
    expect(gets).toBe(0);
  });

  it('stops polling when the dialog is closed', async () => {
    const ac = new AbortController();
    const p = followImport(report({ status: 'running' }), async () => report({ status: 'running' }), { wait: async () => { ac.abort(); }, signal: ac.signal });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('says what happened: checked, checked with errors, imported (with skipped rows), refused, running', () => {
    expect(importOutcome(report({ dryRun: true })).key).toBe('checked');
    expect(importOutcome(report({ dryRun: true, status: 'failed', errorCount: 1 }))).toMatchObject({ key: 'checkedErrors', values: { n: 1 } });
    expect(importOutcome(report({ created: 2, updated: 1 }))).toMatchObject({ key: 'done', values: { created: 2, updated: 1 } });
    expect(importOutcome(report({ mode: 'valid', created: 2, errorCount: 1 })).key).toBe('doneErrors');
    expect(importOutcome(report({ status: 'failed', errorCount: 4 })).key).toBe('failed');
    expect(importOutcome(report({ status: 'running', progress: 30 }))).toMatchObject({ key: 'importing', values: { p: 30 } });
  });
});

describe('POS UI: cash of a deposit or repayment goes to this device’s open till', () => {
  const register: Register = { id: 'r1', storeId: 'st1', name: 'Касса 1', deviceRoleSuffix: 'front' };
  const shift = (status: Shift['status'], registerId = 'r1') => ({ id: 'sh1', registerId, storeId: 'st1', number: 3, status, openedAt: '', openingFloat: 0 }) as Shift;
  it('adds registerId for cash with an open shift on that register', () => {
    expect(withTillCash({ amount: 500, method: 'cash' }, { register, shift: shift('open') })).toEqual({ amount: 500, method: 'cash', registerId: 'r1' });
    expect(withTillCash({ amount: 500 }, { register, shift: shift('open') })).toEqual({ amount: 500, registerId: 'r1' }); // cash is the default method
  });
  it('leaves it out for card or transfer money, a closed or missing shift, another register’s shift, or no till', () => {
    expect(withTillCash({ amount: 500, method: 'card' }, { register, shift: shift('open') })).toEqual({ amount: 500, method: 'card' });
    expect(withTillCash({ amount: 500, method: 'transfer' }, { register, shift: shift('open') })).not.toHaveProperty('registerId');
    expect(withTillCash({ amount: 500, method: 'cash' }, { register, shift: shift('closed') })).not.toHaveProperty('registerId');
    expect(withTillCash({ amount: 500, method: 'cash' }, { register, shift: null })).not.toHaveProperty('registerId');
    expect(withTillCash({ amount: 500, method: 'cash' }, { register, shift: shift('open', 'r2') })).not.toHaveProperty('registerId');
    expect(withTillCash({ amount: 500, method: 'cash' }, null)).not.toHaveProperty('registerId');
  });
});
