// A local Graph API for the Messenger Platform and Instagram Messaging: pages (or Instagram
// accounts) with their token and app secret, `POST /<version>/<page id>/messages` (JSON, or
// multipart with `filedata`) with Meta's checks and error bodies — an unknown person (100/2018001),
// outside the 24-hour window (10/2018278), blocked (551), text too long, quick replies beyond 13 or
// 20 characters, a bad token (190) — and the page webhooks Meta sends, signed with
// X-Hub-Signature-256: a person's messages, quick-reply answers and postbacks, and the `delivery`
// (and, on Instagram, `read`) of ours. Echoes of our own messages come too, as Meta sends them.
import crypto from 'node:crypto';
import { FakeHttpServer, jsonReply, type FakeReply, type FakeRequest, type SendResult } from '@atrium/sdk/testing';
import { hubSignature } from '@atrium/sdk/messaging';

export type FakePage = { id: string; name: string; channel: 'facebook' | 'instagram'; token: string; appSecret: string; webhook: string | null; people: Map<string, { lastInbound: number; blocked: boolean }> };

const graphError = (status: number, code: number, message: string, subcode?: number): FakeReply =>
  jsonReply(status, { error: { message, type: 'OAuthException', code, ...(subcode ? { error_subcode: subcode } : {}), fbtrace_id: crypto.randomBytes(8).toString('base64url') } });

export class FakeMeta extends FakeHttpServer {
  readonly pages = new Map<string, FakePage>();
  readonly sent: { mid: string; pageId: string; to: string; body: any; file: string | null }[] = [];
  readonly webhookDeliveries: SendResult[] = [];
  statusDelayMs = 20;

  static start(): Promise<FakeMeta> {
    return new FakeMeta().listen();
  }

  addPage(o: { name?: string; channel?: 'facebook' | 'instagram' } = {}): FakePage {
    const p: FakePage = {
      id: String(100_000_000_000 + Math.floor(Math.random() * 1e11)), name: o.name ?? 'Atrium Page', channel: o.channel ?? 'facebook',
      token: `EAAB${crypto.randomBytes(30).toString('base64url')}`, appSecret: crypto.randomBytes(16).toString('hex'), webhook: null, people: new Map(),
    };
    this.pages.set(p.id, p);
    return p;
  }

  /** Saving the callback URL in the app: the GET handshake must echo the challenge. */
  async subscribe(p: FakePage, url: string, verifyToken: string): Promise<boolean> {
    const challenge = crypto.randomBytes(6).toString('hex');
    const r = await this.send(`${url}?hub.mode=subscribe&hub.challenge=${challenge}&hub.verify_token=${encodeURIComponent(verifyToken)}`, { method: 'GET' });
    const ok = r.status === 200 && r.body === challenge;
    if (ok) p.webhook = url;
    return ok;
  }

  // ---- the person's side ---------------------------------------------------------------------

  /** A person writes to the page (text, a quick-reply answer, or a button postback); answers their page-scoped id and the mid. */
  async userSends(p: FakePage, o: { psid?: string; text?: string; quickReply?: string; postback?: { payload: string; title: string } }, delivery: { signature?: 'valid' | 'wrong' | 'missing'; times?: number; concurrent?: boolean } = {}): Promise<{ psid: string; mid: string; results: SendResult[] }> {
    const psid = o.psid ?? String(7_000_000_000_000_000 + Math.floor(Math.random() * 1e15));
    const person = p.people.get(psid) ?? { lastInbound: 0, blocked: false };
    person.lastInbound = Date.now();
    p.people.set(psid, person);
    const mid = `m_${crypto.randomBytes(18).toString('base64url')}`;
    const event: Record<string, unknown> = { sender: { id: psid }, recipient: { id: p.id }, timestamp: Date.now() };
    if (o.postback) event.postback = { mid, ...o.postback };
    else event.message = { mid, ...(o.text !== undefined ? { text: o.text } : {}), ...(o.quickReply ? { quick_reply: { payload: o.quickReply } } : {}) };
    return { psid, mid, results: await this.notify(p, [event], delivery) };
  }

  /** The person read our message (Instagram names it; Messenger would give a watermark). */
  read(mid: string): Promise<SendResult[]> {
    const s = this.sent.find((x) => x.mid === mid)!;
    const p = this.pages.get(s.pageId)!;
    return this.notify(p, [{ sender: { id: s.to }, recipient: { id: p.id }, timestamp: Date.now(), read: { mid } }]);
  }

