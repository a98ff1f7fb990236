import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tokens } from '../src/api/token-store.ts';
import { createPluginHttp, pluginHeaders } from '../src/plugin-host/plugin-http.ts';

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

  it('without options sends no extra header; get still takes a bare AbortSignal', async () => {
    const ac = new AbortController();
    await http.post('/api/x', { a: 1 });
    await http.get('/api/x', undefined, ac.signal);
    expect([...calls[0]!.headers.keys()].sort()).toEqual(['accept', 'authorization', 'content-type']);
    expect([...calls[1]!.headers.keys()].sort()).toEqual(['accept', 'authorization']);
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
