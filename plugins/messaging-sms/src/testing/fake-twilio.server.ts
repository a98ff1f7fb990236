// A local Twilio (Programmable Messaging): accounts with their auth token (HTTP basic auth), phone
// numbers and their "a message comes in" URL, `POST …/Messages.json` (form-encoded) with Twilio's
// error body `{ code, message, more_info, status }` — invalid To (21211), a From not of the account
// (21606), no body (21602), over 1600 characters (21617), a recipient who sent STOP (21610), 429
// (20429) — and the webhooks Twilio sends, signed with X-Twilio-Signature: a person's SMS (with
// OptOutType when it is STOP/START, as Advanced Opt-Out does) and status callbacks (sent, delivered).
import crypto from 'node:crypto';
import { FakeHttpServer, jsonReply, type FakeReply, type FakeRequest, type SendResult } from '@atrium/sdk/testing';
import { twilioSignature } from '../twilio.ts';

export type FakeTwilioAccount = { sid: string; authToken: string; name: string; numbers: { sid: string; phone: string; smsUrl: string }[]; optedOut: Set<string> };
const err = (status: number, code: number, message: string): FakeReply => jsonReply(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
const hex = (n: number) => crypto.randomBytes(n).toString('hex');

export class FakeTwilio extends FakeHttpServer {
  readonly accounts = new Map<string, FakeTwilioAccount>();
  readonly sent: { sid: string; account: string; to: string; from: string; body: string; callback: string | null }[] = [];
  readonly webhookDeliveries: SendResult[] = [];
  private limited = 0;

  static start(): Promise<FakeTwilio> {
    return new FakeTwilio().listen();
  }

  addAccount(phone = '+15005550006'): FakeTwilioAccount {
    const a: FakeTwilioAccount = { sid: `AC${hex(16)}`, authToken: hex(16), name: 'Atrium test', numbers: [{ sid: `PN${hex(16)}`, phone, smsUrl: '' }], optedOut: new Set() };
    this.accounts.set(a.sid, a);
    return a;
  }

  rateLimitNext(n: number): void {
    this.limited = n;
  }

  // ---- the person's side ---------------------------------------------------------------------

  /** A person texts the account's number; Twilio posts it to the number's SMS URL, signed. */
  async userSends(a: FakeTwilioAccount, from: string, body: string, o: { signature?: 'valid' | 'wrong' | 'missing'; times?: number } = {}): Promise<{ sid: string; results: SendResult[] }> {
    const n = a.numbers[0]!;
    const sid = `SM${hex(16)}`;
    const word = body.trim().toUpperCase();
    const optOut = ['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT'].includes(word) ? 'STOP' : ['START', 'YES', 'UNSTOP'].includes(word) ? 'START' : null;
    if (optOut === 'STOP') a.optedOut.add(from);
    if (optOut === 'START') a.optedOut.delete(from);
    const params: Record<string, string> = { ToCountry: 'US', SmsMessageSid: sid, NumMedia: '0', SmsSid: sid, SmsStatus: 'received', Body: body, To: n.phone, NumSegments: '1', MessageSid: sid, AccountSid: a.sid, From: from, ApiVersion: '2010-04-01', ...(optOut ? { OptOutType: optOut } : {}) };
    const results: SendResult[] = [];
    for (let i = 0; i < (o.times ?? 1); i++) results.push(await this.post(a, n.smsUrl, params, o.signature));
    return { sid, results };
  }

  private async post(a: FakeTwilioAccount, url: string, params: Record<string, string>, signature: 'valid' | 'wrong' | 'missing' = 'valid'): Promise<SendResult> {
    if (!url) return { status: null, body: null, error: 'network' };
    const sig = signature === 'missing' ? null : twilioSignature(signature === 'wrong' ? hex(16) : a.authToken, url, params);
    const r = await this.send(url, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...(sig ? { 'x-twilio-signature': sig } : {}) }, body: new URLSearchParams(params).toString() });
    this.webhookDeliveries.push(r);
    return r;
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    const m = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})(\.json|\/IncomingPhoneNumbers\.json|\/IncomingPhoneNumbers\/(PN[0-9a-f]{32})\.json|\/Messages\.json)$/.exec(req.path);
    if (!m) return err(404, 20404, 'The requested resource was not found');
    const a = this.accounts.get(m[1]!);
    const auth = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    if (!a || auth !== `${a.sid}:${a.authToken}`) return err(401, 20003, 'Authenticate');
    const form = Object.fromEntries(new URLSearchParams(req.text));
    if (m[2] === '.json') return jsonReply(200, { sid: a.sid, friendly_name: a.name, status: 'active' });
    if (m[2] === '/IncomingPhoneNumbers.json') {
      const phone = req.query.get('PhoneNumber');
      return jsonReply(200, { incoming_phone_numbers: a.numbers.filter((n) => !phone || n.phone === phone).map((n) => ({ sid: n.sid, phone_number: n.phone, sms_url: n.smsUrl })) });
    }
    if (m[3]) {
      const n = a.numbers.find((x) => x.sid === m[3]);
      if (!n) return err(404, 20404, 'The requested resource was not found');
      if (form.SmsUrl !== undefined) n.smsUrl = form.SmsUrl;
      return jsonReply(200, { sid: n.sid, phone_number: n.phone, sms_url: n.smsUrl });
    }
    if (req.method !== 'POST') return err(405, 20004, 'Method not allowed');
    if (this.limited > 0) {
      this.limited--;
      return err(429, 20429, 'Too Many Requests');
    }
    if (!/^\+[1-9]\d{6,14}$/.test(form.To ?? '')) return err(400, 21211, `The 'To' number ${form.To ?? ''} is not a valid phone number.`);
    if (!a.numbers.some((n) => n.phone === form.From) && !form.MessagingServiceSid) return err(400, 21606, 'The From phone number is not a valid, SMS-capable inbound phone number or short code for your account.');
    if (!form.Body) return err(400, 21602, 'Message body is required.');
    if (form.Body.length > 1600) return err(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (a.optedOut.has(form.To!)) return err(400, 21610, 'Attempt to send to unsubscribed recipient');
    const sid = `SM${hex(16)}`;
    this.sent.push({ sid, account: a.sid, to: form.To!, from: form.From ?? form.MessagingServiceSid!, body: form.Body, callback: form.StatusCallback ?? null });
    if (form.StatusCallback) {
      setTimeout(async () => {
        for (const status of ['sent', 'delivered']) await this.post(a, form.StatusCallback!, { MessageSid: sid, SmsSid: sid, MessageStatus: status, SmsStatus: status, AccountSid: a.sid, To: form.To!, From: form.From ?? '', ApiVersion: '2010-04-01' });
      }, 20).unref();
    }
    return jsonReply(201, { sid, status: 'queued', to: form.To, from: form.From ?? null, body: form.Body, num_segments: String(Math.ceil(form.Body.length / 153)), account_sid: a.sid, api_version: '2010-04-01' });
  }
}
