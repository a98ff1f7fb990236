// WAHA (WhatsApp HTTP API, self-hosted WhatsApp Web): sessions, the QR code, sending, and its
// webhooks (signed `X-Webhook-Hmac`: hex HMAC-SHA512 of the raw body with the session's key).
import crypto from 'node:crypto';
import {
  ChannelAuthError, ChannelRateLimitedError, ChannelRejectedError, ChannelUnavailableError, InboundSignatureError,
  type InboundEvent, type OutboundMessage, type SessionState,
} from '@atrium/sdk/messaging';

export type WahaOptions = { baseUrl: string; apiKey?: string; fetch: typeof globalThis.fetch };
export type WahaSession = { name: string; status: 'STOPPED' | 'STARTING' | 'SCAN_QR_CODE' | 'WORKING' | 'FAILED'; me?: { id: string; pushName?: string } | null };

/** WAHA answered with an HTTP error (its body is NestJS's `{ statusCode, message, error }`). */
export class WahaApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(`WAHA ${status}: ${message}`);
    this.name = 'WahaApiError';
    this.status = status;
  }
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class WahaApi {
  private readonly o: WahaOptions;
  constructor(o: WahaOptions) {
    this.o = o;
  }

  private async call<T>(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<T> {
    let res: Response;
    try {
      res = await this.o.fetch(`${this.o.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers: { accept, ...(this.o.apiKey ? { 'x-api-key': this.o.apiKey } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      if (typeof (e as { type?: unknown })?.type === 'string') throw e;
      const code = (e as { cause?: { code?: string } })?.cause?.code;
      throw new ChannelUnavailableError(`WAHA: ${(e as Error)?.name === 'TimeoutError' ? 'no answer in time' : 'unreachable'}`, code && REFUSED.has(code) ? 'not_sent' : 'unknown');
    }
    if (accept.startsWith('image/') && res.ok) return Buffer.from(await res.arrayBuffer()) as T;
    const text = await res.text();
    let json: any = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      if (!res.ok) throw new WahaApiError(res.status, text.slice(0, 200));
    }
    if (!res.ok) throw new WahaApiError(res.status, Array.isArray(json?.message) ? json.message.join('; ') : String(json?.message ?? json?.error ?? res.statusText));
    return json as T;
  }

  session(name: string) {
    return this.call<WahaSession>('GET', `/api/sessions/${encodeURIComponent(name)}`);
  }
  /** Creates the session with our webhook, or (it exists) gives it the new configuration; starts it. */
  async ensureSession(name: string, config: Record<string, unknown>): Promise<WahaSession> {
    try {
      await this.call('POST', '/api/sessions', { name, start: true, config });
    } catch (e) {
      if (!(e instanceof WahaApiError) || (e.status !== 422 && e.status !== 409)) throw e;
      await this.call('PUT', `/api/sessions/${encodeURIComponent(name)}`, { name, config });
      const s = await this.session(name);
      if (s.status === 'STOPPED' || s.status === 'FAILED') await this.call('POST', `/api/sessions/${encodeURIComponent(name)}/start`);
    }
    return this.session(name);
  }
  stop(name: string) {
    return this.call('POST', `/api/sessions/${encodeURIComponent(name)}/stop`);
  }
  qr(name: string) {
    return this.call<Buffer>('GET', `/api/${encodeURIComponent(name)}/auth/qr`, undefined, 'image/png');
  }
  sendText(p: { session: string; chatId: string; text: string; reply_to?: string }) {
    return this.call<{ id: string | { _serialized: string } }>('POST', '/api/sendText', p);
  }
  sendFile(kind: 'sendImage' | 'sendFile' | 'sendVoice' | 'sendVideo', p: { session: string; chatId: string; file: { mimetype: string; filename: string; data: string }; caption?: string; reply_to?: string }) {
    return this.call<{ id: string | { _serialized: string } }>('POST', `/api/${kind}`, p);
  }
  /** A media URL WAHA gave in a webhook (on the WAHA server itself). */
  async download(url: string): Promise<{ data: Buffer; mimeType: string }> {
    const res = await this.o.fetch(url, { headers: this.o.apiKey ? { 'x-api-key': this.o.apiKey } : {}, signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new WahaApiError(res.status, 'media download failed');
    return { data: Buffer.from(await res.arrayBuffer()), mimeType: res.headers.get('content-type') ?? 'application/octet-stream' };
  }
}

export function mapWahaError(e: unknown): unknown {
  if (!(e instanceof WahaApiError)) return undefined;
  if (e.status === 401 || e.status === 403) return new ChannelAuthError(`WAHA refused the API key (${e.message})`);
  if (e.status === 429) return new ChannelRateLimitedError(30, e.message);
  if (e.status === 404) return new ChannelRejectedError(`${e.message} (is the session started?)`, 'rejected', 404);
  if (e.status === 422) return new ChannelUnavailableError(`${e.message} (the session is not working: scan the QR code again)`, 'not_sent');
  if (e.status >= 500) return new ChannelUnavailableError(e.message, 'not_sent');
  return new ChannelRejectedError(e.message, 'rejected', e.status);
}

/** hex HMAC-SHA512 of the body with the key: what WAHA sends in X-Webhook-Hmac (and its fake signs with). */
export const wahaHmac = (body: Buffer | string, key: string) => crypto.createHmac('sha512', key).update(body).digest('hex');

export function verifyWahaHmac(body: Buffer, header: string | undefined, key: string | undefined): void {
  if (!header) throw new InboundSignatureError('missing', 'The X-Webhook-Hmac header is missing');
  if (!key) throw new InboundSignatureError('no_key', 'This account has no webhook key yet: connect it again');
  const expected = Buffer.from(wahaHmac(body, key), 'hex');
  const given = Buffer.from(/^[0-9a-f]+$/i.test(header) ? header.toLowerCase() : '', 'hex');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw new InboundSignatureError('mismatch', 'The X-Webhook-Hmac signature does not match');
}

/** `77011234567@c.us` ↔ `+77011234567` */
export const chatIdOf = (phone: string) => `${phone.replace(/\D/g, '')}@c.us`;
const phoneOf = (chatId: string) => `+${chatId.split('@')[0]!.replace(/\D/g, '')}`;
export const messageIdOf = (r: { id: string | { _serialized: string } }) => (typeof r.id === 'string' ? r.id : r.id._serialized);

type WahaEnvelope = { id?: string; event: string; session: string; payload: any };
const ACK: Record<number, 'sent' | 'delivered' | 'read' | 'failed'> = { [-1]: 'failed', 1: 'sent', 2: 'delivered', 3: 'read', 4: 'read' };

/** Events of this account's session: incoming private messages, acks, session state. Groups and our own messages are skipped. */
export function normaliseWahaWebhook(e: WahaEnvelope, session: string): InboundEvent[] {
  if (e.session !== session) return [];
  const p = e.payload ?? {};
  if (e.event === 'message') {
    if (p.fromMe || typeof p.from !== 'string' || !p.from.endsWith('@c.us')) return [];
    const attachments = p.hasMedia && p.media?.url ? [{ kind: String(p.media.mimetype ?? '').startsWith('image/') ? 'image' as const : 'document' as const, ref: String(p.media.url), mimeType: p.media.mimetype, ...(p.media.filename ? { name: p.media.filename } : {}) }] : [];
    return [{
      type: 'message', eventId: String(p.id), providerMessageId: String(p.id), chatId: p.from, occurredAt: new Date(Number(p.timestamp) * 1000).toISOString(),
      from: { kind: 'whatsapp', id: phoneOf(p.from), ...(p._data?.notifyName ? { name: String(p._data.notifyName) } : {}) },
      ...(p.body ? { text: String(p.body) } : {}), ...(attachments.length ? { attachments } : {}), ...(p.replyTo?.id ? { replyTo: String(p.replyTo.id) } : {}),
    }];
  }
  if (e.event === 'message.ack') {
    const status = ACK[Number(p.ack)];
    if (!status || !p.id) return [];
    return [{ type: 'status', eventId: `${p.id}:ack${p.ack}`, providerMessageId: String(p.id), status }];
  }
  if (e.event === 'session.status') {
    const status = p.status === 'WORKING' ? 'connected' : p.status === 'SCAN_QR_CODE' ? 'pending' : p.status === 'FAILED' ? 'error' : null;
    if (!status) return [];
    return [{ type: 'account', eventId: e.id ?? `session:${p.status}:${Date.now()}`, status, ...(status === 'error' ? { detail: 'The WhatsApp session failed: scan the QR code again' } : {}) }];
  }
  return [];
}

export function sessionState(s: WahaSession, qr: Buffer | null): SessionState {
  const status = s.status === 'WORKING' ? 'connected' : s.status === 'SCAN_QR_CODE' || s.status === 'STARTING' ? 'pending' : s.status === 'FAILED' ? 'failed' : 'stopped';
  return { status, ...(qr ? { qr: { kind: 'data-url' as const, value: `data:image/png;base64,${qr.toString('base64')}` } } : {}) };
}

/** One provider message as WAHA takes it (no buttons on WhatsApp Web: the core sent them as text). */
export async function wahaSend(api: WahaApi, session: string, m: OutboundMessage): Promise<string> {
  const chatId = m.chatId.includes('@') ? m.chatId : chatIdOf(m.chatId);
  const reply = m.replyTo ? { reply_to: m.replyTo } : {};
  const file = m.media?.[0];
  if (file) {
    const kind = file.mimeType.startsWith('image/') ? 'sendImage' : file.mimeType.startsWith('video/') ? 'sendVideo' : file.mimeType === 'audio/ogg' ? 'sendVoice' : 'sendFile';
    return messageIdOf(await api.sendFile(kind, { session, chatId, file: { mimetype: file.mimeType, filename: file.name, data: file.data }, ...(file.caption ? { caption: file.caption } : {}), ...reply }));
  }
  return messageIdOf(await api.sendText({ session, chatId, text: m.text ?? '', ...reply }));
}
