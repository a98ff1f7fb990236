import { ApiError, isApiError, networkError, toApiError } from './errors.ts';
import { tokens } from './token-store.ts';
import { currentLocale } from '../i18n/index.ts';

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

/** What send() takes beyond RequestOptions: a raw body (uploads) and the Accept header (downloads). */
interface SendOptions extends RequestOptions {
  /** Sent as is with `contentType`, instead of the JSON `body`. Must be re-sendable (not a stream): a 401 retries it. */
  rawBody?: Blob | ArrayBuffer | ArrayBufferView;
  contentType?: string;
  accept?: string;
}

async function send(method: string, path: string, opts: SendOptions): Promise<Response> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  headers.accept = opts.accept ?? 'application/json';
  // the kernel words its errors (and anything else it renders) in the language the user chose;
  // a plugin may still ask for another one
  headers['accept-language'] ??= currentLocale();
  let body: BodyInit | undefined;
  if (opts.rawBody !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/octet-stream';
    body = opts.rawBody as BodyInit;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const access = tokens.access;
  if (access) headers.authorization = `Bearer ${access}`;
  try {
    return await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body,
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

/** Sends with the session: one refresh on 401, ApiError on any failure; the successful Response. */
async function exchange(method: string, path: string, opts: SendOptions): Promise<Response> {
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
  return res;
}

async function readJson<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  return readJson<T>(await exchange(method, path, opts));
}

export interface UploadOptions extends Omit<RequestOptions, 'body'> {
  contentType: string;
}
/** A raw request body (a file) for the kernel's `raw: true` routes; the answer is JSON like any other. */
export async function requestUpload<T = unknown>(method: string, path: string, body: Blob | ArrayBuffer | ArrayBufferView, opts: UploadOptions): Promise<T> {
  return readJson<T>(await exchange(method, path, { ...opts, rawBody: body }));
}

export interface Download {
  blob: Blob;
  /** From Content-Disposition; else the last segment of the path. */
  filename: string;
  contentType: string;
}
/** A file from the kernel with the session (receipts, exports): the body as a Blob. */
export async function requestDownload(path: string, opts: Omit<RequestOptions, 'body'> = {}): Promise<Download> {
  const res = await exchange('GET', path, { ...opts, accept: '*/*' });
  const contentType = res.headers.get('content-type') ?? 'application/octet-stream';
  const blob = await res.blob();
  const fallback = decodeSegment(path.split('?')[0]!.split('/').filter(Boolean).pop() ?? '') || 'download';
  return { blob, contentType, filename: filenameFromDisposition(res.headers.get('content-disposition')) ?? fallback };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * The file name of a Content-Disposition header (RFC 6266): `filename*=UTF-8''…` (percent-encoded,
 * preferred) over `filename="…"` / `filename=…`. Path separators and control characters are
 * replaced, so the name is safe to offer to the user's file system. Undefined when there is none.
 */
export function filenameFromDisposition(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  let name: string | undefined;
  const star = /(?:^|;)\s*filename\*\s*=\s*([^;]+)/i.exec(header);
  if (star) {
    const m = /^([\w!#$%&+^`{}~-]+)'[\w-]*'(.*)$/.exec(star[1]!.trim().replace(/^"(.*)"$/, '$1'));
    if (m) {
      const charset = m[1]!.toLowerCase();
      try {
        if (charset === 'utf-8') name = decodeURIComponent(m[2]!);
        else if (charset === 'iso-8859-1') name = unescape(m[2]!);
      } catch {
        name = undefined;
      }
    }
  }
  if (!name) {
    const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
    const plain = /(?:^|;)\s*filename\s*=\s*([^";\s][^;]*)/i.exec(header);
    name = quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : plain?.[1]!.trim();
  }
  // eslint-disable-next-line no-control-regex
  const safe = name?.replace(/[\x00-\x1f\x7f]/g, '').replace(/[/\\]/g, '_').trim();
  return safe && safe !== '.' && safe !== '..' ? safe : undefined;
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
