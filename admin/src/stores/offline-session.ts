import type { Me, UiManifestPlugin } from '../api/types.ts';

// What the shell needs to start without the network: the last profile, the packed ability rules
// and the ui-manifest it fetched, per user and tenant (localStorage). The session store writes
// them after every successful load and reads them only when the kernel cannot be reached (a
// network error — never a 401: a refused token always signs out). The access token itself stays
// where token-store.ts keeps it; it may be expired when used offline, which is fine: requests fail
// with network errors until the network is back, then the normal refresh renews it.
//
// Nothing here is a secret (the token is not copied); it is what the screen showed last time.

const PREFIX = 'atrium.offline.';

/** The user and tenant an access token was issued for, read without verifying it (the kernel does). */
export function tokenOwner(token: string | null | undefined): { userId: string; tenantId: string } | null {
  if (!token) return null;
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
    const claims = JSON.parse(json) as { sub?: unknown; tid?: unknown };
    if (typeof claims.sub !== 'string' || !claims.sub || typeof claims.tid !== 'string' || !claims.tid) return null;
    return { userId: claims.sub, tenantId: claims.tid };
  } catch {
    return null;
  }
}

function store(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled
  }
}

const keyOf = (kind: 'session' | 'ui-manifest', userId: string, tenantId: string) => `${PREFIX}${kind}:${userId}:${tenantId}`;

function read<T>(key: string): T | null {
  try {
    const raw = store()?.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function write(key: string, value: unknown) {
  try {
    store()?.setItem(key, JSON.stringify(value));
  } catch {
    /* quota or private mode: the shell works online, just not after an offline reload */
  }
}

export interface CachedSession {
  me: Me;
  /** The rules exactly as /api/me/abilities sent them (packed). */
  rules: unknown[];
  savedAt: string;
}

export function saveCachedSession(me: Me, rules: unknown[]) {
  write(keyOf('session', me.user.id, me.tenant.id), { me, rules, savedAt: new Date().toISOString() } satisfies CachedSession);
}

/** Replaces only the rules of a cached session (abilities re-read without the profile). */
export function saveCachedRules(userId: string, tenantId: string, rules: unknown[]) {
  const cur = read<CachedSession>(keyOf('session', userId, tenantId));
  if (cur) write(keyOf('session', userId, tenantId), { ...cur, rules, savedAt: new Date().toISOString() });
}

/** The session cached for the owner of this token, or null (no cache, or it belongs to someone else). */
export function cachedSessionFor(token: string | null | undefined): CachedSession | null {
  const owner = tokenOwner(token);
  if (!owner) return null;
  const c = read<CachedSession>(keyOf('session', owner.userId, owner.tenantId));
  if (!c || c.me?.user?.id !== owner.userId || c.me?.tenant?.id !== owner.tenantId || !Array.isArray(c.rules)) return null;
  return c;
}

export function saveCachedUiManifest(userId: string, tenantId: string, plugins: UiManifestPlugin[]) {
  write(keyOf('ui-manifest', userId, tenantId), { plugins, savedAt: new Date().toISOString() });
}

export function cachedUiManifest(userId: string, tenantId: string): UiManifestPlugin[] | null {
  const c = read<{ plugins?: unknown }>(keyOf('ui-manifest', userId, tenantId));
  return c && Array.isArray(c.plugins) ? (c.plugins as UiManifestPlugin[]) : null;
}

/** Forgets what was cached for this user and tenant (sign-out, a refused session). */
export function forgetCached(userId: string, tenantId: string) {
  try {
    store()?.removeItem(keyOf('session', userId, tenantId));
    store()?.removeItem(keyOf('ui-manifest', userId, tenantId));
  } catch {
    /* nothing stored */
  }
}
