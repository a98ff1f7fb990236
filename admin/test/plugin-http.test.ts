import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tokens } from '../src/api/token-store.ts';
import { filenameFromDisposition } from '../src/api/http.ts';
import { createPluginHttp, pluginHeaders } from '../src/plugin-host/plugin-http.ts';
import { currentLocale } from '../src/i18n/index.ts';

// The client plugin UIs get as useAtrium().http, down to the real fetch call: the shell's
// request() runs unchanged, only fetch is replaced by a recorder.
type Call = { url: string; method: string; headers: Headers; body: string | undefined };
let calls: Call[];
let answers: Response[];

beforeEach(() => {
  calls = [];
  answers = [];
  tokens.save({ accessToken: 'access-1', refreshToken: 'refresh-1' });
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, method: String(init.method), headers: new Headers(init.headers), body: init.body as string | undefined });
    return answers.shift() ?? new Response(JSON.stringify({ ok: true }), { status: 200, headers: { 'content-type': 'application/json' } });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  tokens.clear();
});

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('plugin HTTP client: request headers', () => {
  const http = createPluginHttp();

  it('sends an Idempotency-Key with post, put, patch, delete and get, next to the session header', async () => {
    const o = { headers: { 'Idempotency-Key': 'refund-7f3a' } };
    await http.post('/api/payments/intents/i1/refunds', { amount: 500 }, o);
    await http.put('/api/x/1', { a: 1 }, o);
    await http.patch('/api/x/1', { a: 2 }, o);
    await http.delete('/api/x/1', o);
    await http.get('/api/x', { q: 'a' }, o);
    expect(calls.map((c) => [c.method, c.headers.get('idempotency-key')])).toEqual([
      ['POST', 'refund-7f3a'], ['PUT', 'refund-7f3a'], ['PATCH', 'refund-7f3a'], ['DELETE', 'refund-7f3a'], ['GET', 'refund-7f3a'],
    ]);
    expect(calls.every((c) => c.headers.get('authorization') === 'Bearer access-1')).toBe(true);
    expect(calls[0]!.body).toBe(JSON.stringify({ amount: 500 }));
    expect(calls[0]!.headers.get('content-type')).toBe('application/json');
    expect(calls[4]!.url).toBe('/api/x?q=a');
    expect(calls[4]!.body).toBeUndefined();
  });

  it('without options sends only the shell’s headers (the user’s language included); get still takes a bare AbortSignal', async () => {
    const ac = new AbortController();
    await http.post('/api/x', { a: 1 });
    await http.get('/api/x', undefined, ac.signal);
    expect([...calls[0]!.headers.keys()].sort()).toEqual(['accept', 'accept-language', 'authorization', 'content-type']);
    expect([...calls[1]!.headers.keys()].sort()).toEqual(['accept', 'accept-language', 'authorization']);
    expect(calls[1]!.headers.get('accept-language')).toBe(currentLocale());
  });

  it('names are case-insensitive, Accept-Language is allowed, undefined values are skipped', async () => {
    await http.post('/api/x', {}, { headers: { 'idempotency-key': 'k1', 'Accept-Language': 'ru-RU', 'IDEMPOTENCY-KEY': undefined } as never });
    expect(calls[0]!.headers.get('idempotency-key')).toBe('k1');
    expect(calls[0]!.headers.get('accept-language')).toBe('ru-RU');
  });

  it('keeps the key on the retry after a token refresh (the retry must be the same intent)', async () => {
    answers.push(json(401, { error: { code: 'UNAUTHORIZED', message: 'expired' } }), json(200, { accessToken: 'access-2' }), json(201, { id: 'r1' }));
    const r = await http.post<{ id: string }>('/api/payments/intents/i1/refunds', { amount: 1 }, { headers: { 'Idempotency-Key': 'same-intent' } });
    expect(r).toEqual({ id: 'r1' });
    expect(calls.map((c) => [c.url, c.headers.get('idempotency-key'), c.headers.get('authorization')])).toEqual([
      ['/api/payments/intents/i1/refunds', 'same-intent', 'Bearer access-1'],
      ['/api/auth/refresh', null, 'Bearer access-1'],
      ['/api/payments/intents/i1/refunds', 'same-intent', 'Bearer access-2'],
    ]);
  });

  it.each([
    ['Authorization', 'Bearer stolen'],
    ['authorization', 'Bearer stolen'],
    ['Cookie', 'atrium_refresh=x'],
    ['Host', 'evil.example'],
    ['If-Match', '"3"'],
    ['X-Tenant-Id', 't2'],
    ['Content-Type', 'text/plain'],
  ])('refuses the %s header and sends nothing', async (name, value) => {
    await expect(http.post('/api/x', {}, { headers: { [name]: value } as never })).rejects.toThrow(new RegExp(`may not set the "${name}"`));
    await expect(http.get('/api/x', {}, { headers: { [name]: value } as never })).rejects.toBeInstanceOf(TypeError);
    expect(calls).toEqual([]);
  });

  it('refuses a forbidden header even next to an allowed one', async () => {
    await expect(http.put('/api/x', {}, { headers: { 'Idempotency-Key': 'k', Authorization: 'Bearer x' } as never })).rejects.toThrow(/Authorization/);
    expect(calls).toEqual([]);
  });

  it('refuses bad values: empty, too long, non-ASCII, line breaks, not a string, duplicates', async () => {
    for (const v of ['', ' k', 'x'.repeat(201), 'ключ', 'a\r\nX-Evil: 1', 42]) {
      await expect(http.post('/api/x', {}, { headers: { 'Idempotency-Key': v } as never })).rejects.toBeInstanceOf(TypeError);
    }
    expect(() => pluginHeaders({ 'Idempotency-Key': 'a', 'idempotency-key': 'b' })).toThrow(/twice/);
    expect(() => pluginHeaders(new Headers({ 'Idempotency-Key': 'a' }))).toThrow(/plain object/);
    expect(pluginHeaders({ 'Idempotency-Key': 'x'.repeat(200) })['idempotency-key']).toHaveLength(200);
    expect(calls).toEqual([]);
  });

  it('only calls kernel API paths: the bearer token never goes to another host', async () => {
    for (const p of ['https://evil.example/api/x', '//evil.example/api/x', 'api/x', '/plugins/x']) {
      await expect(http.get(p)).rejects.toThrow(/not a kernel API path/);
    }
    expect(calls).toEqual([]);
  });
});

