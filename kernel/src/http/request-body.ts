import type { IncomingMessage, ServerResponse } from 'node:http';
import { dataObject, isUnsafeKey, PayloadTooLargeError, ValidationError } from '@atrium/sdk';

/** `a=1; b=2` → `{ a: '1', b: '2' }`; a value that is not valid percent-encoding is kept as sent. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out = dataObject<Record<string, string>>();
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (isUnsafeKey(name)) continue;
    const raw = part.slice(i + 1).trim();
    try {
      out[name] = decodeURIComponent(raw);
    } catch {
      out[name] = raw;
    }
  }
  return out;
}

const tooLarge = (limit: number) => new PayloadTooLargeError(`Request body is larger than ${limit >= 1024 * 1024 ? `${Math.round(limit / 1024 / 1024)} MB` : `${limit} bytes`}`, { limitMb: Math.round((limit / 1048576) * 10) / 10 });

/**
 * Reads the whole body, refusing (413) one larger than `limit` bytes as its bytes arrive: a
 * declared Content-Length over the limit before reading anything, a chunked body once it passes
 * the limit. Never more than `limit` bytes are held. The gateway closes the connection after a
 * 413, so the rest of the body is not read either.
 */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** A JSON request body as the params object it must be (400 naming `(body)` otherwise). */
export function parseJsonBody(body: Buffer, contentType: string): Record<string, unknown> {
  if (!contentType.includes('application/json')) throw new ValidationError('Send JSON with Content-Type: application/json', [{ field: '(body)', code: 'notJson', message: 'must be JSON' }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ValidationError('The request body is not valid JSON', [{ field: '(body)', code: 'invalidJson', message: 'is not valid JSON' }]);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ValidationError('The request body must be a JSON object', [{ field: '(body)', code: 'notObject', message: 'must be an object' }]);
  return parsed as Record<string, unknown>;
}

/** The query string as params: a name given once is a string, repeated names a list. */
export function queryParams(url: URL): Record<string, unknown> {
  return Object.fromEntries([...url.searchParams.keys()].map((k) => {
    const all = url.searchParams.getAll(k);
    return [k, all.length > 1 ? all : all[0]];
  }));
}

/** After an early answer, how much more of a request body is read (and thrown away) at most, and for how long. */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
const DISCARD_MAX_MS = 10_000;

/**
 * A request answered before its body was read (413, 401…): the client is usually still sending.
 * Closing at once makes it see a reset instead of the answer, so the rest is read and thrown away
 * (memory stays flat) — up to DISCARD_MAX_BYTES or DISCARD_MAX_MS, then the connection is cut.
 */
export function discardUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    // Node's own finish handler has switched the request to discarding; count what it throws away
    let discarded = 0;
    const cut = () => req.socket?.destroy();
    const timer = setTimeout(cut, DISCARD_MAX_MS);
    timer.unref();
    req.on('data', (c: Buffer) => {
      discarded += c.length;
      if (discarded > DISCARD_MAX_BYTES) cut();
    });
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
    req.resume();
  });
}
