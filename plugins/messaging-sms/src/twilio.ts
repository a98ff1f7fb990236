// Twilio Programmable Messaging: the REST API (form-encoded, basic auth with the account SID and
// auth token), the X-Twilio-Signature scheme, inbound messages and status callbacks.
import crypto from 'node:crypto';
import {
  ChannelAuthError, ChannelRateLimitedError, ChannelRejectedError, ChannelUnavailableError, InboundSignatureError,
  type DeliveryStatus, type InboundEvent,
} from '@atrium/sdk/messaging';

export const TWILIO_API = 'https://api.twilio.com';

/**
 * base64(HMAC-SHA1(auth token, URL + every POST parameter's name and value, sorted by name)) — the
 * URL exactly as Twilio called it, query string included.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  return crypto.createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export function verifyTwilioSignature(authToken: string, url: string, params: Record<string, string>, header: string | undefined): void {
  if (!header) throw new InboundSignatureError('missing', 'The X-Twilio-Signature header is missing');
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(header);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw new InboundSignatureError('mismatch', 'The X-Twilio-Signature signature does not match');
}

/** Twilio answered an error: `{ code, message, more_info, status }`. */
export class TwilioApiError extends Error {
  readonly status: number;
  readonly code: number;
  constructor(status: number, body: { code?: number; message?: string }) {
    super(`Twilio ${body.code ?? status}: ${body.message ?? 'error'}`);
    this.name = 'TwilioApiError';
    this.status = status;
    this.code = body.code ?? status;
  }
}

export function mapTwilioError(e: unknown): unknown {
  if (!(e instanceof TwilioApiError)) return undefined;
  if (e.status === 401 || e.code === 20003) return new ChannelAuthError(`Twilio refused the credentials (${e.message})`);
  if (e.status === 429 || e.code === 20429) return new ChannelRateLimitedError(1, e.message);
  if (e.code === 21610) return new ChannelRejectedError(`Twilio: the recipient replied STOP (${e.message})`, 'blocked', e.code);
  if (e.code === 21211 || e.code === 21614 || e.code === 21408 || e.code === 21612) return new ChannelRejectedError(`Twilio: ${e.message}`, 'invalid_recipient', e.code);
  if (e.status >= 500) return new ChannelUnavailableError(`Twilio: ${e.message}`, 'not_sent');
  return new ChannelRejectedError(`Twilio: ${e.message}`, 'rejected', e.code);
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class TwilioApi {
  private readonly o: { baseUrl: string; accountSid: string; authToken: string; fetch: typeof globalThis.fetch };
  constructor(o: { baseUrl?: string; accountSid: string; authToken: string; fetch: typeof globalThis.fetch }) {
    this.o = { ...o, baseUrl: (o.baseUrl ?? TWILIO_API).replace(/\/+$/, '') };
  }
  private async call<T>(method: string, path: string, form?: Record<string, string>): Promise<T> {
    let res: Response;
    try {
      res = await this.o.fetch(`${this.o.baseUrl}/2010-04-01/Accounts/${this.o.accountSid}${path}`, {
        method,
        headers: { authorization: `Basic ${Buffer.from(`${this.o.accountSid}:${this.o.authToken}`).toString('base64')}`, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body: form ? new URLSearchParams(form).toString() : undefined,
        signal: AbortSignal.timeout(20_000),
      });
    } catch (e) {
      if (typeof (e as { type?: unknown })?.type === 'string') throw e;
      const code = (e as { cause?: { code?: string } })?.cause?.code;
      throw new ChannelUnavailableError(`Twilio: ${(e as Error)?.name === 'TimeoutError' ? 'no answer in time' : 'unreachable'}`, code && REFUSED.has(code) ? 'not_sent' : 'unknown');
    }
    const text = await res.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      throw new ChannelUnavailableError(`Twilio: HTTP ${res.status} without a JSON answer`, res.status >= 500 ? 'not_sent' : 'unknown');
    }
    if (!res.ok) throw new TwilioApiError(res.status, body ?? {});
    return body as T;
  }
  account() {
    return this.call<{ sid: string; friendly_name: string; status: string }>('GET', '.json');
  }
  /** The number's record, to point its "a message comes in" webhook at us. */
  async number(phone: string) {
    const r = await this.call<{ incoming_phone_numbers: { sid: string; phone_number: string; sms_url: string }[] }>('GET', `/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(phone)}`);
    return r.incoming_phone_numbers[0] ?? null;
  }
  setSmsUrl(numberSid: string, url: string) {
    return this.call('POST', `/IncomingPhoneNumbers/${numberSid}.json`, { SmsUrl: url, SmsMethod: 'POST' });
  }
  send(p: { to: string; from: string; body: string; statusCallback?: string }) {
    const form: Record<string, string> = { To: p.to, [p.from.startsWith('MG') ? 'MessagingServiceSid' : 'From']: p.from, Body: p.body };
    if (p.statusCallback) form.StatusCallback = p.statusCallback;
    return this.call<{ sid: string; status: string }>('POST', '/Messages.json', form);
  }
}

const STATUS: Record<string, DeliveryStatus> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed', undelivered: 'failed' };

/** A form-encoded webhook: an inbound SMS (with Twilio's own STOP/START handling) or one of our messages' status. */
export function normaliseTwilio(p: Record<string, string>): InboundEvent[] {
  if (p.MessageStatus && p.MessageSid && !p.Body) {
    const status = STATUS[p.MessageStatus];
    if (!status) return [];
    return [{ type: 'status', eventId: `${p.MessageSid}:${p.MessageStatus}`, providerMessageId: p.MessageSid, status, ...(p.ErrorCode ? { error: { code: p.ErrorCode, message: p.ErrorMessage ?? `Twilio error ${p.ErrorCode}` } } : {}) }];
  }
  if (!p.MessageSid || !p.From) return [];
  const from = { kind: 'phone' as const, id: p.From };
  const events: InboundEvent[] = [{ type: 'message', eventId: p.MessageSid, providerMessageId: p.MessageSid, from, chatId: p.From, ...(p.Body !== undefined ? { text: p.Body } : {}) }];
  // with Advanced Opt-Out Twilio has already handled STOP / START and says so
  if (p.OptOutType === 'STOP') events.push({ type: 'optout', eventId: `${p.MessageSid}:optout`, from, chatId: p.From, reason: 'STOP at the carrier' });
  if (p.OptOutType === 'START') events.push({ type: 'optin', eventId: `${p.MessageSid}:optin`, from, chatId: p.From, reason: 'START at the carrier' });
  return events;
}
