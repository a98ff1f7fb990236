import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import notes from '../../plugins/notes/src/index.ts';

let tk: TestKernel;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [notes],
    tenants: [{ name: 'Audited', owner: 'owner@audit.test', enable: ['notes'], users: [{ email: 'staff@audit.test', roles: ['staff'] }] }],
  });
});
afterAll(async () => tk?.stop());

describe('audit log list', () => {
  it('takes the query the admin table sends (limit, offset, sort) and lists the entries', async () => {
    const owner = await tk.as('owner@audit.test');
    for (const title of ['first', 'second', 'third']) expect((await owner.post('/api/notes/notes', { title })).status).toBe(201);
    // exactly what the admin's audit page asks for on load
    const r = await owner.get('/api/audit', { query: { limit: 20, offset: 0, sort: '-at' } });
    expect(r.status).toBe(200);
    expect(r.body.total).toBeGreaterThanOrEqual(3);
    expect(r.body.items.filter((e: any) => e.action === 'notes.notes.create')).toHaveLength(3);
    const at = r.body.items.map((e: any) => Date.parse(e.at));
    expect(at).toEqual([...at].sort((a, b) => b - a));
    expect(r.body.items[0]).toMatchObject({ userEmail: 'owner@audit.test' });
  });

  it('sorts by action both ways and pages without overlap', async () => {
    const owner = await tk.as('owner@audit.test');
    const asc = (await owner.get('/api/audit', { query: { sort: 'action', limit: 200 } })).body.items.map((e: any) => e.action);
    expect(asc).toEqual([...asc].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
    const desc = (await owner.get('/api/audit', { query: { sort: '-action', limit: 200 } })).body.items.map((e: any) => e.action);
    expect(desc).toEqual([...asc].reverse());
    const p1 = (await owner.get('/api/audit', { query: { sort: '-at', limit: 2, offset: 0 } })).body.items.map((e: any) => e.id);
    const p2 = (await owner.get('/api/audit', { query: { sort: '-at', limit: 2, offset: 2 } })).body.items.map((e: any) => e.id);
    expect(p1.filter((id: string) => p2.includes(id))).toEqual([]);
  });

  it('searches by who did it, and refuses a sort it does not know naming the field', async () => {
    const owner = await tk.as('owner@audit.test');
    const staff = await tk.as('staff@audit.test');
    expect((await staff.post('/api/notes/notes', { title: 'by staff' })).status).toBe(201);
    const mine = await owner.get('/api/audit', { query: { q: 'staff@audit' } });
    expect(mine.body.items.length).toBeGreaterThanOrEqual(1);
    expect(mine.body.items.every((e: any) => e.userEmail === 'staff@audit.test')).toBe(true);
    const bad = await owner.get('/api/audit', { query: { sort: 'diff' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: any) => f.field)).toEqual(['sort']);
  });
});
