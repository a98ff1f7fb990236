import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setSessionLostHandler } from '../src/api/http.ts';
import { tokens } from '../src/api/token-store.ts';
import { ability } from '../src/stores/ability.ts';
import { cachedSessionFor, cachedUiManifest, tokenOwner } from '../src/stores/offline-session.ts';
import { useSessionStore } from '../src/stores/session.ts';

// A plugin page module needs a .vue transform the unit config does not have; the host's logic does not.
vi.mock('../src/plugin-host/PluginBoundary.vue', () => ({ default: { name: 'PluginBoundary', render: () => null } }));
// Quasar's Notify is installed by app.use(Quasar) in the browser; here the failed bundle import only toasts.
vi.mock('quasar', async (orig) => ({ ...(await orig<typeof import('quasar')>()), Notify: { create: () => {} } }));

// session.restore() on start-up, down to the fetch call: online it loads and caches the profile,
// abilities and manifest; a network error (offline reload) goes on from that cache; a 401 that
// the refresh cannot fix signs out and forgets it.

/** An unsigned JWT-shaped token: the shell only reads sub/tid, the kernel verifies. */
function jwt(claims: Record<string, unknown>) {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.sig`;
}
const past = Math.floor(Date.now() / 1000) - 3600; // expired an hour ago: fine offline
const TOKEN = jwt({ sub: 'u1', tid: 't1', email: 'kassa@duken.test', exp: past });
const me = {
  user: { id: 'u1', email: 'kassa@duken.test', displayName: 'Айгерим' },
  tenant: { id: 't1', name: 'Дүкен' },
  tenants: [{ id: 't1', name: 'Дүкен', roles: ['cashier'] }],
  roles: ['cashier'],
};
// packed as the kernel sends them: [action, subject]
const rules = [['create', 'pos.Sale'], ['read', 'pos.Product']];
const manifest = [{ id: 'pos', version: '0.1.0', displayName: { en: 'POS' }, entry: '/plugins/pos/ui/dist/index.js?v=0.1.0', contributions: [] }];

type Answer = Response | 'network';
let answers: Map<string, Answer[]>;
let calls: string[];
let lost: number;

class MemoryStorage {
  private m = new Map<string, string>();
  getItem(k: string) { return this.m.get(k) ?? null; }
  setItem(k: string, v: string) { this.m.set(k, String(v)); }
  removeItem(k: string) { this.m.delete(k); }
  clear() { this.m.clear(); }
  key(i: number) { return [...this.m.keys()][i] ?? null; }
  get length() { return this.m.size; }
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const answer = (path: string, ...a: Answer[]) => answers.set(path, [...(answers.get(path) ?? []), ...a]);
function online() {
  answer('/api/me', json(200, me));
  answer('/api/me/abilities', json(200, { rules }));
  answer('/api/ui-manifest', json(200, { plugins: manifest }));
}
/** A new page load: a fresh Pinia, the ability emptied; localStorage (token, caches) survives. */
function reload() {
  setActivePinia(createPinia());
  ability.update([]);
}

beforeEach(() => {
  answers = new Map();
  calls = [];
  lost = 0;
  vi.stubGlobal('localStorage', new MemoryStorage());
  vi.stubGlobal('fetch', async (url: string) => {
    const path = url.split('?')[0]!;
    calls.push(path);
    const next = answers.get(path)?.shift();
    if (!next || next === 'network') throw new TypeError('Failed to fetch');
    return next;
  });
  setSessionLostHandler(() => {
    lost++;
    useSessionStore().clear();
  });
  reload();
  // the plugin bundle's import() cannot work in node; the host logs that, which is expected here
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  vi.restoreAllMocks();
  tokens.clear();
  vi.unstubAllGlobals();
  setSessionLostHandler(() => {});
});

async function signInOnline() {
  online();
  await useSessionStore().signIn({ accessToken: TOKEN });
}

describe('session.restore()', () => {
  it('reads the user and tenant of a token without verifying it; junk is nobody', () => {
    expect(tokenOwner(TOKEN)).toEqual({ userId: 'u1', tenantId: 't1' });
    expect(tokenOwner('not-a-jwt')).toBeNull();
    expect(tokenOwner(jwt({ sub: 'u1' }))).toBeNull();
    expect(tokenOwner(null)).toBeNull();
  });

  it('online: loads the profile and abilities and caches them with the manifest for this user and tenant', async () => {
    await signInOnline();
    const { usePluginHost } = await import('../src/plugin-host/host.ts');
    await usePluginHost().sync().catch(() => {}); // the bundle import itself fails in node; the manifest is what matters
    expect(cachedSessionFor(TOKEN)).toMatchObject({ me, rules });
    expect(cachedUiManifest('u1', 't1')).toEqual(manifest);
    expect(cachedUiManifest('u1', 't2')).toBeNull();
  });

  it('a network error on reload keeps the session from the cache: user, tenant, abilities, the (expired) token', async () => {
    await signInOnline();
    reload();
    answer('/api/me', 'network');
    answer('/api/me/abilities', 'network');
    const session = useSessionStore();
    expect(await session.restore()).toBe(true);
    expect(session.status).toBe('signed-in');
    expect(session.offline).toBe(true);
    expect(session.user).toEqual(me.user);
    expect(session.tenant).toEqual(me.tenant);
    expect(ability.can('create', 'pos.Sale')).toBe(true);
    expect(ability.can('delete', 'pos.Sale')).toBe(false);
    expect(tokens.access).toBe(TOKEN);
    expect(lost).toBe(0);
  });

  it('offline, the plugin host applies the cached ui-manifest', async () => {
    await signInOnline();
    const { usePluginHost } = await import('../src/plugin-host/host.ts');
    await usePluginHost().sync().catch(() => {});
    reload();
    answer('/api/me', 'network');
    answer('/api/me/abilities', 'network');
    expect(await useSessionStore().restore()).toBe(true);
    const host = usePluginHost();
    answer('/api/ui-manifest', 'network');
    await host.sync();
    expect(host.synced).toBe(true);
    expect(host.list.map((p) => p.manifest.id)).toEqual(['pos']);
    expect(calls.filter((c) => c === '/api/ui-manifest')).toHaveLength(2);
  });

  it('a 401 the refresh cannot fix signs out and forgets the cached session', async () => {
    await signInOnline();
    reload();
    answer('/api/me', json(401, { error: { code: 'TOKEN_EXPIRED', message: 'expired' } }));
    answer('/api/me/abilities', json(401, { error: { code: 'TOKEN_EXPIRED', message: 'expired' } }));
    answer('/api/auth/refresh', json(401, { error: { code: 'REFRESH_INVALID', message: 'revoked' } }));
    const session = useSessionStore();
    expect(await session.restore()).toBe(false);
    expect(session.status).toBe('signed-out');
    expect(session.user).toBeNull();
    expect(tokens.access).toBeNull();
    expect(ability.can('create', 'pos.Sale')).toBe(false);
    expect(cachedSessionFor(TOKEN)).toBeNull();
    expect(calls.filter((c) => c === '/api/auth/refresh')).toHaveLength(1); // one refresh for both requests
  });

  it('an expired token with the network back: one refresh, then the fresh profile (no longer offline)', async () => {
    await signInOnline();
    reload();
    answer('/api/me', 'network');
    answer('/api/me/abilities', 'network');
    const session = useSessionStore();
    expect(await session.restore()).toBe(true);
    expect(session.offline).toBe(true);

    const renewed = jwt({ sub: 'u1', tid: 't1', exp: past + 7200 });
    answer('/api/me', json(401, { error: { code: 'TOKEN_EXPIRED', message: 'expired' } }), json(200, { ...me, roles: ['cashier', 'manager'] }));
    answer('/api/me/abilities', json(401, { error: { code: 'TOKEN_EXPIRED', message: 'expired' } }), json(200, { rules: [...rules, ['void', 'pos.Sale']] }));
    answer('/api/auth/refresh', json(200, { accessToken: renewed }));
    await session.revalidate();
    expect(session.offline).toBe(false);
    expect(tokens.access).toBe(renewed);
    expect(session.me?.roles).toEqual(['cashier', 'manager']);
    expect(ability.can('void', 'pos.Sale')).toBe(true);
    expect(cachedSessionFor(renewed)?.rules).toContainEqual(['void', 'pos.Sale']);
  });

  it('a 401 whose refresh hits a network error is "offline", not a lost session', async () => {
    await signInOnline();
    reload();
    answer('/api/me', json(401, { error: { code: 'TOKEN_EXPIRED', message: 'expired' } }));
    answer('/api/me/abilities', json(401, { error: { code: 'TOKEN_EXPIRED', message: 'expired' } }));
    answer('/api/auth/refresh', 'network');
    const session = useSessionStore();
    expect(await session.restore()).toBe(true);
    expect(session.offline).toBe(true);
    expect(tokens.access).toBe(TOKEN);
    expect(lost).toBe(0);
  });

  it('the cache of another user or tenant is never used', async () => {
    await signInOnline();
    for (const other of [jwt({ sub: 'u2', tid: 't1' }), jwt({ sub: 'u1', tid: 't2' }), 'garbage']) {
      reload();
      tokens.save({ accessToken: other });
      answer('/api/me', 'network');
      answer('/api/me/abilities', 'network');
      const session = useSessionStore();
      expect(await session.restore()).toBe(false);
      expect(session.status).toBe('signed-out');
      expect(ability.can('create', 'pos.Sale')).toBe(false);
    }
  });

  it('without a stored token nothing is restored, offline or not', async () => {
    await signInOnline();
    tokens.clear();
    reload();
    expect(await useSessionStore().restore()).toBe(false);
    expect(calls.filter((c) => c === '/api/me')).toHaveLength(1); // only the sign-in's
  });
});
