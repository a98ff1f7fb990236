// A local SMS gateway speaking the generic contract (README "Generic HTTP gateway"): `POST /send`
// with a bearer key, de-duplicated by our `reference` (the same reference twice is one SMS, answered
// with the same id), delivery reports to the send's `callbackUrl`, and a person's SMS to the
// inbound URL — both signed `X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
import crypto from 'node:crypto';
import { FakeHttpServer, jsonReply, type FakeReply, type FakeRequest, type SendResult } from '@atrium/sdk/testing';
import { gatewaySignature } from '../gateway.ts';

export class FakeSmsGateway extends FakeHttpServer {
  readonly apiKey = `key_${crypto.randomBytes(12).toString('hex')}`;
  readonly signingSecret = crypto.randomBytes(24).toString('hex');
  /** Where the gateway posts people's SMS (set like a gateway's dashboard setting). */
  inboundUrl = '';
  readonly sent: { id: string; to: string; text: string; reference: string }[] = [];
  readonly webhookDeliveries: SendResult[] = [];

  static start(): Promise<FakeSmsGateway> {
    return new FakeSmsGateway().listen();
  }

  get sendUrl(): string {
    return `${this.baseUrl}/send`;
  }

  async userSends(from: string, text: string, o: { signature?: 'valid' | 'wrong' | 'missing' | 'stale' } = {}): Promise<SendResult> {
    return this.post(this.inboundUrl, { type: 'message', id: `in_${crypto.randomBytes(8).toString('hex')}`, from, to: '+77000000000', text, timestamp: Math.floor(Date.now() / 1000) }, o.signature);
  }

  private async post(url: string, payload: unknown, signature: 'valid' | 'wrong' | 'missing' | 'stale' = 'valid'): Promise<SendResult> {
    const body = JSON.stringify(payload);
    const t = Math.floor(Date.now() / 1000) - (signature === 'stale' ? 3600 : 0);
    const sig = signature === 'missing' ? null : gatewaySignature(signature === 'wrong' ? 'not-the-secret' : this.signingSecret, t, body);
    const r = await this.send(url, { headers: { 'content-type': 'application/json', ...(sig ? { 'x-signature': sig } : {}) }, body });
    this.webhookDeliveries.push(r);
    return r;
  }

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    if (req.path !== '/send' || req.method !== 'POST') return jsonReply(404, { error: { code: 'not_found', message: 'No such endpoint' } });
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) return jsonReply(401, { error: { code: 'unauthorized', message: 'Bad API key' } });
    const b = JSON.parse(req.text || '{}');
    if (!/^\+[1-9]\d{6,14}$/.test(String(b.to ?? ''))) return jsonReply(422, { error: { code: 'invalid_recipient', message: 'to must be an E.164 number' } });
    if (!String(b.text ?? '').length) return jsonReply(422, { error: { code: 'invalid_text', message: 'text is required' } });
    const same = this.sent.find((s) => s.reference === b.reference);
    if (same) return jsonReply(200, { id: same.id, duplicate: true });
    const id = `out_${crypto.randomBytes(8).toString('hex')}`;
    this.sent.push({ id, to: b.to, text: b.text, reference: String(b.reference ?? '') });
    if (b.callbackUrl) setTimeout(() => void this.post(b.callbackUrl, { type: 'status', id, status: 'delivered', reference: b.reference }), 20).unref();
    return jsonReply(201, { id });
  }
}
