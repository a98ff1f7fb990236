// A local WAHA server (WhatsApp HTTP API): sessions with WAHA's states (STARTING → SCAN_QR_CODE →
// WORKING, FAILED, STOPPED), its QR code endpoint (a PNG), sendText / sendImage / sendFile (422
// while the session is not working), the X-Api-Key check, and its webhooks: the envelope
// `{ id, timestamp, event, session, me, payload }`, signed with X-Webhook-Hmac (hex HMAC-SHA512 of
// the body with the session's key). Test hooks stand in for the phone: scan the QR code, a person
// writes, reads our message, the session fails.
import crypto from 'node:crypto';
import { FakeHttpServer, jsonReply, type FakeReply, type FakeRequest, type SendResult } from '@atrium/sdk/testing';
import { wahaHmac } from '../waha.ts';

type Webhook = { url: string; events: string[]; hmac?: { key: string } };
export type FakeWahaSession = { name: string; status: 'STOPPED' | 'STARTING' | 'SCAN_QR_CODE' | 'WORKING' | 'FAILED'; webhooks: Webhook[]; me: { id: string; pushName: string } | null; phone: string };

// the smallest valid PNG (1×1, white): what the QR endpoint returns (a real QR changes every 20 s)
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==', 'base64');
const nest = (status: number, message: string, error: string) => jsonReply(status, { statusCode: status, message, error });

export class FakeWaha extends FakeHttpServer {
  readonly sessions = new Map<string, FakeWahaSession>();
  readonly sent: { id: string; session: string; chatId: string; kind: string; body: any }[] = [];
  readonly webhookDeliveries: (SendResult & { event: string })[] = [];
  readonly apiKey: string | null;

  constructor(apiKey: string | null) {
    super();
    this.apiKey = apiKey;
  }

  static start(o: { apiKey?: string | null } = {}): Promise<FakeWaha> {
    return new FakeWaha(o.apiKey === undefined ? 'waha-test-key' : o.apiKey).listen();
  }

  // ---- the phone's side ----------------------------------------------------------------------

  /** The owner scans the QR code with the phone: the session works. */
  async scan(name: string, phone = '77010000001'): Promise<void> {
    const s = this.session(name);
    s.status = 'WORKING';
    s.phone = phone;
    s.me = { id: `${phone}@c.us`, pushName: 'Salon' };
    await this.emit(s, 'session.status', { status: 'WORKING' });
  }

  async fail(name: string): Promise<void> {
    const s = this.session(name);
    s.status = 'FAILED';
    await this.emit(s, 'session.status', { status: 'FAILED' });
  }

  /** A person writes from their phone. */
  async userSends(name: string, phone: string, text: string, o: { pushName?: string; signature?: 'valid' | 'wrong' | 'missing'; times?: number; concurrent?: boolean } = {}): Promise<{ id: string; results: SendResult[] }> {
    const s = this.session(name);
    const chatId = `${phone.replace(/\D/g, '')}@c.us`;
    const id = `false_${chatId}_${crypto.randomBytes(10).toString('hex').toUpperCase()}`;
    const payload = { id, timestamp: Math.floor(Date.now() / 1000), from: chatId, fromMe: false, to: s.me?.id ?? '', body: text, hasMedia: false, _data: { notifyName: o.pushName ?? 'Customer' } };
    const results = await this.emit(s, 'message', payload, o);
    return { id, results };
  }

  read(messageId: string): Promise<SendResult[]> {
    const m = this.sent.find((x) => x.id === messageId);
    if (!m) throw new Error(`no message ${messageId}`);
    return this.emit(this.session(m.session), 'message.ack', { id: m.id, from: this.session(m.session).me?.id, to: m.chatId, ack: 3, ackName: 'READ' });
  }

  private session(name: string): FakeWahaSession {
    const s = this.sessions.get(name);
    if (!s) throw new Error(`no session ${name}`);
    return s;
  }

