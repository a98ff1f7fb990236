/**
 * Meta's Graph API, as the WhatsApp Cloud API and Messenger / Instagram messaging share it: the
 * webhook signature (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app
 * secret>`), the GET verification handshake (`hub.mode=subscribe`, `hub.verify_token`,
 * `hub.challenge`), and calls with a bearer token whose errors come as
 * `{ error: { message, type, code, error_subcode, error_data, fbtrace_id } }`.
 * Shared by the WhatsApp and Meta adapter plugins (one home for one scheme).
 */
import crypto from 'node:crypto';
import { ChannelAuthError, ChannelRateLimitedError, ChannelRejectedError, ChannelUnavailableError, InboundSignatureError } from './channel-adapter.ts';

export const GRAPH_API = 'https://graph.facebook.com';
export const GRAPH_VERSION = 'v21.0';

/** `sha256=<hex>` of the body with `secret`: what Meta sends, and what its fakes sign with. */
export function hubSignature(body: Buffer | string, secret: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Verifies `X-Hub-Signature-256` over the exact bytes with any of the app secrets (several during a
 * rotation), in constant time. Throws InboundSignatureError (401) when missing or wrong.
 */
export function verifyHubSignature(body: Buffer, header: string | undefined, secrets: readonly string[]): void {
  if (!header) throw new InboundSignatureError('missing', 'The X-Hub-Signature-256 header is missing');
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m) throw new InboundSignatureError('malformed', 'The X-Hub-Signature-256 header is not sha256=<hex>');
  const given = Buffer.from(m[1]!.toLowerCase(), 'hex');
  const ok = secrets.filter(Boolean).some((s) => crypto.timingSafeEqual(Buffer.from(hubSignature(body, s).slice(7), 'hex'), given));
  if (!ok) throw new InboundSignatureError('mismatch', 'The X-Hub-Signature-256 signature does not match');
}

/** The GET handshake: echo `hub.challenge` when the mode is subscribe and the verify token matches. */
export function answerHubChallenge(query: Record<string, string>, verifyToken: string | undefined): { contentType: string; body: string } {
  const given = query['hub.verify_token'] ?? '';
  const same = !!verifyToken && given.length === verifyToken.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(verifyToken));
  if (query['hub.mode'] !== 'subscribe' || !same) throw new InboundSignatureError('verify_token', 'The verification request does not carry this account\'s verify token');
  return { contentType: 'text/plain', body: String(query['hub.challenge'] ?? '') };
}

/** A Graph API error body. */
export class GraphApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly subcode: number | null;
  readonly type: string;
  readonly details: string | null;
  constructor(status: number, e: { message?: string; type?: string; code?: number; error_subcode?: number; error_data?: { details?: string } }) {
    super(`Graph API ${e.code ?? status}: ${e.message ?? 'error'}`);
    this.name = 'GraphApiError';
    this.status = status;
    this.code = e.code ?? status;
    this.subcode = e.error_subcode ?? null;
    this.type = e.type ?? '';
    this.details = e.error_data?.details ?? null;
  }
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * One Graph API call: JSON (or a multipart form) with a bearer token. Answers the JSON; throws
 * GraphApiError for `{ error }`, ChannelUnavailableError for the rest — `not_sent` when the request
 * cannot have been carried out (refused, or a 5xx with no Graph answer), `unknown` after a timeout or
 * a cut connection. The platform's own refusals (an address not allowed) pass through.
 */
export async function graphCall<T>(
  fetchFn: typeof globalThis.fetch,
  url: string,
  o: { token: string; method?: string; body?: unknown; form?: FormData; timeoutMs?: number },
): Promise<T> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: o.method ?? (o.body !== undefined || o.form ? 'POST' : 'GET'),
      headers: { authorization: `Bearer ${o.token}`, ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: o.form ?? (o.body !== undefined ? JSON.stringify(o.body) : undefined),
      signal: AbortSignal.timeout(o.timeoutMs ?? 20_000),
    });
  } catch (e) {
    if (typeof (e as { type?: unknown })?.type === 'string') throw e;
    const code = (e as { cause?: { code?: string } })?.cause?.code;
    throw new ChannelUnavailableError(`Graph API: ${(e as Error)?.name === 'TimeoutError' ? 'no answer in time' : 'network error'}`, code && REFUSED.has(code) ? 'not_sent' : 'unknown');
  }
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ChannelUnavailableError(`Graph API: HTTP ${res.status} without a Graph answer`, res.status >= 500 ? 'not_sent' : 'unknown');
  }
  if (body?.error) throw new GraphApiError(res.status, body.error);
  if (!res.ok) throw new ChannelUnavailableError(`Graph API: HTTP ${res.status}`, res.status >= 500 ? 'not_sent' : 'unknown');
  return body as T;
}

/** Graph errors every Meta channel shares (expired token, throttling); channel-specific codes first in the caller. */
export function mapGraphError(e: unknown): unknown {
  if (!(e instanceof GraphApiError)) return undefined;
  if (e.code === 190 || e.code === 102 || e.status === 401) return new ChannelAuthError(`Meta rejected the access token (${e.message})`);
  // application / account throttling: Meta gives no retry-after; a minute is its documented advice
  if (e.code === 4 || e.code === 17 || e.code === 32 || e.code === 613 || e.status === 429) return new ChannelRateLimitedError(60, `Meta: ${e.message}`);
  if (e.status >= 500) return new ChannelUnavailableError(`Meta: ${e.message}`, 'not_sent', { code: e.code });
  return new ChannelRejectedError(`Meta: ${e.message}${e.details ? ` (${e.details})` : ''}`, 'rejected', e.code);
}
