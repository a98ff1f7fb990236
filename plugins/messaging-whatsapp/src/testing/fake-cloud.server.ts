// A local WhatsApp Cloud API (Graph API): phone numbers with their access token and app secret,
// `POST /<version>/<phone-number-id>/messages` (text, interactive reply buttons, templates, media)
// with the Graph error body, media upload and download, and the webhooks Meta sends, signed with
// X-Hub-Signature-256: the customer's messages and button replies, and the statuses of ours —
// `sent`, `delivered`, `read`, or `failed` with error 131047 when the 24-hour window was closed
// (the Cloud API accepts such a message and reports the failure afterwards, as this fake does).
// The URL handshake (GET hub.challenge with the verify token) runs when a test subscribes a URL.
import crypto from 'node:crypto';
import { FakeHttpServer, jsonReply, type FakeReply, type FakeRequest, type SendResult } from '@atrium/sdk/testing';
import { hubSignature } from '@atrium/sdk/messaging';

export type CloudNumber = { id: string; display: string; name: string; token: string; appSecret: string; webhook: string | null };
type Sent = { id: string; phoneNumberId: string; to: string; type: string; body: any; at: number };
type Template = { name: string; language: string; params: number };

const graphError = (status: number, code: number, message: string, details?: string): FakeReply =>
  jsonReply(status, { error: { message: `(#${code}) ${message}`, type: 'OAuthException', code, ...(details ? { error_data: { messaging_product: 'whatsapp', details } } : {}), fbtrace_id: crypto.randomBytes(8).toString('base64url') } });

export class FakeWhatsAppCloud extends FakeHttpServer {
  readonly numbers = new Map<string, CloudNumber>();
  readonly sent: Sent[] = [];
  readonly templates: Template[] = [];
  readonly media = new Map<string, { data: Buffer; mimeType: string }>();
  readonly webhookDeliveries: (SendResult & { kind: string })[] = [];
  /** When each customer last wrote to each number (the 24-hour window). */
  private readonly lastInbound = new Map<string, number>();
  private forced: { remaining: number; reply: FakeReply } = { remaining: 0, reply: { status: 200 } };
  /** Statuses follow a send by this long (ms); 0 = at once. */
  statusDelayMs = 20;

  static start(): Promise<FakeWhatsAppCloud> {
    return new FakeWhatsAppCloud().listen();
  }

  addNumber(o: { display?: string; name?: string } = {}): CloudNumber {
    const n: CloudNumber = {
      id: String(100_000_000_000_000 + Math.floor(Math.random() * 1e12)), display: o.display ?? '+7 700 000 00 01', name: o.name ?? 'Atrium Test',
      token: `EAAG${crypto.randomBytes(30).toString('base64url')}`, appSecret: crypto.randomBytes(16).toString('hex'), webhook: null,
    };
    this.numbers.set(n.id, n);
    return n;
  }

  approveTemplate(t: Template): void {
    this.templates.push(t);
  }

  /** The next `n` sends answer a Graph error (130429 throughput, 131056 pair rate …). */
  sendErrorNext(n: number, status: number, code: number, message: string): void {
    this.forced = { remaining: n, reply: graphError(status, code, message) };
  }

  /** What Meta's dashboard does when a URL is saved: the GET handshake; the URL is kept only if it echoes the challenge. */
  async subscribe(n: CloudNumber, url: string, verifyToken: string): Promise<boolean> {
    const challenge = String(Math.floor(Math.random() * 1e9));
    const r = await this.send(`${url}?hub.mode=subscribe&hub.challenge=${challenge}&hub.verify_token=${encodeURIComponent(verifyToken)}`, { method: 'GET' });
    if (r.status === 200 && r.body === challenge) {
      n.webhook = url;
      return true;
    }
    return false;
  }

  // ---- the customer's side -------------------------------------------------------------------

