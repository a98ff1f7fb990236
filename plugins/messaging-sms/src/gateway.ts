// The generic SMS gateway contract (README "Generic HTTP gateway"): a JSON send request with our
// reference (the gateway de-duplicates by it), and signed JSON webhooks for inbound messages and
// delivery reports — `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
import crypto from 'node:crypto';
import {
  ChannelAuthError, ChannelRateLimitedError, ChannelRejectedError, ChannelUnavailableError, InboundSignatureError,
  type DeliveryStatus, type InboundEvent, type OutboundMessage,
} from '@atrium/sdk/messaging';

export const GATEWAY_TOLERANCE_SECONDS = 300;

export function gatewaySignature(secret: string, t: number, body: Buffer | string): string {
  return `t=${t},v1=${crypto.createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex')}`;
}

export function verifyGatewaySignature(secret: string, body: Buffer, header: string | undefined, now = Math.floor(Date.now() / 1000)): void {
  if (!header) throw new InboundSignatureError('missing', 'The X-Signature header is missing');
  const parts = Object.fromEntries(header.split(',').map((p) => p.trim().split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) throw new InboundSignatureError('malformed', 'The X-Signature header is not t=<unix>,v1=<hex>');
  if (Math.abs(now - t) > GATEWAY_TOLERANCE_SECONDS) throw new InboundSignatureError('stale', 'The X-Signature timestamp is too old or in the future');
  const expected = Buffer.from(gatewaySignature(secret, t, body).split('v1=')[1]!, 'hex');
  const given = Buffer.from(/^[0-9a-f]+$/i.test(parts.v1) ? parts.v1.toLowerCase() : '', 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw new InboundSignatureError('mismatch', 'The X-Signature signature does not match');
}

/** The gateway's answer to a send it refused. */
export class GatewayError extends Error {
  readonly status: number;
  readonly code: string;
  readonly retryAfter: number | null;
  constructor(status: number, code: string, message: string, retryAfter: number | null) {
    super(`SMS gateway ${status} ${code}: ${message}`);
    this.name = 'GatewayError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export function mapGatewayError(e: unknown): unknown {
  if (!(e instanceof GatewayError)) return undefined;
  if (e.status === 401 || e.status === 403) return new ChannelAuthError(e.message);
  if (e.status === 429) return new ChannelRateLimitedError(e.retryAfter ?? 5, e.message);
  if (e.status >= 500) return new ChannelUnavailableError(e.message, 'not_sent');
  return new ChannelRejectedError(e.message, e.code === 'invalid_recipient' ? 'invalid_recipient' : e.code === 'opted_out' ? 'blocked' : 'rejected', e.code);
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export async function gatewaySend(fetchFn: typeof globalThis.fetch, o: { sendUrl: string; apiKey: string; callbackUrl: string | null }, m: OutboundMessage): Promise<{ id: string }> {
  let res: Response;
  try {
    res = await fetchFn(o.sendUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: m.chatId, text: m.text ?? '', reference: `${m.messageId}:${m.part}`, ...(o.callbackUrl ? { callbackUrl: o.callbackUrl } : {}) }),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (e) {
    if (typeof (e as { type?: unknown })?.type === 'string') throw e;
    const code = (e as { cause?: { code?: string } })?.cause?.code;
    throw new ChannelUnavailableError(`SMS gateway: ${(e as Error)?.name === 'TimeoutError' ? 'no answer in time' : 'unreachable'}`, code && REFUSED.has(code) ? 'not_sent' : 'unknown');
  }
  const body: any = await res.json().catch(() => null);
  if (!res.ok) throw new GatewayError(res.status, String(body?.error?.code ?? res.status), String(body?.error?.message ?? res.statusText), Number(res.headers.get('retry-after')) || null);
  if (!body?.id) throw new ChannelUnavailableError('SMS gateway: the answer has no id', 'unknown');
  return { id: String(body.id) };
}

const STATUS: Record<string, DeliveryStatus> = { sent: 'sent', delivered: 'delivered', failed: 'failed', undelivered: 'failed' };

export function normaliseGateway(p: any): InboundEvent[] {
  if (p?.type === 'status' && p.id && STATUS[p.status]) {
    return [{ type: 'status', eventId: `${p.id}:${p.status}`, providerMessageId: String(p.id), status: STATUS[p.status]!, ...(p.error ? { error: { code: String(p.error.code ?? 'failed'), message: String(p.error.message ?? '') } } : {}) }];
  }
  if (p?.type === 'message' && p.id && p.from) {
    return [{ type: 'message', eventId: String(p.id), providerMessageId: String(p.id), from: { kind: 'phone', id: String(p.from) }, chatId: String(p.from), text: String(p.text ?? ''), ...(p.timestamp ? { occurredAt: new Date(Number(p.timestamp) * 1000).toISOString() } : {}) }];
  }
  return [];
}
