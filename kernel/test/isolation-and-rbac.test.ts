import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { unpackRules } from '@casl/ability/extra';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import notes from '../../plugins/notes/src/index.ts';

let tk: TestKernel;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [notes],
    tenants: [
      { name: 'Alpha', owner: 'owner@alpha.test', enable: ['notes'], users: [{ email: 'staff@alpha.test', roles: ['staff'] }, { email: 'reader@alpha.test', roles: ['staff'] }] },
      { name: 'Beta', owner: 'owner@beta.test', enable: ['notes'], users: [{ email: 'staff@beta.test', roles: ['staff'] }] },
    ],
  });
});
afterAll(async () => tk?.stop());

describe('tenant isolation through every kernel route', () => {
  it('a user of tenant A cannot read or change tenant B rows', async () => {
    const a = await tk.as('owner@alpha.test');
    const b = await tk.as('owner@beta.test');
    const bMembers = await b.get('/api/tenants/members');
    const bStaff = bMembers.body.items.find((m: any) => m.email === 'staff@beta.test');
    const bRoles = (await b.get('/api/rbac/roles')).body.items;
    const bNote = await b.post('/api/notes/notes', { title: 'beta only' });
    const bInv = await b.post('/api/tenants/invitations', { email: 'x@beta.test', role: 'staff' });
    // no SMTP here: the mail only reaches the log, so the answer says so and carries the link to pass on
    expect(bInv.body).toMatchObject({ mailed: false, link: expect.stringContaining('#/accept-invitation?token=') });
    const bStore = await b.post('/api/tenants/stores', { name: 'Beta store' });

    // lists show only A's rows
    const aMembers = (await a.get('/api/tenants/members')).body.items.map((m: any) => m.email);
    expect(aMembers).not.toContain('staff@beta.test');
    expect((await a.get('/api/tenants/invitations')).body.items.map((i: any) => i.email)).not.toContain('x@beta.test');
    expect((await a.get('/api/tenants/stores')).body.items.map((s: any) => s.name)).not.toContain('Beta store');
    expect((await a.get('/api/tenants/current')).body.name).toBe('Alpha');
    expect(JSON.stringify((await a.get('/api/audit', { query: { limit: 200 } })).body)).not.toContain('beta only');
    const aRoleIds = (await a.get('/api/rbac/roles')).body.items.map((r: any) => r.id);
    expect(aRoleIds.some((id: string) => bRoles.some((r: any) => r.id === id))).toBe(false);

    // changes aimed at B's ids fail and change nothing
    expect((await a.patch(`/api/tenants/members/${bStaff.userId}`, { roles: ['admin'] })).status).toBe(404);
    expect((await a.delete(`/api/tenants/members/${bStaff.userId}`)).status).toBe(404);
    expect((await a.delete(`/api/tenants/invitations/${bInv.body.id}`)).status).toBe(404);
    expect((await a.patch(`/api/rbac/roles/${bRoles.find((r: any) => r.name === 'staff').id}`, { rules: [] })).status).toBe(404);
    expect((await a.delete(`/api/rbac/roles/${bRoles.find((r: any) => r.name === 'staff').id}`)).status).toBe(404);
    expect((await a.get(`/api/notes/notes/${bNote.body.id}`)).status).toBe(404);
    expect((await a.delete(`/api/notes/notes/${bNote.body.id}`)).status).toBe(404);
    expect((await a.get(`/api/files/${bStore.body.id}`)).status).toBe(404);

    // B is intact
    expect((await b.get('/api/tenants/members')).body.items.find((m: any) => m.email === 'staff@beta.test').roles).toEqual(['staff']);
    expect((await b.get(`/api/notes/notes/${bNote.body.id}`)).status).toBe(200);
    expect((await b.get('/api/tenants/invitations')).body.items.find((i: any) => i.id === bInv.body.id).status).toBe('pending');
  });

  it('the tenant never comes from params: a forged tenantId is rejected', async () => {
    const a = await tk.as('owner@alpha.test');
    const r = await a.get('/api/notes/notes', { query: { tenantId: tk.tenants.Beta.id } });
    expect(r.status).toBe(400);
    expect(r.body.error.fields[0].field).toBe('tenantId');
  });

  it('RLS backstop: raw SQL as the app role sees only the tenant of app.tenant_id, on every tenant table', async () => {
    const c = new pg.Client({ connectionString: tk.databaseUrls.app });
    await c.connect();
    try {
      const { rows: tables } = await c.query(`select table_schema || '.' || table_name as t from information_schema.columns
        where column_name = 'tenant_id' and table_schema in ('kernel', 'notes') group by 1 order by 1`);
      expect(tables.length).toBeGreaterThanOrEqual(10);
      for (const { t } of tables) {
        await c.query('begin');
        await c.query(`select set_config('app.tenant_id', $1, true)`, [tk.tenants.Alpha.id]);
        const { rows } = await c.query(`select distinct tenant_id::text as tid from ${t}`);
        await c.query('rollback');
        expect(rows.filter((r) => r.tid !== tk.tenants.Alpha.id), t).toEqual([]);
        // without a tenant setting nothing is visible at all
        const { rows: none } = await c.query(`select count(*)::int as n from ${t}`);
        expect(none[0].n, t).toBe(0);
      }
      // the app role cannot rewrite history
      await c.query('begin');
      await c.query(`select set_config('app.tenant_id', $1, true)`, [tk.tenants.Alpha.id]);
      await expect(c.query('delete from kernel.audit')).rejects.toThrow(/permission denied/);
      await c.query('rollback');
      // and cannot read password hashes
      await expect(c.query('select password_hash from kernel."user"')).rejects.toThrow(/permission denied/);
      const attrs = await c.query(`select rolsuper, rolbypassrls from pg_roles where rolname = current_user`);
      expect(attrs.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
    } finally {
      await c.end();
    }
  });
});

describe('RBAC', () => {
  it('staff do not see the roles editor data; owners do', async () => {
    const staff = await tk.as('staff@alpha.test');
    expect((await staff.get('/api/rbac/roles')).status).toBe(403);
    expect((await staff.get('/api/audit')).status).toBe(403);
    expect((await staff.post('/api/tenants/invitations', { email: 'z@z.test' })).status).toBe(403);
    const roles = await (await tk.as('owner@alpha.test')).get('/api/rbac/roles');
    expect(roles.status).toBe(200);
    // built-in roles come with their names in every language, for the admin to show in plain words
    expect(roles.body.items.find((r: any) => r.name === 'owner').title).toEqual({ en: 'Owner', ru: 'Владелец', uk: 'Власник', kk: 'Иесі' });
    // and what a role may be given, subject by subject and action by action
    const store = (await (await tk.as('owner@alpha.test')).get('/api/rbac/permissions')).body.items.find((p: any) => p.subject === 'kernel.Store');
    expect(store.name.ru).toBe('Магазины');
    expect(store.actionNames.read).toMatchObject({ ru: 'Просмотр', en: expect.any(String), uk: expect.any(String), kk: expect.any(String) });
  });

  it('a custom role with conditions filters lists in SQL (totals count only permitted rows)', async () => {
    const owner = await tk.as('owner@alpha.test');
    const staff = await tk.as('staff@alpha.test');
    for (let i = 0; i < 3; i++) await owner.post('/api/notes/notes', { title: `owner ${i}` });
    for (let i = 0; i < 2; i++) await staff.post('/api/notes/notes', { title: `staff ${i}` });
    const role = await owner.post('/api/rbac/roles', { name: 'own-notes', rules: [{ action: 'read', subject: 'notes.Note', conditions: { authorId: '${user.id}' } }, { action: 'create', subject: 'notes.Note' }] });
    expect(role.status).toBe(201);
    const readerId = tk.tenants.Alpha.users['reader@alpha.test'].id;
    expect((await owner.patch(`/api/tenants/members/${readerId}`, { roles: ['own-notes'] })).status).toBe(200);
    const reader = await tk.as('reader@alpha.test');
    const mine = await reader.post('/api/notes/notes', { title: 'reader note' });
    expect(mine.status).toBe(201);
    const list = await reader.get('/api/notes/notes', { query: { limit: 1 } });
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1); // the count query ran with the rule's condition
    expect(list.body.items[0].title).toBe('reader note');
    const ownerNote = (await owner.get('/api/notes/notes', { query: { q: 'owner 0' } })).body.items[0];
    expect((await reader.get(`/api/notes/notes/${ownerNote.id}`)).status).toBe(403);
    // packed rules for the UI unpack to the same rules
    const abilities = await reader.get('/api/me/abilities');
    const rules = unpackRules(abilities.body.rules);
    expect(rules).toHaveLength(2);
    expect(rules[0]).toMatchObject({ action: ['read'], subject: ['notes.Note'], conditions: { authorId: reader.userId } });
  });

  it('rejects rules with unknown subjects or unsupported operators', async () => {
    const owner = await tk.as('owner@alpha.test');
    const unknown = await owner.post('/api/rbac/roles', { name: 'bad-one', rules: [{ action: 'read', subject: 'nope.Thing' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.fields[0]).toEqual({ field: 'rules.0.subject', code: 'unknownSubject', params: { value: 'nope.Thing' }, message: 'Unknown: nope.Thing' });
    const op = await owner.post('/api/rbac/roles', { name: 'bad-two', rules: [{ action: 'read', subject: 'notes.Note', conditions: { tags: { $elemMatch: { a: 1 } } } }] });
    expect(op.status).toBe(400);
    expect(op.body.error.fields[0].field).toBe('rules.0.conditions.tags.$elemMatch');
  });

  it('keeps at least one owner and lets only owners make owners', async () => {
    const owner = await tk.as('owner@alpha.test');
    const r = await owner.patch(`/api/tenants/members/${owner.userId}`, { roles: ['admin'] });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('LAST_OWNER');
  });
});
