// One public URL for every tenant (`resolveTenant`: the plugin finds the tenant in the signed
// request) and actions the operator provides to every tenant (`requiresEnablement: false`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { defineAction, definePlugin, defineService, tenantRls, Type, ValidationError } from '@atrium/sdk';
import { buildSpec } from '../src/pipeline/action-spec.ts';

const SIG = 'let-me-in';

/** `POST /api/inbox/hooks` takes `{ tenant, note }` signed by an `x-sig` header; the tenant comes from the body. */
const inboxPlugin = definePlugin({
  manifest: {
    id: 'inbox', version: '0.1.0', displayName: { en: 'Inbox' }, engines: { sdk: '^1.0.0' },
    permissions: { subjects: [{ subject: 'inbox.Note', actions: ['read'] }] },
    data: { owns: ['inbox.note'] },
  },
  migrations: [{ name: '0001', up: `create table inbox.note (tenant_id uuid not null, note text not null); ${tenantRls('inbox.note')}` }],
  services: [
    defineService({
      name: 'hooks',
      actions: {
        receive: defineAction({
          rest: 'POST /',
          raw: true,
          permission: 'public',
          params: Type.Object({ $body: Type.String(), $contentType: Type.Optional(Type.String()), $headers: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }, { additionalProperties: false }),
          resolveTenant({ params }) {
            if (params.$headers?.['x-sig'] !== SIG) throw new ValidationError('Bad signature', [{ field: 'x-sig', message: 'invalid' }]);
            const body = JSON.parse(Buffer.from(params.$body, 'base64').toString('utf8'));
            if (body.tenant === 'none') return { tenantId: null, response: { received: true, outcome: 'no_tenant' } };
            return { tenantId: String(body.tenant) };
          },
          async handler(ctx) {
            ctx.audit.skip();
            const body = JSON.parse(Buffer.from(ctx.params.$body, 'base64').toString('utf8'));
            await ctx.em.execute('insert into inbox.note (tenant_id, note) values (?, ?)', [ctx.tenantId, body.note]);
            return { received: true, tenantId: ctx.tenantId };
          },
        }),
        list: defineAction({
          rest: 'GET /',
          permission: 'authenticated',
          requiresEnablement: false,
          async handler(ctx) {
            // RLS: only the caller's tenant's rows, even without a filter
            const rows = await ctx.em.execute('select tenant_id, note from inbox.note order by note');
            return { tenantId: ctx.tenantId, notes: rows.map((r: any) => r.note), tenants: [...new Set(rows.map((r: any) => r.tenant_id))] };
          },
        }),
        gated: defineAction({ rest: 'GET /gated', permission: 'authenticated', handler: () => ({ ok: true }) }),
      },
    }),
  ],
});

let tk: TestKernel;
let one: TestClient;
let two: TestClient;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [inboxPlugin],
    tenants: [{ name: 'One', owner: 'owner@one.test', enable: ['inbox'] }, { name: 'Two', owner: 'owner@two.test' }],
  });
  one = await tk.as('owner@one.test');
  two = await tk.as('owner@two.test');
});
afterAll(async () => tk?.stop());

const send = (body: unknown, sig = SIG) =>
  tk.anonymous().post('/api/inbox/hooks', undefined, { raw: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(sig ? { 'x-sig': sig } : {}) } });

describe('resolveTenant: one public URL for every tenant', () => {
  it('runs the action under the tenant the request names, in that tenant\'s transaction', async () => {
    const r = await send({ tenant: one.tenantId, note: 'a' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ received: true, tenantId: one.tenantId });
    expect((await one.get('/api/inbox/hooks')).body).toEqual({ tenantId: one.tenantId, notes: ['a'], tenants: [one.tenantId] });
  });

  it('a request the resolver refuses is answered with its error, and nothing runs', async () => {
    const r = await send({ tenant: one.tenantId, note: 'forged' }, 'wrong');
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('x-sig');
    expect((await one.get('/api/inbox/hooks')).body.notes).toEqual(['a']);
  });

  it('a request about no tenant gets the resolver\'s answer; an unknown tenant is a 404', async () => {
    const none = await send({ tenant: 'none', note: 'x' });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ received: true, outcome: 'no_tenant' });
    expect((await send({ tenant: '00000000-0000-4000-8000-000000000000', note: 'x' })).status).toBe(404);
    expect((await send({ tenant: 'not-a-uuid', note: 'x' })).status).toBe(404);
  });

  it('params are validated before the resolver sees them (a JSON body is not a raw route\'s params)', async () => {
    const r = await tk.anonymous().post('/api/inbox/hooks?extra=1', undefined, { raw: '{}', headers: { 'content-type': 'application/json', 'x-sig': SIG } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body)).toContain('extra');
  });

  it('the plugin gate still applies to the resolved tenant', async () => {
    const r = await send({ tenant: two.tenantId, note: 'b' });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('PLUGIN_DISABLED');
    expect((await two.get('/api/inbox/hooks')).body.notes).toEqual([]);
  });

  it('is refused at compile time on a non-public action', () => {
    expect(() => buildSpec({ rest: 'POST /', permission: 'authenticated' }, { pluginId: 'x', fullName: 'x.y.z', basePath: '/api/x/y', tenantFromRequest: true })).toThrow(/public/);
  });
});

describe('requiresEnablement: false', () => {
  it('runs for a tenant that has not enabled the plugin; other actions of the plugin stay gated', async () => {
    const r = await two.get('/api/inbox/hooks');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.tenantId).toBe(two.tenantId);
    const gated = await two.get('/api/inbox/hooks/gated');
    expect(gated.status).toBe(403);
    expect(gated.body.error.code).toBe('PLUGIN_DISABLED');
    expect((await one.get('/api/inbox/hooks/gated')).status).toBe(200);
  });

  it('still needs a signed-in member (permission checks apply)', async () => {
    expect((await tk.anonymous().get('/api/inbox/hooks')).status).toBe(401);
  });
});
