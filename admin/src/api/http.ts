import { ApiError, isApiError, networkError, toApiError } from './errors.ts';
import { tokens } from './token-store.ts';

// Base URL of the kernel. Empty under the gateway (same origin); a native shell sets it.
let apiBase = '';
export function setApiBase(url: string) {
  apiBase = url.replace(/\/$/, '');
}
export const resolveUrl = (path: string) => (/^https?:/.test(path) ? path : apiBase + path);

type Query = Record<string, string | number | boolean | undefined | null>;
export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Do not try to refresh on 401 (auth endpoints themselves). */
  noRefresh?: boolean;
  signal?: AbortSignal;
  /**
   * Extra request headers. The shell's own headers (accept, content-type,
   * authorization) are set after these and always win. Plugin code goes through
   * plugin-host/plugin-http.ts, which only lets an allowlist through.
   */
  headers?: Record<string, string>;
}

let onSessionLost: () => void = () => {};
/** Called once refreshing failed: the session store clears itself and the router goes to login. */
export function setSessionLostHandler(fn: () => void) {
  onSessionLost = fn;
}

function buildUrl(path: string, query?: Query) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return resolveUrl(path) + (s ? `?${s}` : '');
}

async function send(method: string, path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.accept = 'application/json';
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const access = tokens.access;
  if (access) headers.authorization = `Bearer ${access}`;
  try {
    return await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      credentials: 'include', // the refresh cookie
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw networkError(e);
  }
}

// One refresh at a time: ten requests failing with 401 together must not rotate the refresh
// token ten times (the kernel's reuse detection would revoke the whole session).
// 'network': the kernel could not be reached — the session is not lost, only unreachable (an
// offline till keeps its session; the next request once online refreshes again).
type RefreshOutcome = 'ok' | 'refused' | 'network';
let refreshing: Promise<RefreshOutcome> | null = null;
function refreshOnce(): Promise<RefreshOutcome> {
  refreshing ??= (async (): Promise<RefreshOutcome> => {
    try {
      const res = await send('POST', '/api/auth/refresh', {
        body: tokens.refresh ? { refreshToken: tokens.refresh } : {},
      });
      if (!res.ok) return 'refused';
      tokens.save(await res.json());
      return 'ok';
    } catch (e) {
      return isApiError(e, 'NETWORK') ? 'network' : 'refused';
    } finally {
      queueMicrotask(() => (refreshing = null));
    }
  })();
  return refreshing;
}
export const refreshSession = (): Promise<boolean> => refreshOnce().then((r) => r === 'ok');

export async function request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  let res = await send(method, path, opts);
  if (res.status === 401 && !opts.noRefresh && tokens.access) {
    const outcome = await refreshOnce();
    // The token was refused and the refresh could not be tried: not a lost session, just no network.
    if (outcome === 'network') throw networkError(new Error('the session could not be refreshed: network error'));
    if (outcome === 'ok') res = await send(method, path, opts);
    if (res.status === 401) {
      tokens.clear();
      onSessionLost();
    }
  }
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const http = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, { query, signal }),
  post: <T>(path: string, body?: unknown, opts: Omit<RequestOptions, 'body'> = {}) =>
    request<T>('POST', path, { ...opts, body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

export { ApiError };
