// Sign-in methods added by plugins (manifest `authProviders`, kernel auth/provider.actions.ts): a
// test plugin plays the outside party (a bot that confirms), the kernel keeps the attempt, its
// expiry and single use, links identities to users and ends a sign-in in its normal session.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { AUTH_ATTEMPT_ACTIONS, AuthProviderStartParams, defineAction, definePlugin, defineService, Type } from '@atrium/sdk';

/** What the plugin's `start` action was given, by attempt id (the kernel runs in this process). */
const started = new Map<string, { code: string; purpose: string; tenantId: string; locale: string }>();

const doorbell = definePlugin({
  manifest: {
    id: 'doorbell', version: '0.1.0', displayName: { en: 'Doorbell' }, engines: { sdk: '^1.0.0' },
    calls: [AUTH_ATTEMPT_ACTIONS.inspect, AUTH_ATTEMPT_ACTIONS.settle],
    authProviders: [{ name: 'bell', identity: 'bell', label: { en: 'Doorbell', ru: 'Звонок' }, icon: 'notifications', start: 'doorbell.bell.start' }],
  },
  services: [defineService({
    name: 'bell',
    actions: {
      start: defineAction({
        permission: 'internal',
        params: AuthProviderStartParams,
        handler(ctx) {
          started.set(ctx.params.attemptId, { code: ctx.params.code, purpose: ctx.params.purpose, tenantId: ctx.tenantId, locale: ctx.params.locale });
          return { url: `https://bell.example/confirm?code=${ctx.params.code}`, qr: true };
        },
      }),
      // the outside party: someone at the door with a verified id presses confirm or cancel
      inspect: defineAction({
        permission: 'internal',
        params: Type.Object({ code: Type.String(), subject: Type.Optional(Type.String()) }, { additionalProperties: false }),
        handler: (ctx) => ctx.call(AUTH_ATTEMPT_ACTIONS.inspect, { provider: 'doorbell.bell', ...ctx.params }),
      }),
      press: defineAction({
        permission: 'internal',
        params: Type.Object({ code: Type.String(), subject: Type.String(), decision: Type.Union([Type.Literal('confirm'), Type.Literal('cancel')]), display: Type.Optional(Type.String()) }, { additionalProperties: false }),
        handler: (ctx) => ctx.call(AUTH_ATTEMPT_ACTIONS.settle, { provider: 'doorbell.bell', ...ctx.params }),
      }),
    },
  })],
});

/** Another plugin that tries to settle the doorbell's sign-ins. */
const intruder = definePlugin({
  manifest: { id: 'intruder', version: '0.1.0', displayName: { en: 'Intruder' }, engines: { sdk: '^1.0.0' }, calls: [AUTH_ATTEMPT_ACTIONS.settle] },
  services: [defineService({
    name: 'x',
    actions: {
      press: defineAction({
        permission: 'internal',
        params: Type.Object({ code: Type.String(), subject: Type.String() }, { additionalProperties: false }),
        handler: (ctx) => ctx.call(AUTH_ATTEMPT_ACTIONS.settle, { provider: 'doorbell.bell', decision: 'confirm', ...ctx.params }),
      }),
    },
  })],
});

let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let other: TestClient;

const asPlugin = (plugin: string, action: string, params: Record<string, unknown>, tenantId: string) =>
  tk.kernel.broker.call(`${plugin}.${action}`, params, { meta: { system: true, tenantId } }) as Promise<any>;
const errorOf = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e: any) => ({ status: e.code as number, code: e.type as string }));

async function start(tenantId: string, opts: { purpose?: 'login' | 'link'; as?: TestClient } = {}) {
  const c = opts.as ?? tk.anonymous();
  const r = await c.post('/api/auth/providers/doorbell.bell/start', { tenantId: opts.as ? undefined : tenantId, purpose: opts.purpose, locale: 'ru' });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { ...r.body, code: started.get(r.body.attemptId)!.code };
}
const claim = (a: { attemptId: string; secret: string }) => tk.anonymous().post(`/api/auth/providers/attempts/${a.attemptId}`, { secret: a.secret });

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [doorbell, intruder],
    tenants: [{ name: 'Salon', owner: 'anna@salon.test', enable: ['doorbell', 'intruder'] }, { name: 'Elsewhere', owner: 'boss@elsewhere.test' }],
    config: { auth: { providerStartsPerIpPerMinute: 40 } },
  });
  owner = await tk.as('anna@salon.test');
  other = await tk.as('boss@elsewhere.test');
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
});
afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

