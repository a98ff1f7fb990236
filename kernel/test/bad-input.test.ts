import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestKernel, type TestClient } from '@atrium/sdk/testing';
import notes from '../../plugins/notes/src/index.ts';

/**
 * Every public route, taken from the live OpenAPI document, gets malformed input: wrong types,
 * unknown fields, oversized and non-JSON bodies, malformed path ids. Each must answer 4xx with an
 * error body — never a 500, never a partial write.
 */
let tk: TestKernel;
let owner: TestClient;
let doc: any;

beforeAll(async () => {
  tk = await createTestKernel({ plugins: [notes], tenants: [{ name: 'Bad', owner: 'owner@bad.test', enable: ['notes'] }] });
  owner = await tk.as('owner@bad.test');
  doc = (await owner.get('/api/openapi.json')).body;
});
afterAll(async () => tk?.stop());

const WRONG: Record<string, unknown> = { string: 12345, integer: 'not-a-number', number: 'NaN?', boolean: 'yes', array: 'not-an-array', object: 'not-an-object' };

function wrongValue(schema: any): unknown {
  const t = schema?.type ?? (schema?.anyOf ? schema.anyOf[0]?.type : undefined) ?? (schema?.enum || schema?.const !== undefined ? 'string' : 'object');
  return WRONG[Array.isArray(t) ? t[0] : t] ?? { nested: true };
}

function fillPath(path: string, value: (name: string) => string): string {
  return path.replace(/\{([a-zA-Z]+)\}/g, (_m, name) => value(name));
}

describe('bad input on every public route', () => {
  it('the document lists the kernel and plugin routes', () => {
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/signup', '/api/notes/notes', '/api/plugins/{id}/enable', '/api/audit']));
    expect(doc.openapi).toBe('3.1.0');
  });

  it('answers 4xx (never 5xx) to wrong types, unknown fields, bad ids, junk and oversized bodies', async () => {
    const problems: string[] = [];
    let checked = 0;
    const validId = (name: string) => (name === 'id' && false ? '' : name === 'queue' ? 'events' : '00000000-0000-4000-8000-000000000000');
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const M = method.toUpperCase();
        const url = fillPath(path, validId);
        const attempts: { label: string; run: () => Promise<{ status: number; body: any }> }[] = [];
        const body = op.requestBody?.content?.['application/json']?.schema;
        if (body) {
          attempts.push({ label: 'unknown field', run: () => owner.request(M, url, { body: { __unknown__: 1 } }) });
          for (const [k, s] of Object.entries<any>(body.properties ?? {})) {
            attempts.push({ label: `wrong type ${k}`, run: () => owner.request(M, url, { body: { [k]: wrongValue(s) } }) });
          }
          attempts.push({ label: 'array body', run: () => owner.request(M, url, { raw: '[1,2]', headers: { 'content-type': 'application/json' } }) });
          attempts.push({ label: 'junk body', run: () => owner.request(M, url, { raw: '{"a":', headers: { 'content-type': 'application/json' } }) });
          attempts.push({ label: 'oversized body', run: () => owner.request(M, url, { raw: JSON.stringify({ x: 'y'.repeat(3 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } }) });
        }
        for (const prm of (op.parameters ?? []).filter((x: any) => x.in === 'query')) {
          attempts.push({ label: `query ${prm.name}`, run: () => owner.request(M, url, { query: { [prm.name]: typeof wrongValue(prm.schema) === 'string' ? String(wrongValue(prm.schema)) : 'x'.repeat(500) } }) });
        }
        if (M === 'GET') attempts.push({ label: 'unknown query', run: () => owner.request(M, url, { query: { __unknown__: '1' } }) });
        if (path.includes('{')) attempts.push({ label: 'malformed path id', run: () => owner.request(M, fillPath(path, () => "nope'%3B--"), body ? { body: {} } : {}) });
        for (const a of attempts) {
          const r = await a.run();
          checked++;
          const ok = r.status >= 400 && r.status < 500 && r.body?.error?.code;
          if (!ok) problems.push(`${M} ${path} [${a.label}] → ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(150);
    expect(problems).toEqual([]);
  });

  it('left no partial writes behind', async () => {
    expect((await owner.get('/api/notes/notes')).body.total).toBe(0);
    expect((await owner.get('/api/rbac/roles')).body.items.every((r: any) => r.builtIn)).toBe(true);
    expect((await owner.get('/api/tenants/invitations')).body.total).toBe(0);
  });
});