  /** A webhook event to every URL of the session subscribed to it, signed with its key. */
  async emit(s: FakeWahaSession, event: string, payload: unknown, o: { signature?: 'valid' | 'wrong' | 'missing'; times?: number; concurrent?: boolean } = {}): Promise<SendResult[]> {
    const out: SendResult[] = [];
    for (const w of s.webhooks.filter((x) => x.events.includes(event) || x.events.includes('*'))) {
      const body = JSON.stringify({ id: `evt_${crypto.randomBytes(12).toString('hex')}`, timestamp: Date.now(), event, session: s.name, me: s.me, payload, engine: 'WEBJS', environment: { version: '2025.1', engine: 'WEBJS' } });
      const key = w.hmac?.key;
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-webhook-request-id': crypto.randomUUID(), 'x-webhook-timestamp': String(Date.now()) };
      if (key && o.signature !== 'missing') Object.assign(headers, { 'x-webhook-hmac': wahaHmac(body, o.signature === 'wrong' ? 'not-the-key' : key), 'x-webhook-hmac-algorithm': 'sha512' });
      const one = async () => {
        const r = await this.send(w.url, { headers, body });
        this.webhookDeliveries.push({ ...r, event });
        return r;
      };
      const times = o.times ?? 1;
      if (o.concurrent) out.push(...(await Promise.all(Array.from({ length: times }, one))));
      else for (let i = 0; i < times; i++) out.push(await one());
    }
    return out;
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    if (this.apiKey && req.headers['x-api-key'] !== this.apiKey) return nest(401, 'Unauthorized', 'Unauthorized');
    const body = req.text ? JSON.parse(req.text) : {};
    const p = req.path;
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && p === '/api/sessions') {
      if (!body.name) return nest(400, 'name must be a string', 'Bad Request');
      if (this.sessions.has(body.name)) return nest(422, `Session '${body.name}' already exists. Use PUT to update it.`, 'Unprocessable Entity');
      const s: FakeWahaSession = { name: body.name, status: 'STOPPED', webhooks: body.config?.webhooks ?? [], me: null, phone: '' };
      this.sessions.set(s.name, s);
      if (body.start !== false) s.status = 'SCAN_QR_CODE';
      return jsonReply(201, { name: s.name, status: s.status, config: body.config ?? {} });
    }
    if ((m = /^\/api\/sessions\/([^/]+)$/.exec(p))) {
      const s = this.sessions.get(decodeURIComponent(m[1]!));
      if (!s) return nest(404, 'Session not found', 'Not Found');
      if (req.method === 'PUT') {
        s.webhooks = body.config?.webhooks ?? [];
        return jsonReply(200, { name: s.name, status: s.status });
      }
      return jsonReply(200, { name: s.name, status: s.status, me: s.me, config: { webhooks: s.webhooks.map((w) => ({ url: w.url, events: w.events })) } });
    }
    if ((m = /^\/api\/sessions\/([^/]+)\/(start|stop)$/.exec(p))) {
      const s = this.sessions.get(decodeURIComponent(m[1]!));
      if (!s) return nest(404, 'Session not found', 'Not Found');
      s.status = m[2] === 'stop' ? 'STOPPED' : s.me ? 'WORKING' : 'SCAN_QR_CODE';
      return jsonReply(201, { name: s.name, status: s.status });
    }
    if ((m = /^\/api\/([^/]+)\/auth\/qr$/.exec(p))) {
      const s = this.sessions.get(decodeURIComponent(m[1]!));
      if (!s) return nest(404, 'Session not found', 'Not Found');
      if (s.status !== 'SCAN_QR_CODE') return nest(422, `Can not get QR code in '${s.status}' status`, 'Unprocessable Entity');
      return { status: 200, headers: { 'content-type': 'image/png' }, body: PNG };
    }
    if ((m = /^\/api\/(sendText|sendImage|sendFile|sendVoice|sendVideo)$/.exec(p)) && req.method === 'POST') {
      const s = this.sessions.get(String(body.session ?? 'default'));
      if (!s) return nest(404, 'Session not found', 'Not Found');
      if (s.status !== 'WORKING') return nest(422, `Session status is not as expected. Try again later or restart the session. Session status: ${s.status}`, 'Unprocessable Entity');
      if (!/^\d+@c\.us$/.test(String(body.chatId ?? ''))) return nest(400, 'chatId must be a phone number followed by @c.us', 'Bad Request');
      if (m[1] === 'sendText' && !String(body.text ?? '').trim()) return nest(400, 'text should not be empty', 'Bad Request');
      const id = `true_${body.chatId}_${crypto.randomBytes(10).toString('hex').toUpperCase()}`;
      this.sent.push({ id, session: s.name, chatId: body.chatId, kind: m[1]!, body });
      // the phone takes it (ack 1, server) and delivers it (ack 2, device)
      setTimeout(async () => {
        await this.emit(s, 'message.ack', { id, from: s.me?.id, to: body.chatId, ack: 1, ackName: 'SERVER' });
        await this.emit(s, 'message.ack', { id, from: s.me?.id, to: body.chatId, ack: 2, ackName: 'DEVICE' });
      }, 20).unref();
      return jsonReply(201, { id, timestamp: Math.floor(Date.now() / 1000), from: s.me?.id, to: body.chatId, fromMe: true, body: body.text ?? body.caption ?? '' });
    }
    return nest(404, `Cannot ${req.method} ${p}`, 'Not Found');
  }
}