describe('sign-in methods from plugins', () => {
  it('are listed for a tenant that enabled the plugin, not for another (nor without a tenant)', async () => {
    const listed = await tk.anonymous().get('/api/auth/providers', { query: { tenantId: owner.tenantId } });
    expect(listed.body.items).toEqual([{ id: 'doorbell.bell', identity: 'bell', label: { en: 'Doorbell', ru: 'Звонок' }, icon: 'notifications' }]);
    expect((await tk.anonymous().get('/api/auth/providers', { query: { tenantId: other.tenantId } })).body.items).toEqual([]);
    expect((await tk.anonymous().get('/api/auth/providers')).body.items).toEqual([]);
    // the signed-in user's own tenant, for linking
    expect((await owner.get('/api/auth/providers')).body.items).toHaveLength(1);
    const elsewhere = await tk.anonymous().post('/api/auth/providers/doorbell.bell/start', { tenantId: other.tenantId });
    expect(elsewhere.status).toBe(404);
    const noTenant = await tk.anonymous().post('/api/auth/providers/doorbell.bell/start', {});
    expect(noTenant.status).toBe(400);
    expect(noTenant.body.error.fields[0].field).toBe('tenantId');
  });

  it('an outside account nobody linked cannot sign in; the plugin learns why before asking', async () => {
    const a = await start(owner.tenantId);
    expect(a).toMatchObject({ provider: 'doorbell.bell', purpose: 'login', qr: true, mode: 'open' });
    expect(a.url).toBe(`https://bell.example/confirm?code=${a.code}`);
    expect(started.get(a.attemptId)).toMatchObject({ purpose: 'login', tenantId: owner.tenantId, locale: 'ru' });
    // the code is what travels outside; the browser's secret is something else
    expect(a.code).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(a.secret).not.toContain(a.code);
    expect((await claim(a)).body).toMatchObject({ status: 'pending' });
    const info = await asPlugin('doorbell', 'bell.inspect', { code: a.code, subject: 'stranger-1' }, owner.tenantId);
    expect(info).toMatchObject({ purpose: 'login', status: 'pending', tenant: { id: owner.tenantId, name: 'Salon' }, user: null, problem: 'NOT_LINKED', browser: { ip: expect.any(String) } });
    expect(await errorOf(asPlugin('doorbell', 'bell.press', { code: a.code, subject: 'stranger-1', decision: 'confirm' }, owner.tenantId))).toEqual({ status: 422, code: 'IDENTITY_NOT_LINKED' });
    expect((await claim(a)).body).toMatchObject({ status: 'pending' });
  });

  it('a signed-in user links an account; then it signs them in, once, into the kernel\'s normal session', async () => {
    const link = await start(owner.tenantId, { purpose: 'link', as: owner });
    expect(started.get(link.attemptId)!.purpose).toBe('link');
    const info = await asPlugin('doorbell', 'bell.inspect', { code: link.code }, owner.tenantId);
    expect(info).toMatchObject({ purpose: 'link', user: { id: owner.userId, email: 'anna@salon.test' } });
    const settled = await asPlugin('doorbell', 'bell.press', { code: link.code, subject: 'anna-42', decision: 'confirm', display: '@anna' }, owner.tenantId);
    expect(settled).toMatchObject({ purpose: 'link', status: 'confirmed', userId: owner.userId });
    const linked = await claim(link);
    expect(linked.body).toMatchObject({ status: 'linked', identity: { identity: 'bell', display: '@anna' } });
    expect((await owner.get('/api/me/identities')).body.items).toMatchObject([{ identity: 'bell', display: '@anna', provider: 'doorbell.bell' }]);

    const a = await start(owner.tenantId);
    expect(await asPlugin('doorbell', 'bell.inspect', { code: a.code, subject: 'anna-42' }, owner.tenantId)).toMatchObject({ user: { id: owner.userId }, problem: null });
    await asPlugin('doorbell', 'bell.press', { code: a.code, subject: 'anna-42', decision: 'confirm' }, owner.tenantId);
    // pressed twice: the code was settled already
    expect(await errorOf(asPlugin('doorbell', 'bell.press', { code: a.code, subject: 'anna-42', decision: 'confirm' }, owner.tenantId))).toEqual({ status: 409, code: 'AUTH_ATTEMPT_USED' });
    const signedIn = await claim(a);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body).toMatchObject({ status: 'signed-in', user: { id: owner.userId }, tenant: { id: owner.tenantId } });
    expect(signedIn.headers.get('set-cookie')).toMatch(/atrium_refresh=.*HttpOnly/);
    // claimed twice: the session went to the first
    const again = await claim(a);
    expect([again.status, again.body.error.code]).toEqual([409, 'AUTH_ATTEMPT_USED']);

    // the normal session: /api/me, refresh rotation, the sessions list and revocation
    const bearer = { authorization: `Bearer ${signedIn.body.accessToken}` };
    expect((await tk.anonymous().get('/api/me', { headers: bearer })).body.user.id).toBe(owner.userId);
    const refreshed = await tk.anonymous().post('/api/auth/refresh', { refreshToken: signedIn.body.refreshToken });
    expect(refreshed.status).toBe(200);
    const sessions = (await owner.get('/api/auth/sessions')).body.items as { id: string; current: boolean }[];
    const family = sessions.filter((s) => !s.current);
    expect(family.length).toBeGreaterThanOrEqual(1);
    for (const s of family) expect((await owner.delete(`/api/auth/sessions/${s.id}`)).status).toBe(200);
    expect((await tk.anonymous().post('/api/auth/refresh', { refreshToken: refreshed.body.refreshToken })).status).toBe(401);
  });

  it('a code expires (5 minutes by default): neither the plugin nor the browser can use it after', async () => {
    const a = await start(owner.tenantId);
    const ttl = (new Date(a.expiresAt).getTime() - Date.now()) / 1000;
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);
    await sys.query(`update kernel.auth_attempt set expires_at = now() - interval '1 second' where id = $1`, [a.attemptId]);
    expect(await errorOf(asPlugin('doorbell', 'bell.inspect', { code: a.code, subject: 'anna-42' }, owner.tenantId))).toEqual({ status: 422, code: 'AUTH_ATTEMPT_EXPIRED' });
    expect(await errorOf(asPlugin('doorbell', 'bell.press', { code: a.code, subject: 'anna-42', decision: 'confirm' }, owner.tenantId))).toEqual({ status: 422, code: 'AUTH_ATTEMPT_EXPIRED' });
    const late = await claim(a);
    expect([late.status, late.body.error.code]).toEqual([422, 'AUTH_ATTEMPT_EXPIRED']);
    // confirmed in time but collected too late: no session either
    const b = await start(owner.tenantId);
    await asPlugin('doorbell', 'bell.press', { code: b.code, subject: 'anna-42', decision: 'confirm' }, owner.tenantId);
    await sys.query(`update kernel.auth_attempt set expires_at = now() - interval '1 second' where id = $1`, [b.attemptId]);
    expect((await claim(b)).body.error.code).toBe('AUTH_ATTEMPT_EXPIRED');
  });

  it('a declined sign-in, a wrong secret, another plugin\'s settlement and a non-member are refused', async () => {
    const a = await start(owner.tenantId);
    await asPlugin('doorbell', 'bell.press', { code: a.code, subject: 'anna-42', decision: 'cancel' }, owner.tenantId);
    expect((await claim(a)).body.error.code).toBe('AUTH_ATTEMPT_CANCELLED');

    const b = await start(owner.tenantId);
    expect((await claim({ attemptId: b.attemptId, secret: 'x'.repeat(43) })).status).toBe(404);
    expect(await errorOf(asPlugin('intruder', 'x.press', { code: b.code, subject: 'anna-42' }, owner.tenantId))).toEqual({ status: 403, code: 'NOT_YOUR_PROVIDER' });
    expect((await claim(b)).body.status).toBe('pending');

    // linked, but not a member of the business the code is for
    const outsider = await tk.addMember('Salon', 'temp@salon.test', ['staff']);
    const link = await start(owner.tenantId, { purpose: 'link', as: outsider });
    await asPlugin('doorbell', 'bell.press', { code: link.code, subject: 'temp-7', decision: 'confirm' }, owner.tenantId);
    expect((await claim(link)).body.status).toBe('linked');
    await sys.query('delete from kernel.membership where user_id = $1 and tenant_id = $2', [outsider.userId, owner.tenantId]);
    const c = await start(owner.tenantId);
    expect(await asPlugin('doorbell', 'bell.inspect', { code: c.code, subject: 'temp-7' }, owner.tenantId)).toMatchObject({ problem: 'NOT_A_MEMBER', user: null });
    expect(await errorOf(asPlugin('doorbell', 'bell.press', { code: c.code, subject: 'temp-7', decision: 'confirm' }, owner.tenantId))).toEqual({ status: 403, code: 'NOT_A_MEMBER' });

    // one account belongs to one user
    const eve = await tk.addMember('Salon', 'eve@salon.test', ['staff']);
    const steal = await start(owner.tenantId, { purpose: 'link', as: eve });
    expect(await errorOf(asPlugin('doorbell', 'bell.press', { code: steal.code, subject: 'anna-42', decision: 'confirm' }, owner.tenantId))).toEqual({ status: 409, code: 'IDENTITY_TAKEN' });
  });

  it('unlinking stops the account from signing in', async () => {
    const [identity] = (await owner.get('/api/me/identities')).body.items;
    expect((await owner.delete(`/api/me/identities/${identity.id}`)).status).toBe(200);
    expect((await owner.delete(`/api/me/identities/${identity.id}`)).status).toBe(404);
    const a = await start(owner.tenantId);
    expect(await errorOf(asPlugin('doorbell', 'bell.press', { code: a.code, subject: 'anna-42', decision: 'confirm' }, owner.tenantId))).toEqual({ status: 422, code: 'IDENTITY_NOT_LINKED' });
  });

  it('starting is rate-limited per address', async () => {
    let status = 0;
    let n = 0;
    for (; n < 41 && status !== 429; n++) status = (await tk.anonymous().post('/api/auth/providers/doorbell.bell/start', { tenantId: owner.tenantId })).status;
    expect(status).toBe(429);
    expect(n).toBeLessThanOrEqual(41);
  });
});
