// A local Stripe: the endpoints StripeClient uses, with Stripe's state transitions, error shapes
// and Idempotency-Key semantics, plus signed webhook delivery with fault knobs (wrong secret,
// tampered body, stale timestamp, duplicates, reordering, delays, timeouts). It listens on
// 127.0.0.1 only (FakeHttpServer from @atrium/sdk/testing: lifecycle, request log, and the shared
// faults — hanging, lost answers, outages). Test-only "payer" methods stand in for the hosted pages.
//
// This file is the HTTP layer (authentication, Stripe-Version, form bodies, Idempotency-Key) and
// the routing; each resource lives in its own module under ./fake-stripe/ on a shared store.
import { createHash } from 'node:crypto';
import { FakeHttpServer, type FakeReply, type FakeRequest } from '@atrium/sdk/testing';
import { decodeStripeForm, type DecodedForm } from '../stripe.form.ts';
import { FakeError, meta, StripeStore, type Obj, type WebhookEndpoint } from './fake-stripe/store.ts';
import { createCustomer, createPrice, createProduct } from './fake-stripe/catalog.ts';
import { completeCheckoutSession, createPaymentLink, createSession, expireSession, payPaymentLink } from './fake-stripe/checkout.ts';
import { cancelIntent, capture, refund } from './fake-stripe/payment-intents.ts';
import { accountLink, completeOnboarding, createAccount } from './fake-stripe/connect.ts';
import { attemptSubscriptionInvoice, cancelSubscription, createPortalSession, createSubscription, endSubscriptionPeriod, portalCancelSubscription, portalUpdatePaymentMethod, updateSubscription } from './fake-stripe/subscriptions.ts';
import { addWebhookEndpoint, deliver, deliverPending, payloadOf, signatureFor, type DeliveryOptions, type DeliveryResult, type SignatureMode } from './fake-stripe/webhooks.ts';

export type { WebhookEndpoint } from './fake-stripe/store.ts';
export type { DeliveryOptions, DeliveryResult, SignatureMode } from './fake-stripe/webhooks.ts';

export interface FakeStripeOptions {
  secretKey?: string;
  /** Unix seconds; injectable so tests can move time (expiry, stale signatures). */
  clock?: () => number;
  /** Artificial handler latency, to exercise in-flight idempotency conflicts. */
  latencyMs?: number;
}

export class FakeStripeServer extends FakeHttpServer {
  readonly secretKey: string;
  readonly requests: { method: string; path: string; idempotencyKey: string | null; replayed: boolean; stripeVersion: string | null; contentType: string | null; body: string }[] = [];
  /** When set, events are pushed to endpoints right after each API call (like the real one). */
  autoDeliver = false;
  readonly #st: StripeStore;
  /** Applied while the request holds its idempotency key (unlike the base's `latencyMs`, before it), to exercise in-flight conflicts. */
  #latencyMs: number;
  #idempotency = new Map<string, { fingerprint: string; status: number; body: string }>();
  #inFlight = new Set<string>();

  constructor(options: FakeStripeOptions = {}) {
    super();
    this.secretKey = options.secretKey ?? 'sk_test_fake';
    this.#st = new StripeStore(options.clock ?? (() => Math.floor(Date.now() / 1000)), () => this.baseUrl);
    this.#latencyMs = options.latencyMs ?? 0;
  }

  static async start(options?: FakeStripeOptions): Promise<FakeStripeServer> {
    return new FakeStripeServer(options).listen();
  }

  get objects(): Map<string, Obj> {
    return this.#st.objects;
  }

  get events(): Obj[] {
    return this.#st.events;
  }

  get endpoints(): WebhookEndpoint[] {
    return this.#st.endpoints;
  }

  now(): number {
    return this.#st.now();
  }

  /** Strips internal fields before an object leaves the server. */
  view(o: Obj): Record<string, unknown> {
    return this.#st.view(o);
  }

  // ---- HTTP ----