describe('plugin HTTP client: upload (raw body)', () => {
  const http = createPluginHttp();
  const bodyBytes = async (c: Call) => new Uint8Array(await new Response(c.body as unknown as BodyInit).arrayBuffer());

  it('sends the bytes as they are with the given Content-Type, the query, the session and an allowed header; answers JSON', async () => {
    answers.push(json(200, { rows: 3, errors: [] }));
    const csv = new TextEncoder().encode('sku;name\nA-1;Хлеб\n');
    const r = await http.upload<{ rows: number }>('/api/pos/products/import', csv.buffer, {
      contentType: 'text/csv; charset=utf-8', query: { dryRun: true, format: 'csv' }, headers: { 'Idempotency-Key': 'import-1' },
    });
    expect(r).toEqual({ rows: 3, errors: [] });
    const c = calls[0]!;
    expect(c.method).toBe('POST');
    expect(c.url).toBe('/api/pos/products/import?dryRun=true&format=csv');
    expect(c.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(c.headers.get('authorization')).toBe('Bearer access-1');
    expect(c.headers.get('idempotency-key')).toBe('import-1');
    expect(c.headers.get('accept')).toBe('application/json');
    expect(await bodyBytes(c)).toEqual(csv); // not JSON-encoded, not base64
  });

  it('takes a Blob/File with its own type (no contentType needed), a typed array, and PUT', async () => {
    const photo = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], { type: 'image/jpeg' });
    await http.upload('/api/pos/tasks/t1/photos', photo, {} as never);
    await http.upload('/api/x', new Uint8Array([1, 2, 3]), { contentType: 'application/octet-stream', method: 'PUT' });
    expect(calls[0]!.headers.get('content-type')).toBe('image/jpeg');
    expect(await bodyBytes(calls[0]!)).toEqual(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]));
    expect(calls[1]!.method).toBe('PUT');
    expect(await bodyBytes(calls[1]!)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('re-sends the same bytes after a token refresh', async () => {
    answers.push(json(401, { error: { code: 'UNAUTHORIZED', message: 'expired' } }), json(200, { accessToken: 'access-2' }), json(201, { id: 'f1' }));
    const bytes = new Uint8Array([9, 8, 7]);
    expect(await http.upload('/api/pos/tasks/t1/photos', new Blob([bytes]), { contentType: 'image/png' })).toEqual({ id: 'f1' });
    expect(calls.map((c) => c.url)).toEqual(['/api/pos/tasks/t1/photos', '/api/auth/refresh', '/api/pos/tasks/t1/photos']);
    expect(calls[2]!.headers.get('authorization')).toBe('Bearer access-2');
    expect(await bodyBytes(calls[2]!)).toEqual(bytes);
  });

  it('rejects with the kernel error (field list and all) like any call', async () => {
    answers.push(json(413, { error: { code: 'PAYLOAD_TOO_LARGE', message: 'at most 5 MB' } }));
    await expect(http.upload('/api/x', new Uint8Array([1]), { contentType: 'text/csv' })).rejects.toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('refuses, before sending: other hosts, no or a bad content type, a JSON object body, headers off the allowlist, other methods', async () => {
    const b = new Uint8Array([1]);
    await expect(http.upload('https://evil.example/api/x', b, { contentType: 'text/csv' })).rejects.toThrow(/not a kernel API path/);
    await expect(http.upload('/api/x', b, {} as never)).rejects.toThrow(/contentType/);
    await expect(http.upload('/api/x', new Blob([b]), {} as never)).rejects.toThrow(/contentType/); // a Blob without a type
    for (const ct of ['csv', 'text/csv\r\nX-Evil: 1', 'текст/csv', '']) {
      await expect(http.upload('/api/x', b, { contentType: ct })).rejects.toThrow(/media type/);
    }
    await expect(http.upload('/api/x', { a: 1 } as never, { contentType: 'application/json' })).rejects.toThrow(/Blob/);
    await expect(http.upload('/api/x', 'a,b' as never, { contentType: 'text/csv' })).rejects.toThrow(/Blob/);
    await expect(http.upload('/api/x', b, { contentType: 'text/csv', headers: { Authorization: 'Bearer x' } as never })).rejects.toThrow(/Authorization/);
    await expect(http.upload('/api/x', b, { contentType: 'text/csv', method: 'DELETE' as never })).rejects.toThrow(/POST or PUT/);
    expect(calls).toEqual([]);
  });
});

describe('plugin HTTP client: download', () => {
  const http = createPluginHttp();
  const file = (body: BodyInit, headers: Record<string, string>) => new Response(body, { status: 200, headers });

  it('GETs with the session and the query, and resolves with the blob, the Content-Disposition name and the type', async () => {
    const pdf = new Uint8Array([0x25, 0x50, 0x44, 0x46]);
    answers.push(file(pdf, { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent('чек 3-000125.pdf')}` }));
    const r = await http.download('/api/pos/sales/s1/receipt.pdf', { query: { copy: true }, headers: { 'Accept-Language': 'ru' } });
    expect(r.filename).toBe('чек 3-000125.pdf');
    expect(r.contentType).toBe('application/pdf');
    expect(new Uint8Array(await r.blob.arrayBuffer())).toEqual(pdf);
    const c = calls[0]!;
    expect([c.method, c.url, c.headers.get('authorization'), c.headers.get('accept-language'), c.headers.get('accept')]).toEqual(['GET', '/api/pos/sales/s1/receipt.pdf?copy=true', 'Bearer access-1', 'ru', '*/*']);
    expect(c.body).toBeUndefined();
  });

  it('falls back to the path when there is no Content-Disposition; refreshes once on 401', async () => {
    answers.push(json(401, { error: { code: 'UNAUTHORIZED', message: 'expired' } }), json(200, { accessToken: 'access-2' }), file('a;b\n', { 'content-type': 'text/csv' }));
    const r = await http.download('/api/pos/products/export%20all.csv');
    expect(r.filename).toBe('export all.csv');
    expect(await r.blob.text()).toBe('a;b\n');
    expect(calls[2]!.headers.get('authorization')).toBe('Bearer access-2');
  });

  it('rejects with the kernel error; refuses other hosts and headers before sending', async () => {
    answers.push(json(404, { error: { code: 'NOT_FOUND', message: 'no such sale' } }));
    await expect(http.download('/api/pos/sales/nope/receipt.pdf')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'no such sale' });
    calls = [];
    await expect(http.download('//evil.example/api/x')).rejects.toThrow(/not a kernel API path/);
    await expect(http.download('/api/x', { headers: { Cookie: 'x' } as never })).rejects.toThrow(/Cookie/);
    expect(calls).toEqual([]);
  });
});

describe('Content-Disposition file names', () => {
  it.each([
    [`attachment; filename*=UTF-8''products-2025-01-31.xlsx`, 'products-2025-01-31.xlsx'],
    [`attachment; filename="report.csv"`, 'report.csv'],
    [`attachment; filename=plain.txt`, 'plain.txt'],
    [`attachment; filename="fallback.pdf"; filename*=UTF-8''%D1%87%D0%B5%D0%BA.pdf`, 'чек.pdf'],
    [`attachment; filename*=utf-8''%E2%82%B8%20total.csv; filename="x.csv"`, '₸ total.csv'],
    [`attachment; filename="say \\"hi\\".txt"`, 'say "hi".txt'],
    [`attachment; filename="../../etc/passwd"`, '.._.._etc_passwd'],
    [`attachment; filename*=UTF-8''%E0%A4%A; filename="ok.txt"`, 'ok.txt'], // broken escape → the plain one
    [`inline`, undefined],
    [`attachment; filename=".."`, undefined],
  ])('%s → %s', (header, name) => {
    expect(filenameFromDisposition(header)).toBe(name);
  });
});
