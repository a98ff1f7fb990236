import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError, ValidationError } from '@atrium/sdk';

/** `a=1; b=2` → `{ a: '1', b: '2' }`. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

/** Reads the whole body, refusing (413) one larger than `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new PayloadTooLargeError(`Request body is larger than ${limit} bytes`, { limitMb: Math.round((limit / 1048576) * 10) / 10 });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeError(`Request body is larger than ${limit} bytes`, { limitMb: Math.round((limit / 1048576) * 10) / 10 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
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
