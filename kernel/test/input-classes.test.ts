import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * Classes of input that were 500s and must be 400s naming the field on every route: the NUL
 * character (PostgreSQL text cannot hold it), sort names every object answers to
 * (`constructor`, `toString`, `valueOf`, `__proto__`), keys aiming at a prototype, JSON nested
 * thousands of levels deep, and malformed percent-encoding. Routes come from the live OpenAPI
 * document, so every list route of every loaded plugin is covered.
 */
const root = path.resolve(import.meta.dirname, '../..');
let tk: TestKernel;
let owner: TestClient;
let doc: any;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.join(root, 'plugins/notes'), path.join(root, 'plugins/pos')],
    tenants: [{ name: 'Input', owner: 'owner@input.test', enable: ['notes', 'pos'] }],
  });
  owner = await tk.as('owner@input.test');
  doc = (await owner.get('/api/openapi.json')).body;
});
afterAll(async () => tk?.stop());

/** `{"$and":[{"$and":[… {"authorId":"x"} …]}]}`, written as text (JSON.stringify itself recurses). */
const nested = (depth: number) => `${'{"$and":['.repeat(depth)}{"authorId":"x"}${']}'.repeat(depth)}`;
const fieldsOf = (r: { body: any }) => (r.body?.error?.fields ?? []).map((f: any) => f.field);

describe('input classes that must be 400s', () => {
  it('a NUL character in a JSON string, a query value or a path parameter: 400 naming the field', async () => {
    const r = await owner.post('/api/notes/notes', { title: 'a\u0000b', body: 'x' });
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(fieldsOf(r)).toEqual(['title']);
    const nested = await owner.put('/api/plugins/notes/settings', { settings: { deep: [{ name: 'x\u0000' }] } });
    expect(nested.status).toBe(400);
    expect(fieldsOf(nested)).toEqual(['settings.deep[0].name']);
    const q = await owner.get('/api/notes/notes', { query: { q: 'a\u0000' } });
    expect(q.status).toBe(400);
    expect(fieldsOf(q)).toEqual(['q']);
    const p = await owner.get('/api/notes/notes/%00');
    expect(p.status).toBe(400);
    // every JSON-body operation refuses it before its handler runs
    const problems: string[] = [];
    for (const [route, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const props = op.requestBody?.content?.['application/json']?.schema?.properties ?? {};
        const str = Object.entries<any>(props).find(([, s]) => s.type === 'string')?.[0];
        if (!str) continue;
        const url = route.replace(/\{[a-zA-Z]+\}/g, '00000000-0000-4000-8000-000000000000');
        const res = await owner.request(method.toUpperCase(), url, { body: { [str]: 'nul\u0000' } });
        if (res.status !== 400 || !fieldsOf(res).includes(str)) problems.push(`${method.toUpperCase()} ${route} ${str}: ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('sort=constructor|toString|valueOf|__proto__ on every list route: 400 naming sort', async () => {
    const lists = Object.entries<any>(doc.paths).filter(([route, ops]) => !route.includes('{') && ops.get?.parameters?.some((p: any) => p.name === 'sort'));
    expect(lists.length).toBeGreaterThanOrEqual(9);
    const store = await owner.post('/api/pos/stores', { name: 'Sorting' });
    expect(store.status).toBe(201);
    const problems: string[] = [];
    for (const [route, ops] of lists) {
      // required filters get a real value (a store of this tenant), so the sort is what is judged
      const required = Object.fromEntries(ops.get.parameters.filter((p: any) => p.in === 'query' && p.required).map((p: any) => [p.name, store.body.storeId]));
      for (const sort of ['constructor', 'toString', 'valueOf', '__proto__', '-constructor', 'hasOwnProperty']) {
        const r = await owner.get(route, { query: { ...required, sort } });
        if (r.status !== 400 || !fieldsOf(r).includes('sort')) problems.push(`${route}?sort=${sort}: ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('role conditions nested 3,000 levels deep: 400, and nothing stored', async () => {
    const json = { 'content-type': 'application/json' };
    const r = await owner.request('POST', '/api/rbac/roles', { raw: `{"name":"deep","rules":[{"action":"read","subject":"notes.Note","conditions":${nested(3000)}}]}`, headers: json });
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(400);
    expect(fieldsOf(r)[0]).toMatch(/^rules\[0\]\.conditions/);
    expect((await owner.get('/api/rbac/roles')).body.items.map((x: any) => x.name)).not.toContain('deep');
    // a shallow nesting reaches the rule checks: $and is refused there (CASL does not evaluate it in
    // memory, so it could not be enforced), as a 422 naming it — never a 500
    const shallow = await owner.request('POST', '/api/rbac/roles', { raw: `{"name":"shallow","rules":[{"action":"read","subject":"notes.Note","conditions":${nested(3)}}]}`, headers: json });
    expect(shallow.status, JSON.stringify(shallow.body)).toBe(422);
    expect(fieldsOf(shallow)).toEqual(['rules.0.conditions.$and']);
    const flat = await owner.request('POST', '/api/rbac/roles', { raw: '{"name":"flat","rules":[{"action":"read","subject":"notes.Note","conditions":{"authorId":"${user.id}"}}]}', headers: json });
    expect(flat.status, JSON.stringify(flat.body)).toBe(201);
  });

  it('keys aiming at a prototype in a body or a query: 400; Object.prototype stays clean', async () => {
    const body = await owner.request('PUT', '/api/plugins/notes/settings', { raw: '{"settings":{"__proto__":{"polluted":1}}}', headers: { 'content-type': 'application/json' } });
    expect(body.status, JSON.stringify(body.body)).toBe(400);
    expect(body.body.error.code).toBe('UNSAFE_KEY');
    const ctor = await owner.put('/api/plugins/notes/settings', { settings: { constructor: { prototype: { polluted: 1 } } } });
    expect(ctor.status, JSON.stringify(ctor.body)).toBe(400);
    const q = await owner.get('/api/notes/notes?__proto__=x');
    expect(q.status, JSON.stringify(q.body)).toBe(400);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('malformed percent-encoding in a path parameter, a cookie or the URL: never a 500', async () => {
    expect((await owner.get('/api/notes/notes/%E0%A4%A')).status).toBe(400);
    expect((await owner.get('/api/me', { headers: { cookie: '__proto__=1; atrium_refresh=%E0%A4%A' } })).status).toBe(200);
  });
});
