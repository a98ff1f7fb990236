import { request, type RequestOptions } from '../api/http.ts';

// The HTTP client plugin UIs get as useAtrium().http (AtriumHttp in @atrium/sdk/ui). It is the
// shell's own client (auth header, one refresh on 401, ApiError on failure) behind two guards:
//
// - Paths must be kernel API paths ("/api/…"). The shell adds the user's bearer token to every
//   request, so an absolute or protocol-relative URL would hand the token to another host.
// - A plugin may set only the request headers the kernel honours for plugin actions:
//     Idempotency-Key  — the pipeline's retry de-duplication (actions declared `idempotent`,
//                        and a retry on another node is allowed only for keyed writes);
//     Accept-Language  — becomes ctx.meta.locale (server-rendered text, e-mails).
//   Everything else is refused with a TypeError before anything is sent — in particular
//   Authorization, Cookie and Host (the session is the shell's, never the plugin's), and the
//   conditional headers (If-Match …): the gateway does not pass them to actions, so allowing them
//   would only suggest a check that never happens (send a record's version in the body instead).
// Keep this list in step with AtriumRequestHeader in sdk/ui/index.ts and docs/plugin-guide.md §7.
export const PLUGIN_REQUEST_HEADERS = ['Idempotency-Key', 'Accept-Language'] as const;
export type PluginRequestHeader = (typeof PLUGIN_REQUEST_HEADERS)[number];

export interface PluginRequestOptions {
  headers?: Partial<Record<PluginRequestHeader, string | undefined>>;
  signal?: AbortSignal;
}

type Query = Record<string, string | number | boolean | undefined | null>;
const ALLOWED = new Map(PLUGIN_REQUEST_HEADERS.map((h) => [h.toLowerCase(), h]));
/** The kernel refuses longer idempotency keys; no allowed header needs more. */
export const MAX_HEADER_VALUE = 200;

/** Checks a plugin's headers and returns them with lower-case names; throws TypeError on anything not allowed. */
export function pluginHeaders(headers: unknown): Record<string, string> {
  if (headers === undefined || headers === null) return {};
  if (typeof headers !== 'object' || Array.isArray(headers) || Object.getPrototypeOf(headers) !== Object.prototype) {
    throw new TypeError('AtriumHttp: headers must be a plain object, e.g. { "Idempotency-Key": key }');
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
    const lower = name.toLowerCase();
    if (!ALLOWED.has(lower)) {
      throw new TypeError(`AtriumHttp: plugins may not set the "${name}" request header (allowed: ${PLUGIN_REQUEST_HEADERS.join(', ')})`);
    }
    if (value === undefined) continue;
    if (lower in out) throw new TypeError(`AtriumHttp: the "${ALLOWED.get(lower)}" header is given twice`);
    if (typeof value !== 'string' || !value.trim() || value !== value.trim() || value.length > MAX_HEADER_VALUE || !/^[\x20-\x7e]+$/.test(value)) {
      throw new TypeError(`AtriumHttp: "${ALLOWED.get(lower)}" must be 1–${MAX_HEADER_VALUE} printable ASCII characters without surrounding spaces`);
    }
    out[lower] = value;
  }
  return out;
}

function checkPath(path: unknown): string {
  if (typeof path !== 'string' || !path.startsWith('/api/')) {
    throw new TypeError(`AtriumHttp: "${String(path)}" is not a kernel API path; plugin code may only call "/api/…"`);
  }
  return path;
}

const isSignal = (v: unknown): v is AbortSignal => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal;

type Send = <T>(method: string, path: string, opts: RequestOptions) => Promise<T>;

/** The client handed to plugin code. `send` is the shell's request() (replaceable in tests). */
export function createPluginHttp(send: Send = request) {
  async function call<T>(method: string, path: unknown, body: unknown, query: Query | undefined, o: PluginRequestOptions | undefined): Promise<T> {
    // async: a refused header or path rejects the promise like any other request failure
    const opts: RequestOptions = { headers: pluginHeaders(o?.headers), signal: o?.signal };
    if (query) opts.query = query;
    if (body !== undefined) opts.body = body;
    return send<T>(method, checkPath(path), opts);
  }
  return {
    get: <T>(path: string, query?: Query, signalOrOptions?: AbortSignal | PluginRequestOptions) =>
      call<T>('GET', path, undefined, query, isSignal(signalOrOptions) ? { signal: signalOrOptions } : signalOrOptions),
    post: <T>(path: string, body?: unknown, o?: PluginRequestOptions) => call<T>('POST', path, body ?? {}, undefined, o),
    put: <T>(path: string, body: unknown, o?: PluginRequestOptions) => call<T>('PUT', path, body, undefined, o),
    patch: <T>(path: string, body: unknown, o?: PluginRequestOptions) => call<T>('PATCH', path, body, undefined, o),
    delete: <T>(path: string, o?: PluginRequestOptions) => call<T>('DELETE', path, undefined, undefined, o),
  };
}
