import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import type { Kernel } from '@atrium/kernel';
import { call as callJson, freePort, waitFor } from './fixtures/platform-process.ts';
import { startSecondNode } from './fixtures/second-node.ts';

/**
 * Issue 24, sessions: two concurrent refreshes with one token left the winner's session alive
 * after "family revoked" (8 of 10 tries), and access tokens kept working for up to 15 minutes after
 * logout or a password change. Two kernel nodes over a real nats-server, one database: what is
 * revoked on node 1 is refused on node 2 within seconds — by broadcast, or, for a node that missed
 * it, by its poll of the database.
 */
let nats: ChildProcess;
let tk: TestKernel;
let node2: Kernel;
let url1 = '';
let url2 = '';

const call = (base: string, method: string, path: string, token?: string, body?: unknown) => callJson(base, method, path, { token, body });
const me = (base: string, token: string) => call(base, 'GET', '/api/me', token);

/** How long node 2 took to refuse `token` with SESSION_REVOKED (it must within 10 s; the token lives 15 min). */
async function refusedOnNode2(token: string): Promise<number> {
  const t0 = Date.now();
  await waitFor('node 2 to refuse the token', async () => {
    const r = await me(url2, token);
    return r.status === 401 && r.body.error.code === 'SESSION_REVOKED';
  }, 10_000);
  return Date.now() - t0;
}

const PASSWORD = 'sessions-password';
async function signup(name: string) {
  const email = `${name}-${crypto.randomUUID().slice(0, 6)}@sessions.test`;
  const r = await call(url1, 'POST', '/api/auth/signup', undefined, { tenantName: `S ${name}`, email, password: PASSWORD });
  expect(r.status).toBe(201);
  return { email, ...r.body };
}
const login = async (email: string, base = url1) => (await call(base, 'POST', '/api/auth/login', undefined, { email, password: PASSWORD })).body;

beforeAll(async () => {
  const natsPort = await freePort();
  nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)], { stdio: 'ignore' });
  await waitFor('nats', () => new Promise<boolean>((r) => { const s = net.connect(natsPort, '127.0.0.1', () => { s.end(); r(true); }); s.on('error', () => r(false)); }), 15_000);
  const transporter = `nats://127.0.0.1:${natsPort}`;
  tk = await createTestKernel({ config: { transporter, nodeId: `sess-1-${process.pid}` }, tenants: [{ name: 'Team', owner: 'owner@team.test', users: [{ email: 'staff@team.test', roles: ['staff'] }] }] });
  url1 = tk.url;
  node2 = await startSecondNode(tk, { transporter, nodeId: `sess-2-${process.pid}` });
  url2 = node2.url!;
  await waitFor('the nodes to see each other', async () => node2.broker.registry.nodes.toArray().some((n: any) => n.id === tk.kernel.broker.nodeID && n.available), 15_000);
}, 120_000);

afterAll(async () => {
  await node2?.stop();
  await tk?.stop();
  if (nats && nats.exitCode === null) {
    const gone = new Promise((r) => nats.once('exit', r));
    nats.kill('SIGKILL');
    await gone;
  }
});

describe('refresh reuse detection is atomic', () => {
  it('of two concurrent refreshes with one token exactly one wins, and the family — the winner\'s new session included — is revoked (10 of 10)', async () => {
    const s = await signup('race');
    for (let round = 0; round < 10; round++) {
      const start = await login(s.email);
      const [a, b] = await Promise.all([url1, url2].map((u) => call(u, 'POST', '/api/auth/refresh', undefined, { refreshToken: start.refreshToken })));
      expect([a.status, b.status].sort(), `round ${round}`).toEqual([200, 401]);
      const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
      expect(loser.body.error.code).toBe('REFRESH_REUSED');
      // the reuse revoked what the winner got: its refresh token and (within seconds) its access token
      const again = await call(url1, 'POST', '/api/auth/refresh', undefined, { refreshToken: winner.body.refreshToken });
      expect(again.status, `round ${round}: the winner's refresh token still works`).toBe(401);
      expect(again.body.error.code).toBe('SESSION_REVOKED');
      await waitFor('the winner\'s access token to be refused on both nodes', async () => {
        const rs = await Promise.all([me(url1, winner.body.accessToken), me(url2, winner.body.accessToken)]);
        return rs.every((r) => r.status === 401);
      }, 10_000);
    }
  });
});

