import { request, requestDownload, requestUpload, type Download, type RequestOptions, type UploadOptions } from '../api/http.ts';

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

/** upload(): a raw body for the kernel's `raw: true` routes (the action gets it as `$body`, base64). */
export interface PluginUploadOptions extends PluginRequestOptions {
  /** The body's media type, e.g. 'text/csv' or 'image/jpeg'. Required unless the body is a Blob with a type. */
  contentType?: string;
  query?: Query;
  /** POST (default) or PUT. */
  method?: 'POST' | 'PUT';
}

/** download(): a file with the user's session. */
export interface PluginDownloadOptions extends PluginRequestOptions {
  query?: Query;
}

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

// type/subtype with optional parameters (charset=utf-8, boundary=…), printable ASCII only
const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(\s*;\s*[a-z0-9!#$&^_.+-]+=("[\x20-\x7e]*"|[\x21-\x7e]+))*$/i;

function uploadBody(body: unknown): Blob | ArrayBuffer | ArrayBufferView {
  if (typeof Blob !== 'undefined' && body instanceof Blob) return body;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body;
  throw new TypeError('AtriumHttp.upload: the body must be a Blob (File) or an ArrayBuffer / typed array');
}

function uploadContentType(contentType: unknown, body: Blob | ArrayBuffer | ArrayBufferView): string {
  const ct = contentType ?? (typeof Blob !== 'undefined' && body instanceof Blob && body.type ? body.type : undefined);
  if (ct === undefined) throw new TypeError('AtriumHttp.upload: give { contentType } (the body has no type of its own)');
  if (typeof ct !== 'string' || ct.length > MAX_HEADER_VALUE || !MEDIA_TYPE.test(ct)) {
    throw new TypeError(`AtriumHttp.upload: "${String(ct)}" is not a media type such as "text/csv" or "image/jpeg"`);
  }
  return ct;
}

const isSignal = (v: unknown): v is AbortSignal => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal;

type Send = <T>(method: string, path: string, opts: RequestOptions) => Promise<T>;

/** The client handed to plugin code. `send` is the shell's request() (replaceable in tests). */
export function createPluginHttp(
  send: Send = request,
  upload: typeof requestUpload = requestUpload,
  download: typeof requestDownload = requestDownload,
) {
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
    /** A raw body (CSV, XLSX, a photo) to a `raw: true` route; same session, path and header rules. */
    upload: async <T>(path: string, body: Blob | ArrayBuffer | ArrayBufferView, o: PluginUploadOptions): Promise<T> => {
      const checked = uploadBody(body);
      const method = o?.method ?? 'POST';
      if (method !== 'POST' && method !== 'PUT') throw new TypeError(`AtriumHttp.upload: method must be POST or PUT, not "${String(method)}"`);
      const opts: UploadOptions = { contentType: uploadContentType(o?.contentType, checked), headers: pluginHeaders(o?.headers), signal: o?.signal };
      if (o?.query) opts.query = o.query;
      return upload<T>(method, checkPath(path), checked, opts);
    },
    /** A file with the user's session: its bytes, the name from Content-Disposition and the type. */
    download: async (path: string, o?: PluginDownloadOptions): Promise<Download> => {
      const opts: RequestOptions = { headers: pluginHeaders(o?.headers), signal: o?.signal };
      if (o?.query) opts.query = o.query;
      return download(checkPath(path), opts);
    },
  };
}
