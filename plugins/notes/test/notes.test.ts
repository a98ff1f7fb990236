import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import notes from '../src/index.ts';

let tk: TestKernel;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [notes],
    tenants: [
      { name: 'Acme', owner: 'owner@acme.test', enable: ['notes'], users: [{ email: 'staff@acme.test', roles: ['staff'] }, { email: 'staff2@acme.test', roles: ['staff'] }, { email: 'manager@acme.test', roles: ['manager'] }] },
      { name: 'Globex', owner: 'owner@globex.test', enable: ['notes'] },
    ],
  });
});
afterAll(async () => tk?.stop());

describe('notes plugin', () => {
  it('creates, reads, updates and deletes a note', async () => {
    const owner = await tk.as('owner@acme.test');
    const created = await owner.post('/api/notes/notes', { title: 'First', body: 'Hello' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'First', body: 'Hello', authorId: owner.userId });
    const got = await owner.get(`/api/notes/notes/${created.body.id}`);
    expect(got.status).toBe(200);
    const patched = await owner.patch(`/api/notes/notes/${created.body.id}`, { title: 'Renamed' });
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe('Renamed');
    const del = await owner.delete(`/api/notes/notes/${created.body.id}`);
    expect(del.status).toBe(200);
    expect((await owner.get(`/api/notes/notes/${created.body.id}`)).status).toBe(404);
  });

  it('lists with pagination, search and total', async () => {
    const owner = await tk.as('owner@acme.test');
    for (let i = 0; i < 5; i++) await owner.post('/api/notes/notes', { title: `Page note ${i}` });
    const page = await owner.get('/api/notes/notes', { query: { limit: 2, offset: 0, q: 'Page note', sort: 'title' } });
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(5);
    expect(page.body.items.map((n: any) => n.title)).toEqual(['Page note 0', 'Page note 1']);
  });

  it('rejects bad input with 4xx naming the field', async () => {
    const owner = await tk.as('owner@acme.test');
    const cases: [unknown, string][] = [
      [{}, 'title'],
      [{ title: '' }, 'title'],
      [{ title: 'x'.repeat(201) }, 'title'],
      [{ title: 42 }, 'title'],
      [{ title: 'ok', extra: 1 }, 'extra'],
      [{ title: 'ok', body: 'b'.repeat(102401) }, 'body'],
    ];
    for (const [body, field] of cases) {
      const r = await owner.post('/api/notes/notes', body);
      expect(r.status, JSON.stringify(body).slice(0, 50)).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      expect(r.body.error.fields.map((f: any) => f.field)).toContain(field);
    }
    expect((await owner.request('POST', '/api/notes/notes', { raw: '{"title":', headers: { 'content-type': 'application/json' } })).status).toBe(400);
    expect((await owner.request('POST', '/api/notes/notes', { raw: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'application/json' } })).status).toBe(413);
    expect((await owner.get('/api/notes/notes', { query: { limit: 'many' } })).status).toBe(400);
    expect((await owner.get('/api/notes/notes/not-a-uuid')).status).toBe(400);
    expect((await owner.patch('/api/notes/notes/00000000-0000-4000-8000-000000000000', { title: 'x' })).status).toBe(404);
  });

  it('staff edit only their own notes; managers edit any', async () => {
    const staff = await tk.as('staff@acme.test');
    const staff2 = await tk.as('staff2@acme.test');
    const manager = await tk.as('manager@acme.test');
    const mine = await staff.post('/api/notes/notes', { title: 'staff note' });
    expect(mine.status).toBe(201);
    expect((await staff2.patch(`/api/notes/notes/${mine.body.id}`, { title: 'hijack' })).status).toBe(403);
    expect((await staff2.delete(`/api/notes/notes/${mine.body.id}`)).status).toBe(403);
    expect((await staff.patch(`/api/notes/notes/${mine.body.id}`, { title: 'mine, edited' })).status).toBe(200);
    expect((await manager.patch(`/api/notes/notes/${mine.body.id}`, { title: 'manager edit' })).status).toBe(200);
  });

  it('a retried create with the same Idempotency-Key returns the first note', async () => {
    const owner = await tk.as('owner@acme.test');
    const headers = { 'idempotency-key': 'note-key-1' };
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => owner.post('/api/notes/notes', { title: 'Once' }, { headers })));
    const ids = new Set(results.map((r) => r.body.id));
    expect(results.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    expect(ids.size).toBe(1);
    const list = await owner.get('/api/notes/notes', { query: { q: 'Once' } });
    expect(list.body.total).toBe(1);
    const reused = await owner.post('/api/notes/notes', { title: 'Different' }, { headers });
    expect(reused.status).toBe(422);
  });

  it('tenant B never sees or changes tenant A notes, and RLS backs it up', async () => {
    const a = await tk.as('owner@acme.test');
    const b = await tk.as('owner@globex.test');
    const secret = await a.post('/api/notes/notes', { title: 'Acme secret' });
    expect((await b.get(`/api/notes/notes/${secret.body.id}`)).status).toBe(404);
    expect((await b.patch(`/api/notes/notes/${secret.body.id}`, { title: 'pwned' })).status).toBe(404);
    expect((await b.delete(`/api/notes/notes/${secret.body.id}`)).status).toBe(404);
    expect((await b.get('/api/notes/notes', { query: { q: 'Acme secret' } })).body.total).toBe(0);
    // the backstop: raw SQL as the app role, tenant A's setting, no ORM filter
    const c = new pg.Client({ connectionString: tk.databaseUrls.app });
    await c.connect();
    try {
      await c.query('begin');
      await c.query(`select set_config('app.tenant_id', $1, true)`, [tk.tenants.Acme.id]);
      const rows = await c.query('select tenant_id from notes.note');
      expect(rows.rowCount).toBeGreaterThan(0);
      expect(rows.rows.every((r) => r.tenant_id === tk.tenants.Acme.id)).toBe(true);
      await expect(c.query(`insert into notes.note (id, tenant_id, title, author_id) values (gen_random_uuid(), $1, 'forged', gen_random_uuid())`, [tk.tenants.Globex.id])).rejects.toThrow(/row-level security/);
      await c.query('rollback');
      const none = await c.query('select count(*)::int as n from notes.note');
      expect(none.rows[0].n).toBe(0);
    } finally {
      await c.end();
    }
  });
});