describe('access tokens end with their session, on every node, within seconds', () => {
  it('logout on node 1: node 2 refuses the token (broadcast)', async () => {
    const s = await signup('logout');
    expect((await me(url2, s.accessToken)).status).toBe(200);
    expect((await call(url1, 'POST', '/api/auth/logout', s.accessToken, { refreshToken: s.refreshToken })).status).toBe(200);
    expect((await me(url1, s.accessToken)).body.error.code).toBe('SESSION_REVOKED');
    const ms = await refusedOnNode2(s.accessToken);
    console.log(`logout → refused on node 2 after ${ms} ms`);
  });

  it('a node that missed the broadcast learns it from the database within seconds', async () => {
    const s = await signup('missed');
    expect((await me(url2, s.accessToken)).status).toBe(200);
    // node 2 drops every revocation broadcast from now on: only its poll can tell it
    const tokens2 = node2.deps.tokens as any;
    const heard = tokens2.revoke;
    tokens2.revoke = () => {};
    try {
      expect((await call(url1, 'POST', '/api/auth/logout', s.accessToken)).status).toBe(200);
      const ms = await refusedOnNode2(s.accessToken);
      console.log(`logout without broadcast → refused on node 2 after ${ms} ms (poll)`);
    } finally {
      tokens2.revoke = heard;
    }
  });

  it('a node that was down during the logout refuses the token from its first request', async () => {
    const s = await signup('restart');
    expect((await call(url1, 'POST', '/api/auth/logout', s.accessToken)).status).toBe(200);
    // no transporter: it hears no broadcast, it only has the database
    const fresh = await startSecondNode(tk);
    try {
      const r = await me(fresh.url!, s.accessToken);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('SESSION_REVOKED');
    } finally {
      await fresh.stop();
    }
  });

  it('a password change ends the other sign-ins\' tokens everywhere; this one goes on', async () => {
    const s = await signup('password');
    const phone = await login(s.email, url2);
    expect((await me(url2, phone.accessToken)).status).toBe(200);
    expect((await call(url1, 'POST', '/api/auth/password', s.accessToken, { currentPassword: PASSWORD, newPassword: 'a-new-password-2' })).status).toBe(200);
    await refusedOnNode2(phone.accessToken);
    expect((await me(url1, phone.accessToken)).status).toBe(401);
    expect((await call(url2, 'POST', '/api/auth/refresh', undefined, { refreshToken: phone.refreshToken })).body.error.code).toBe('SESSION_REVOKED');
    expect((await me(url2, s.accessToken)).status).toBe(200);
  });

  it('removing a member ends their tokens in that tenant on every node', async () => {
    const owner = await tk.as('owner@team.test');
    const staff = (await call(url2, 'POST', '/api/auth/login', undefined, { email: 'staff@team.test', password: 'correct horse battery staple' })).body;
    expect((await me(url2, staff.accessToken)).status).toBe(200);
    expect((await owner.delete(`/api/tenants/members/${staff.user.id}`)).status).toBe(200);
    await refusedOnNode2(staff.accessToken);
  });

  it('"sign out that device" lists the sign-ins and ends the chosen one everywhere', async () => {
    const s = await signup('devices');
    const tablet = await login(s.email, url2);
    const list = await call(url1, 'GET', '/api/auth/sessions', s.accessToken);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(2);
    const other = list.body.items.find((i: any) => !i.current);
    expect(list.body.items.filter((i: any) => i.current)).toHaveLength(1);
    expect((await call(url1, 'DELETE', `/api/auth/sessions/${other.id}`, s.accessToken)).status).toBe(200);
    await refusedOnNode2(tablet.accessToken);
    expect((await call(url1, 'GET', '/api/auth/sessions', s.accessToken)).body.total).toBe(1);
    // another user's sign-in is not yours to end
    const stranger = await signup('stranger');
    expect((await call(url1, 'DELETE', `/api/auth/sessions/${(await call(url1, 'GET', '/api/auth/sessions', stranger.accessToken)).body.items[0].id}`, s.accessToken)).status).toBe(404);
    expect((await me(url2, stranger.accessToken)).status).toBe(200);
    // "everywhere else"
    const laptop = await login(s.email, url2);
    expect((await call(url1, 'DELETE', '/api/auth/sessions', s.accessToken)).body.revoked).toBe(1);
    await refusedOnNode2(laptop.accessToken);
    expect((await me(url2, s.accessToken)).status).toBe(200);
  });
});
