// Where tokens live. The web shell keeps the access token in memory and localStorage (so a reload
// stays signed in) and leaves the refresh token to the kernel's httpOnly cookie; a native shell
// (Capacitor/Electron, no cookies across origins) can swap in secure storage through setTokenStorage.
export interface TokenStorage {
  get(key: string): string | null;
  set(key: string, value: string | null): void;
}

const memory = new Map<string, string>();
let storage: TokenStorage = {
  get: (k) => {
    try {
      return globalThis.localStorage?.getItem(k) ?? memory.get(k) ?? null;
    } catch {
      return memory.get(k) ?? null;
    }
  },
  set: (k, v) => {
    if (v === null) memory.delete(k);
    else memory.set(k, v);
    try {
      if (v === null) globalThis.localStorage?.removeItem(k);
      else globalThis.localStorage?.setItem(k, v);
    } catch {
      /* private mode / no storage: memory only */
    }
  },
};

export function setTokenStorage(s: TokenStorage) {
  storage = s;
}

const ACCESS = 'atrium.accessToken';
let refreshToken: string | null = null; // memory only on the web

export const tokens = {
  get access() {
    return storage.get(ACCESS);
  },
  get refresh() {
    return refreshToken;
  },
  save(t: { accessToken: string; refreshToken?: string }) {
    storage.set(ACCESS, t.accessToken);
    if (t.refreshToken) refreshToken = t.refreshToken;
  },
  clear() {
    storage.set(ACCESS, null);
    refreshToken = null;
  },
};