  setLastInbound(p: FakePage, psid: string, hoursAgo: number): void {
    p.people.get(psid)!.lastInbound = Date.now() - hoursAgo * 3600_000;
  }

  block(p: FakePage, psid: string): void {
    p.people.get(psid)!.blocked = true;
  }

  async notify(p: FakePage, messaging: Record<string, unknown>[], o: { signature?: 'valid' | 'wrong' | 'missing'; times?: number; concurrent?: boolean } = {}): Promise<SendResult[]> {
    if (!p.webhook) return [];
    const body = JSON.stringify({ object: p.channel === 'instagram' ? 'instagram' : 'page', entry: [{ id: p.id, time: Date.now(), messaging }] });
    const sig = o.signature === 'missing' ? null : hubSignature(body, o.signature === 'wrong' ? 'not-the-secret' : p.appSecret);
    const one = async () => {
      const r = await this.send(p.webhook!, { headers: { 'content-type': 'application/json', ...(sig ? { 'x-hub-signature-256': sig } : {}) }, body });
      this.webhookDeliveries.push(r);
      return r;
    };
    if (o.concurrent) return Promise.all(Array.from({ length: o.times ?? 1 }, one));
    const out: SendResult[] = [];
    for (let i = 0; i < (o.times ?? 1); i++) out.push(await one());
    return out;
  }

  // ---- HTTP ----------------------------------------------------------------------------------

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    const m = /^\/v\d+\.\d+\/(\d+)(\/messages)?$/.exec(req.path);
    const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '') || req.query.get('access_token') || '';
    const p = m ? this.pages.get(m[1]!) : undefined;
    if (!p || p.token !== token) return graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token');
    if (!m![2]) return jsonReply(200, { id: p.id, name: p.name, ...(p.channel === 'instagram' ? { username: p.name.toLowerCase().replace(/\W+/g, '_') } : {}) });
    if (req.method !== 'POST') return graphError(400, 100, 'Unsupported request');
    let body: any;
    let file: string | null = null;
    if (String(req.headers['content-type']).startsWith('multipart/form-data')) {
      const form = await new Response(new Uint8Array(req.body), { headers: { 'content-type': String(req.headers['content-type']) } }).formData();
      const f = form.get('filedata') as File | null;
      if (!f) return graphError(400, 100, 'No file was uploaded');
      file = f.name;
      body = { recipient: JSON.parse(String(form.get('recipient'))), messaging_type: form.get('messaging_type'), message: JSON.parse(String(form.get('message'))) };
    } else body = JSON.parse(req.text || '{}');
    const to = String(body.recipient?.id ?? '');
    const person = p.people.get(to);
    if (!person) return graphError(400, 100, 'No matching user found', 2018001);
    if (person.blocked) return graphError(400, 551, 'This person isn\'t available right now.');
    if (Date.now() - person.lastInbound > 24 * 3600_000) return graphError(400, 10, 'This message is sent outside of allowed window.', 2018278);
    const max = p.channel === 'instagram' ? 1000 : 2000;
    const text = body.message?.text;
    if (text !== undefined && (!String(text).length || String(text).length > max)) return graphError(400, 100, `(#100) Length of param message[text] must be less than or equal to ${max}`);
    const qr = body.message?.quick_replies ?? [];
    if (qr.length > 13 || qr.some((q: any) => !q.title || q.title.length > 20)) return graphError(400, 100, '(#100) param message[quick_replies] must have at most 13 items with titles of at most 20 characters');
    const mid = `m_${crypto.randomBytes(18).toString('base64url')}`;
    this.sent.push({ mid, pageId: p.id, to, body, file });
    setTimeout(async () => {
      await this.notify(p, [{ sender: { id: p.id }, recipient: { id: to }, timestamp: Date.now(), message: { mid, is_echo: true, ...(text ? { text } : {}) } }]);
      await this.notify(p, [{ sender: { id: to }, recipient: { id: p.id }, timestamp: Date.now(), delivery: { mids: [mid], watermark: Date.now() } }]);
    }, this.statusDelayMs).unref();
    return jsonReply(200, { recipient_id: to, message_id: mid });
  }
}
