// The fake's webhook delivery: endpoints, the exact payload Stripe sends, `Stripe-Signature` with
// fault modes (wrong secret, stale, missing, tampered body), and delivery with duplicates,
// concurrency, reordering, delays and timeouts.
import { randomBytes } from 'node:crypto';
import type { SendResult } from '@atrium/sdk/testing';
import { signStripePayload } from '../../stripe.signature.ts';
import { subscribed, type StripeStore, type WebhookEndpoint } from './store.ts';

export type SignatureMode = 'valid' | 'wrong_secret' | 'tampered_body' | 'stale' | 'missing';

export interface DeliveryOptions {
  endpointId?: string;
  signature?: SignatureMode;
  /** Deliver the same event this many times (Stripe is at-least-once). */
  times?: number;
  /** Send the copies at once instead of one after another. */
  concurrent?: boolean;
  /** Wait before each send. */
  delayMs?: number;
  /** Give up on the receiver after this long (Stripe's own limit is generous; tests use small ones). */
  timeoutMs?: number;
}

export interface DeliveryResult {
  eventId: string;
  endpointId: string;
  status: number | null;
  body: string | null;
  error: 'timeout' | 'network' | null;
}

/** How the server sends a request (FakeHttpServer.send). */
export type Send = (url: string, init: { headers?: Record<string, string>; body?: string; timeoutMs?: number }) => Promise<SendResult>;

export function addWebhookEndpoint(st: StripeStore, options: { url: string; secrets?: string[]; connect?: boolean; enabledEvents?: string[] }): WebhookEndpoint {
  const ep: WebhookEndpoint = {
    id: st.id('we'), url: options.url, connect: options.connect ?? false, enabledEvents: options.enabledEvents ?? ['*'],
    secrets: options.secrets ?? [`whsec_${randomBytes(16).toString('hex')}`],
  };
  st.endpoints.push(ep);
  return ep;
}

/** The exact bytes Stripe would send for an event. */
export function payloadOf(st: StripeStore, eventId: string): string {
  const e = st.events.find((x) => x.id === eventId);
  if (!e) throw new Error(`No event ${eventId}`);
  return JSON.stringify(e, null, 2);
}

export function signatureFor(endpoint: WebhookEndpoint, payload: string, mode: SignatureMode, at: number): string | null {
  switch (mode) {
    case 'missing':
      return null;
    case 'wrong_secret':
      return signStripePayload({ rawBody: payload, secrets: [`whsec_wrong_${randomBytes(8).toString('hex')}`], timestamp: at });
    case 'stale':
      return signStripePayload({ rawBody: payload, secrets: endpoint.secrets, timestamp: at - 3600 });
    case 'tampered_body':
    case 'valid':
      return signStripePayload({ rawBody: payload, secrets: endpoint.secrets, timestamp: at });
  }
}

export async function deliver(st: StripeStore, send: Send, eventId: string, options: DeliveryOptions = {}): Promise<DeliveryResult[]> {
  const event = st.events.find((x) => x.id === eventId);
  if (!event) throw new Error(`No event ${eventId}`);
  const targets = st.endpoints.filter((ep) =>
    options.endpointId ? ep.id === options.endpointId : ep.connect === (event.account !== undefined) && subscribed(ep, String(event.type)));
  const payload = payloadOf(st, eventId);
  const mode = options.signature ?? 'valid';
  const times = options.times ?? 1;
  const sends: (() => Promise<DeliveryResult>)[] = [];
  for (const ep of targets) {
    st.pending = st.pending.filter((x) => !(x.eventId === eventId && x.endpointId === ep.id));
    for (let i = 0; i < times; i++) sends.push(() => sendOne(st, send, ep, eventId, payload, mode, options));
  }
  if (options.concurrent) return Promise.all(sends.map((s) => s()));
  const out: DeliveryResult[] = [];
  for (const s of sends) out.push(await s());
  return out;
}

/** Sends everything pending; `reverse`/`shuffle` model Stripe's lack of ordering guarantees. */
export async function deliverPending(st: StripeStore, send: Send, options: DeliveryOptions & { order?: 'created' | 'reverse' | 'shuffle' } = {}): Promise<DeliveryResult[]> {
  const batch = [...st.pending];
  st.pending = [];
  if (options.order === 'reverse') batch.reverse();
  if (options.order === 'shuffle') {
    for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
  }
  const out: DeliveryResult[] = [];
  for (const item of batch) out.push(...(await deliver(st, send, item.eventId, { ...options, endpointId: item.endpointId })));
  return out;
}

async function sendOne(st: StripeStore, send: Send, ep: WebhookEndpoint, eventId: string, payload: string, mode: SignatureMode, options: DeliveryOptions): Promise<DeliveryResult> {
  if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
  const signature = signatureFor(ep, payload, mode, st.now());
  const body = mode === 'tampered_body' ? payload.replace('"livemode": false', '"livemode": true') : payload;
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' };
  if (signature !== null) headers['stripe-signature'] = signature;
  return { eventId, endpointId: ep.id, ...(await send(ep.url, { headers, body, timeoutMs: options.timeoutMs })) };
}