  /** The customer writes (text, or a reply to our message, or presses one of our reply buttons). */
  async userSends(n: CloudNumber, waId: string, o: { text?: string; name?: string; replyTo?: string; button?: { id: string; title: string }; image?: Buffer }, delivery: { signature?: 'valid' | 'wrong' | 'missing'; times?: number; concurrent?: boolean } = {}): Promise<{ wamid: string; results: SendResult[] }> {
    const wamid = `wamid.${crypto.randomBytes(20).toString('base64url')}`;
    const msg: Record<string, unknown> = { from: waId, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)) };
    if (o.button) Object.assign(msg, { type: 'interactive', interactive: { type: 'button_reply', button_reply: o.button } });
    else if (o.image) {
      const id = crypto.randomBytes(8).toString('hex');
      this.media.set(id, { data: o.image, mimeType: 'image/jpeg' });
      Object.assign(msg, { type: 'image', image: { id, mime_type: 'image/jpeg', sha256: crypto.createHash('sha256').update(o.image).digest('base64'), ...(o.text ? { caption: o.text } : {}) } });
    } else Object.assign(msg, { type: 'text', text: { body: o.text ?? '' } });
    if (o.replyTo) msg.context = { from: n.display.replace(/\D/g, ''), id: o.replyTo };
    this.lastInbound.set(`${n.id}:${waId}`, Date.now());
    const results = await this.notify(n, { contacts: [{ profile: { name: o.name ?? 'Customer' }, wa_id: waId }], messages: [msg] }, delivery);
    return { wamid, results };
  }

  /** The customer opens our message. */
  read(wamid: string): Promise<SendResult[]> {
    const s = this.sent.find((x) => x.id === wamid);
    if (!s) throw new Error(`no message ${wamid}`);
    return this.status(this.numbers.get(s.phoneNumberId)!, s, 'read');
  }

  /** Pretends the customer last wrote `hoursAgo` hours ago (moves the 24-hour window). */
  setLastInbound(n: CloudNumber, waId: string, hoursAgo: number): void {
    this.lastInbound.set(`${n.id}:${waId}`, Date.now() - hoursAgo * 3600_000);
  }

  private status(n: CloudNumber, s: Sent, status: 'sent' | 'delivered' | 'read' | 'failed', error?: { code: number; title: string; message: string; details: string }): Promise<SendResult[]> {
    return this.notify(n, {
      statuses: [{
        id: s.id, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: s.to,
        ...(error ? { errors: [{ code: error.code, title: error.title, message: error.message, error_data: { details: error.details } }] } : {}),
      }],
    });
  }

  /** A signed webhook about this number, as Meta posts it to the app's URL. */
  async notify(n: CloudNumber, value: Record<string, unknown>, o: { signature?: 'valid' | 'wrong' | 'missing'; times?: number; concurrent?: boolean } = {}): Promise<SendResult[]> {
    if (!n.webhook) return [];
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'WABA', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: n.display.replace(/\D/g, ''), phone_number_id: n.id }, ...value } }] }] });
    const sig = o.signature === 'missing' ? null : hubSignature(body, o.signature === 'wrong' ? 'not-the-app-secret' : n.appSecret);
    const one = async () => {
      const r = await this.send(n.webhook!, { headers: { 'content-type': 'application/json', ...(sig ? { 'x-hub-signature-256': sig } : {}) }, body });
      this.webhookDeliveries.push({ ...r, kind: Object.keys(value).join(',') });
      return r;
    };
    const times = o.times ?? 1;
    if (o.concurrent) return Promise.all(Array.from({ length: times }, one));
    const out: SendResult[] = [];
    for (let i = 0; i < times; i++) out.push(await one());
    return out;
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    const download = /^\/media-download\/([^/]+)$/.exec(req.path);
    const m = /^\/(v\d+\.\d+)\/([^/]+)(?:\/(messages|media))?$/.exec(req.path);
    const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
    const known = [...this.numbers.values()].find((x) => x.token === token);
    if (!known) return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    if (download) {
      const f = this.media.get(download[1]!);
      return f ? { status: 200, headers: { 'content-type': f.mimeType }, body: f.data } : graphError(404, 100, 'Unsupported get request');
    }
    if (!m) return graphError(400, 100, 'Unknown path');
    const [, , id, op] = m;
    if (!op && req.method === 'GET') {
      const media = this.media.get(id!);
      if (media) return jsonReply(200, { messaging_product: 'whatsapp', url: `${this.baseUrl}/media-download/${id}`, mime_type: media.mimeType, file_size: media.data.length, id });
      const n = this.numbers.get(id!);
      if (!n || n.token !== token) return graphError(400, 100, `Unsupported get request. Object with ID '${id}' does not exist`);
      return jsonReply(200, { id: n.id, display_phone_number: n.display, verified_name: n.name, quality_rating: 'GREEN' });
    }
    const n = this.numbers.get(id!);
    if (!n || n.token !== token) return graphError(400, 100, `Object with ID '${id}' does not exist, cannot be loaded due to missing permissions`);
    if (op === 'media') return this.upload(req);
    if (op === 'messages' && req.method === 'POST') return this.message(n, JSON.parse(req.text || '{}'));
    return graphError(400, 100, 'Unsupported request');
  }

  private async upload(req: FakeRequest): Promise<FakeReply> {
    const form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
    const file = form.get('file') as File | null;
    if (form.get('messaging_product') !== 'whatsapp' || !file) return graphError(400, 100, 'Param messaging_product and file are required');
    const id = crypto.randomBytes(8).toString('hex');
    this.media.set(id, { data: Buffer.from(await file.arrayBuffer()), mimeType: file.type });
    return jsonReply(200, { id });
  }

  private message(n: CloudNumber, b: any): FakeReply {
    if (b.messaging_product !== 'whatsapp') return graphError(400, 100, 'The parameter messaging_product is required');
    if (!/^\d{7,15}$/.test(String(b.to ?? ''))) return graphError(400, 100, 'Invalid parameter', 'to must be a phone number');
    if (this.forced.remaining > 0) {
      this.forced.remaining--;
      return this.forced.reply;
    }
    if (b.type === 'text' && (!b.text?.body || b.text.body.length > 4096)) return graphError(400, 100, 'Invalid parameter', 'text.body must be 1 to 4096 characters');
    if (b.type === 'interactive') {
      const buttons = b.interactive?.action?.buttons ?? [];
      if (!buttons.length || buttons.length > 3 || buttons.some((x: any) => !x.reply?.title || x.reply.title.length > 20)) return graphError(400, 131009, 'Parameter value is not valid', 'up to 3 buttons, titles of 1 to 20 characters');
    }
    if (b.type === 'template') {
      const t = this.templates.find((x) => x.name === b.template?.name && x.language === b.template?.language?.code);
      if (!t) return graphError(404, 132001, 'Template name does not exist in the translation', `template ${b.template?.name} (${b.template?.language?.code}) does not exist`);
      const given = b.template?.components?.find((c: any) => c.type === 'body')?.parameters?.length ?? 0;
      if (given !== t.params) return graphError(400, 132000, 'Number of parameters does not match the expected number of params', `body: expected ${t.params}, got ${given}`);
    }
    const s: Sent = { id: `wamid.${crypto.randomBytes(20).toString('base64url')}`, phoneNumberId: n.id, to: b.to, type: b.type, body: b, at: Date.now() };
    this.sent.push(s);
    // the Cloud API accepts, then tells what happened: outside the window a free-form message fails
    const last = this.lastInbound.get(`${n.id}:${b.to}`);
    const closed = b.type !== 'template' && (last === undefined || Date.now() - last > 24 * 3600_000);
    setTimeout(async () => {
      if (closed) {
        await this.status(n, s, 'failed', { code: 131047, title: 'Re-engagement message', message: 'Re-engagement message', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' });
        return;
      }
      await this.status(n, s, 'sent');
      await this.status(n, s, 'delivered');
    }, this.statusDelayMs).unref();
    return jsonReply(200, { messaging_product: 'whatsapp', contacts: [{ input: b.to, wa_id: b.to }], messages: [{ id: s.id }] });
  }
}