  protected async handle(rq: FakeRequest): Promise<FakeReply> {
    const raw = rq.text;
    const method = rq.method;
    const key = (rq.headers['idempotency-key'] as string | undefined) ?? null;
    const account = (rq.headers['stripe-account'] as string | undefined) ?? null;
    const stripeVersion = (rq.headers['stripe-version'] as string | undefined) ?? null;
    const requestId = this.#st.id('req');
    const send = (status: number, body: string, replayed = false): FakeReply => {
      this.requests.push({ method, path: rq.path, idempotencyKey: key, replayed, stripeVersion, contentType: (rq.headers['content-type'] as string | undefined) ?? null, body: raw });
      const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': requestId };
      if (key && method === 'POST') headers['idempotency-key'] = key;
      if (replayed) headers['idempotent-replayed'] = 'true';
      return { status, headers, body };
    };

    if (rq.headers.authorization !== `Bearer ${this.secretKey}`) {
      const err = { type: 'invalid_request_error', message: 'Invalid API Key provided: ' + String(rq.headers.authorization ?? '').slice(7, 15) + '****' };
      return send(401, JSON.stringify({ error: err }));
    }
    if (stripeVersion !== null && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(stripeVersion)) {
      return send(400, JSON.stringify({ error: { type: 'invalid_request_error', message: `Invalid Stripe API version: ${stripeVersion}` } }));
    }
    if (method === 'POST' && raw && !String(rq.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return send(400, JSON.stringify({ error: { type: 'invalid_request_error', message: 'Invalid request: the body must be application/x-www-form-urlencoded' } }));
    }
    let params: DecodedForm;
    try {
      params = decodeStripeForm(method === 'POST' ? raw : rq.query.toString());
    } catch (e) {
      return send(400, JSON.stringify({ error: { type: 'invalid_request_error', message: (e as Error).message } }));
    }

    // Idempotency: the key is scoped to the API key (and connected account); the stored
    // response is replayed for the same request, and a different request with the key is a 400.
    const scope = key && method === 'POST' ? `${this.secretKey}|${account ?? ''}|${key}` : null;
    const fingerprint = createHash('sha256').update(`${method} ${rq.path}\n${raw}`).digest('hex');
    if (scope) {
      const stored = this.#idempotency.get(scope);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          return send(400, JSON.stringify({
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          }));
        }
        return send(stored.status, stored.body, true);
      }
      if (this.#inFlight.has(scope)) {
        return send(409, JSON.stringify({
          error: { type: 'idempotency_error', message: 'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ' + key + '. Please try again later.' },
        }));
      }
      this.#inFlight.add(scope);
    }
    try {
      if (this.#latencyMs) await new Promise((r) => setTimeout(r, this.#latencyMs));
      let status = 200;
      let body: string;
      let store = true;
      try {
        body = JSON.stringify(this.#route(method, rq.path, params, account));
      } catch (e) {
        if (!(e instanceof FakeError)) throw e;
        status = e.status;
        body = JSON.stringify(e.body);
        store = e.stored;
      }
      if (scope && store) this.#idempotency.set(scope, { fingerprint, status, body });
      if (this.autoDeliver) setImmediate(() => void this.deliverPending());
      return send(status, body);
    } catch (e) {
      // Stripe does not store 500s against a key, so a retry re-executes.
      return send(500, JSON.stringify({ error: { type: 'api_error', message: (e as Error).message } }));
    } finally {
      if (scope) this.#inFlight.delete(scope);
    }
  }

  #route(method: string, path: string, p: DecodedForm, account: string | null): unknown {
    const seg = path.split('/').filter(Boolean);
    if (seg[0] !== 'v1') throw new FakeError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` });
    const [, a, b, c, d] = seg;
    const r = (m: string, ...parts: (string | undefined)[]) => m === method && parts.every((x, i) => x === undefined ? seg[i + 1] === undefined : x === '*' ? seg[i + 1] !== undefined : seg[i + 1] === x) && seg.length === parts.length + 1;
    if (r('POST', 'products')) return this.#st.view(createProduct(this.#st, p, account));
    if (r('GET', 'products', '*')) return this.#st.view(this.#st.get('product', b!, account));
    if (r('POST', 'prices')) return this.#st.view(createPrice(this.#st, p, account));
    if (r('POST', 'customers')) return this.#st.view(createCustomer(this.#st, p, account));
    if (r('GET', 'customers', '*')) return this.#st.view(this.#st.get('customer', b!, account));
    if (r('POST', 'billing_portal', 'sessions')) return this.#st.view(createPortalSession(this.#st, p, account));
    if (r('DELETE', 'customers', '*')) {
      this.#st.get('customer', b!, account);
      this.#st.objects.delete(b!);
      return { id: b, object: 'customer', deleted: true };
    }
    if (r('POST', 'payment_links')) return this.#st.view(createPaymentLink(this.#st, p, account));
    if (r('POST', 'payment_links', '*')) {
      const link = this.#st.get('payment_link', b!, account);
      if (p.active !== undefined) link.active = p.active === 'true';
      if (p.metadata !== undefined) link.metadata = { ...(link.metadata as object), ...meta(p.metadata) };
      return this.#st.view(link);
    }
    if (a === 'checkout' && b === 'sessions') {
      if (method === 'POST' && c === undefined) return this.#st.view(createSession(this.#st, p, account, null));
      if (method === 'GET' && c !== undefined && d === undefined) return this.#st.view(this.#st.get('checkout.session', c, account));
      if (method === 'POST' && c !== undefined && d === 'expire') return this.#st.view(expireSession(this.#st, c, account));
    }
    if (r('GET', 'payment_intents', '*')) return this.#st.view(this.#st.get('payment_intent', b!, account));
    if (r('POST', 'payment_intents', '*', 'capture')) return this.#st.view(capture(this.#st, b!, p, account));
    if (r('POST', 'payment_intents', '*', 'cancel')) return this.#st.view(cancelIntent(this.#st, b!, account));
    if (r('POST', 'refunds')) return this.#st.view(refund(this.#st, p, account));
    if (r('GET', 'refunds', '*')) return this.#st.view(this.#st.get('refund', b!, account));
    if (r('POST', 'accounts')) return this.#st.view(createAccount(this.#st, p));
    if (r('GET', 'accounts', '*')) return this.#st.view(this.#st.get('account', b!, null));
    if (r('POST', 'account_links')) return accountLink(this.#st, p);
    if (r('POST', 'subscriptions')) return this.#st.view(createSubscription(this.#st, p, account));
    if (r('GET', 'subscriptions', '*')) return this.#st.view(this.#st.get('subscription', b!, account));
    if (r('POST', 'subscriptions', '*')) return this.#st.view(updateSubscription(this.#st, b!, p, account));
    if (r('DELETE', 'subscriptions', '*')) return this.#st.view(cancelSubscription(this.#st, b!, account));
    throw new FakeError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` });
  }

  // ---- Test-only payer actions (what a customer does on Stripe's hosted pages), see ./fake-stripe/ ----

  /** The customer pays a Checkout Session. `manual` capture leaves the intent in requires_capture. */
  completeCheckoutSession(id: string, options: { account?: string; outcome?: 'succeeded' | 'failed' } = {}): Obj {
    return completeCheckoutSession(this.#st, id, options);
  }

  /** The customer opens a Payment Link and pays: a Checkout Session is made from the link. */
  payPaymentLink(linkId: string, options: { account?: string; clientReferenceId?: string } = {}): Obj {
    return payPaymentLink(this.#st, linkId, options);
  }

  /** The connected account finishes onboarding. */
  completeOnboarding(accountId: string): Obj {
    return completeOnboarding(this.#st, accountId);
  }

  /** The subscription's next invoice is attempted: paid → `active`, failed → `past_due` (trial end, renewal). */
  attemptSubscriptionInvoice(subscriptionId: string, outcome: 'paid' | 'failed', options: { account?: string } = {}): { invoice: Obj; subscription: Obj } {
    return attemptSubscriptionInvoice(this.#st, subscriptionId, outcome, options);
  }

  /** The period ends: a subscription set to cancel at period end is canceled. */
  endSubscriptionPeriod(subscriptionId: string, options: { account?: string } = {}): Obj {
    return endSubscriptionPeriod(this.#st, subscriptionId, options);
  }

  /** In the portal, the customer replaces its card. */
  portalUpdatePaymentMethod(portalSessionId: string, options: { account?: string } = {}): Obj {
    return portalUpdatePaymentMethod(this.#st, portalSessionId, options);
  }

  /** In the portal, the customer cancels (by default at the end of the period). */
  portalCancelSubscription(portalSessionId: string, subscriptionId: string, options: { account?: string; immediately?: boolean } = {}): Obj {
    return portalCancelSubscription(this.#st, portalSessionId, subscriptionId, options);
  }

  // ---- Events and webhooks, see ./fake-stripe/webhooks.ts ----

  addWebhookEndpoint(options: { url: string; secrets?: string[]; connect?: boolean; enabledEvents?: string[] }): WebhookEndpoint {
    return addWebhookEndpoint(this.#st, options);
  }

  /** Events queued for endpoints but not yet sent. */
  get pending(): readonly { eventId: string; endpointId: string }[] {
    return this.#st.pending;
  }

  /** The exact bytes Stripe would send for an event. */
  payloadOf(eventId: string): string {
    return payloadOf(this.#st, eventId);
  }

  signatureFor(endpoint: WebhookEndpoint, payload: string, mode: SignatureMode, at = this.now()): string | null {
    return signatureFor(endpoint, payload, mode, at);
  }

  deliver(eventId: string, options: DeliveryOptions = {}): Promise<DeliveryResult[]> {
    return deliver(this.#st, (url, init) => this.send(url, init), eventId, options);
  }

  /** Sends everything pending; `reverse`/`shuffle` model Stripe's lack of ordering guarantees. */
  deliverPending(options: DeliveryOptions & { order?: 'created' | 'reverse' | 'shuffle' } = {}): Promise<DeliveryResult[]> {
    return deliverPending(this.#st, (url, init) => this.send(url, init), options);
  }
}
