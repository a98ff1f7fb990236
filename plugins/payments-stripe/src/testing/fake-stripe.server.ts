// A local Stripe: the endpoints StripeClient uses, with Stripe's state transitions, error
// shapes and Idempotency-Key semantics, plus signed webhook delivery with fault knobs
// (wrong secret, tampered body, stale timestamp, duplicates, reordering, delays, timeouts).
// It listens on 127.0.0.1 only. Test-only "payer" methods stand in for the hosted pages.
import { createHash, randomBytes } from 'node:crypto';
import { FakeHttpServer, type FakeReply, type FakeRequest } from '@atrium/sdk/testing';
import { decodeStripeForm, type DecodedForm, type DecodedValue } from '../stripe.form.ts';
import { signStripePayload } from '../stripe.signature.ts';

type Obj = Record<string, unknown> & { id: string; object: string };

export interface FakeStripeOptions {
  secretKey?: string;
  /** Unix seconds; injectable so tests can move time (expiry, stale signatures). */
  clock?: () => number;
  /** Artificial handler latency, to exercise in-flight idempotency conflicts. */
  latencyMs?: number;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Every secret signs (one v1 per secret), like Stripe during a secret roll. */
  secrets: string[];
  /** Connect endpoints receive events of connected accounts (with `account`), others the platform's. */
  connect: boolean;
  /** Event types this endpoint is subscribed to (`*` = all), like the dashboard's "events to send". */
  enabledEvents: string[];
}

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

class FakeError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** Errors raised while validating parameters are not stored against the idempotency key. */
  readonly stored: boolean;
  constructor(status: number, error: Record<string, unknown>, stored = false) {
    super(String(error.message));
    this.status = status;
    this.body = { error };
    this.stored = stored;
  }
}

const invalid = (message: string, param?: string, code?: string) =>
  new FakeError(400, { type: 'invalid_request_error', message, ...(param ? { param } : {}), ...(code ? { code } : {}) });
const missing = (kind: string, id: string) =>
  new FakeError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such ${kind}: '${id}'` });

function str(v: DecodedValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function req(params: DecodedForm, name: string): string {
  const v = str(params[name]);
  if (v === undefined || v === '') throw invalid(`Missing required param: ${name}.`, name, 'parameter_missing');
  return v;
}
function int(v: DecodedValue | undefined, param: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw invalid(`Invalid integer: ${String(v)}`, param, 'parameter_invalid_integer');
  return Number(v);
}
function meta(v: DecodedValue | undefined): Record<string, string> {
  if (v === undefined || typeof v === 'string') return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}
function list(v: DecodedValue | undefined): DecodedForm[] {
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && !Array.isArray(x)) as DecodedForm[]) : [];
}
function sub(v: DecodedValue | undefined): DecodedForm {
  return typeof v === 'object' && !Array.isArray(v) ? v : {};
}
const subscribed = (ep: WebhookEndpoint, type: string) => ep.enabledEvents.includes('*') || ep.enabledEvents.includes(type);

export class FakeStripeServer extends FakeHttpServer {
  readonly secretKey: string;
  readonly objects = new Map<string, Obj>();
  readonly events: Obj[] = [];
  readonly endpoints: WebhookEndpoint[] = [];
  readonly requests: { method: string; path: string; idempotencyKey: string | null; replayed: boolean; stripeVersion: string | null; contentType: string | null; body: string }[] = [];
  #clock: () => number;
  /** Applied while the request holds its idempotency key (unlike the base's `latencyMs`, before it), to exercise in-flight conflicts. */
  #latencyMs: number;
  #idempotency = new Map<string, { fingerprint: string; status: number; body: string }>();
  #inFlight = new Set<string>();

  constructor(options: FakeStripeOptions = {}) {
    super();
    this.secretKey = options.secretKey ?? 'sk_test_fake';
    this.#clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    this.#latencyMs = options.latencyMs ?? 0;
  }

  static async start(options?: FakeStripeOptions): Promise<FakeStripeServer> {
    return new FakeStripeServer(options).listen();
  }

  now(): number {
    return this.#clock();
  }

  #id(prefix: string): string {
    return `${prefix}_${randomBytes(10).toString('hex')}`;
  }

  #get(kind: string, id: string, account: string | null): Obj {
    const o = this.objects.get(id);
    // Objects of a connected account are invisible without its Stripe-Account header, and vice versa.
    if (!o || o.object !== kind || (o._account ?? null) !== account) throw missing(kind.replace('.', '_'), id);
    return o;
  }

  #put<T extends Obj>(o: T, account: string | null): T {
    if (account) (o as Obj)._account = account;
    this.objects.set(o.id, o);
    return o;
  }

  /** Strips internal fields before an object leaves the server. */
  view(o: Obj): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!k.startsWith('_')) out[k] = v;
    return structuredClone(out);
  }

  // ---- HTTP ----

  protected async handle(rq: FakeRequest): Promise<FakeReply> {
    const raw = rq.text;
    const method = rq.method;
    const key = (rq.headers['idempotency-key'] as string | undefined) ?? null;
    const account = (rq.headers['stripe-account'] as string | undefined) ?? null;
    const stripeVersion = (rq.headers['stripe-version'] as string | undefined) ?? null;
    const requestId = this.#id('req');
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

  /** When set, events are pushed to endpoints right after each API call (like the real one). */
  autoDeliver = false;

  #route(method: string, path: string, p: DecodedForm, account: string | null): unknown {
    const seg = path.split('/').filter(Boolean);
    if (seg[0] !== 'v1') throw new FakeError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` });
    const [, a, b, c, d] = seg;
    const r = (m: string, ...parts: (string | undefined)[]) => m === method && parts.every((x, i) => x === undefined ? seg[i + 1] === undefined : x === '*' ? seg[i + 1] !== undefined : seg[i + 1] === x) && seg.length === parts.length + 1;
    if (r('POST', 'products')) return this.view(this.#createProduct(p, account));
    if (r('GET', 'products', '*')) return this.view(this.#get('product', b!, account));
    if (r('POST', 'prices')) return this.view(this.#createPrice(p, account));
    if (r('POST', 'customers')) return this.view(this.#createCustomer(p, account));
    if (r('GET', 'customers', '*')) return this.view(this.#get('customer', b!, account));
    if (r('POST', 'billing_portal', 'sessions')) return this.view(this.#createPortalSession(p, account));
    if (r('DELETE', 'customers', '*')) {
      this.#get('customer', b!, account);
      this.objects.delete(b!);
      return { id: b, object: 'customer', deleted: true };
    }
    if (r('POST', 'payment_links')) return this.view(this.#createPaymentLink(p, account));
    if (r('POST', 'payment_links', '*')) {
      const link = this.#get('payment_link', b!, account);
      if (p.active !== undefined) link.active = p.active === 'true';
      if (p.metadata !== undefined) link.metadata = { ...(link.metadata as object), ...meta(p.metadata) };
      return this.view(link);
    }
    if (a === 'checkout' && b === 'sessions') {
      if (method === 'POST' && c === undefined) return this.view(this.#createSession(p, account, null));
      if (method === 'GET' && c !== undefined && d === undefined) return this.view(this.#get('checkout.session', c, account));
      if (method === 'POST' && c !== undefined && d === 'expire') return this.view(this.#expireSession(c, account));
    }
    if (r('GET', 'payment_intents', '*')) return this.view(this.#get('payment_intent', b!, account));
    if (r('POST', 'payment_intents', '*', 'capture')) return this.view(this.#capture(b!, p, account));
    if (r('POST', 'payment_intents', '*', 'cancel')) return this.view(this.#cancelIntent(b!, account));
    if (r('POST', 'refunds')) return this.view(this.#refund(p, account));
    if (r('GET', 'refunds', '*')) return this.view(this.#get('refund', b!, account));
    if (r('POST', 'accounts')) return this.view(this.#createAccount(p));
    if (r('GET', 'accounts', '*')) return this.view(this.#get('account', b!, null));
    if (r('POST', 'account_links')) return this.#accountLink(p);
    if (r('POST', 'subscriptions')) return this.view(this.#createSubscription(p, account));
    if (r('GET', 'subscriptions', '*')) return this.view(this.#get('subscription', b!, account));
    if (r('POST', 'subscriptions', '*')) return this.view(this.#updateSubscription(b!, p, account));
    if (r('DELETE', 'subscriptions', '*')) return this.view(this.#cancelSubscription(b!, account));
    throw new FakeError(404, { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` });
  }

  // ---- Catalogue and customers ----

  #createProduct(p: DecodedForm, account: string | null): Obj {
    const own = str(p.id);
    if (own !== undefined && this.objects.has(own)) throw invalid(`Product already exists.`, 'id', 'resource_already_exists');
    return this.#put({ id: own ?? this.#id('prod'), object: 'product', name: req(p, 'name'), active: true, metadata: meta(p.metadata), created: this.now() }, account);
  }

  #createPrice(p: DecodedForm, account: string | null): Obj {
    const product = this.#get('product', req(p, 'product'), account);
    const rec = p.recurring === undefined ? null : sub(p.recurring);
    if (rec && !['day', 'week', 'month', 'year'].includes(String(rec.interval))) throw invalid('Invalid recurring[interval]', 'recurring[interval]');
    return this.#put({
      id: this.#id('price'), object: 'price', product: product.id, active: true,
      unit_amount: int(p.unit_amount, 'unit_amount') ?? (() => { throw invalid('Missing required param: unit_amount.', 'unit_amount', 'parameter_missing'); })(),
      currency: req(p, 'currency').toLowerCase(),
      recurring: rec ? { interval: rec.interval, interval_count: int(rec.interval_count, 'recurring[interval_count]') ?? 1 } : null,
      metadata: meta(p.metadata),
    }, account);
  }

  #createCustomer(p: DecodedForm, account: string | null): Obj {
    return this.#put({ id: this.#id('cus'), object: 'customer', email: str(p.email) ?? null, name: str(p.name) ?? null, metadata: meta(p.metadata), invoice_settings: { default_payment_method: null }, created: this.now() }, account);
  }

  /** Resolves line_items into { amount, currency, recurring } lines, creating inline prices. */
  #lines(p: DecodedForm, account: string | null): { price: Obj; quantity: number }[] {
    const items = list(p.line_items);
    if (items.length === 0) throw invalid('Missing required param: line_items.', 'line_items', 'parameter_missing');
    return items.map((item, i) => {
      const quantity = int(item.quantity, `line_items[${i}][quantity]`) ?? 1;
      if (quantity < 1) throw invalid('quantity must be at least 1', `line_items[${i}][quantity]`);
      if (item.price !== undefined) return { price: this.#get('price', String(item.price), account), quantity };
      const pd = sub(item.price_data);
      const amount = int(pd.unit_amount, `line_items[${i}][price_data][unit_amount]`);
      if (amount === undefined || pd.currency === undefined) throw invalid('price or price_data required', `line_items[${i}]`, 'parameter_missing');
      const productName = str(sub(pd.product_data).name) ?? 'Item';
      if (pd.product !== undefined && pd.product_data !== undefined) throw invalid('You may only specify one of these parameters: product, product_data.', `line_items[${i}][price_data][product]`);
      const product = str(pd.product) ? this.#get('product', str(pd.product)!, account) : this.#createProduct({ name: productName }, account);
      const rec = pd.recurring === undefined ? null : sub(pd.recurring);
      if (rec && !['day', 'week', 'month', 'year'].includes(String(rec.interval))) throw invalid(`Invalid line_items[${i}][price_data][recurring][interval]`, `line_items[${i}][price_data][recurring][interval]`);
      const price = this.#put({ id: this.#id('price'), object: 'price', product: product.id, active: false, unit_amount: amount, currency: String(pd.currency).toLowerCase(), recurring: rec ? { interval: rec.interval, interval_count: int(rec.interval_count, `line_items[${i}][price_data][recurring][interval_count]`) ?? 1 } : null, metadata: {} }, account);
      return { price, quantity };
    });
  }

  // ---- Payment Links and Checkout ----

  #createPaymentLink(p: DecodedForm, account: string | null): Obj {
    const lines = this.#lines(p, account);
    const id = this.#id('plink');
    return this.#put({
      id, object: 'payment_link', active: true, url: `${this.baseUrl}/pay/${id}`, metadata: meta(p.metadata),
      _lines: lines.map((l) => ({ price: l.price.id, quantity: l.quantity })),
      _fee: int(p.application_fee_amount, 'application_fee_amount') ?? null,
    }, account);
  }

  #createSession(p: DecodedForm, account: string | null, link: Obj | null): Obj {
    const mode = link ? 'payment' : req(p, 'mode');
    if (!['payment', 'subscription'].includes(mode)) throw invalid(`Invalid mode: ${mode}`, 'mode');
    if (!link) req(p, 'success_url');
    const lines = link
      ? (link._lines as { price: string; quantity: number }[]).map((l) => ({ price: this.#get('price', l.price, account), quantity: l.quantity }))
      : this.#lines(p, account);
    const currency = String(lines[0]!.price.currency);
    if (lines.some((l) => l.price.currency !== currency)) throw invalid('All line items must use the same currency', 'line_items');
    if (mode === 'subscription' && lines.some((l) => !l.price.recurring)) throw invalid('subscription mode needs recurring prices', 'line_items');
    if (mode === 'payment' && lines.some((l) => l.price.recurring)) throw invalid('payment mode needs one-time prices', 'line_items');
    const now = this.now();
    const expiresAt = int(p.expires_at, 'expires_at') ?? now + 24 * 3600;
    if (expiresAt < now + 30 * 60 || expiresAt > now + 24 * 3600) {
      throw invalid('expires_at must be between 30 minutes and 24 hours from now', 'expires_at');
    }
    const pid = sub(p.payment_intent_data);
    const sd = sub(p.subscription_data);
    if (mode === 'subscription' && p.payment_intent_data !== undefined) throw invalid('You can not pass `payment_intent_data` in `subscription` mode.', 'payment_intent_data');
    if (mode === 'payment' && p.subscription_data !== undefined) throw invalid('You can not pass `subscription_data` in `payment` mode.', 'subscription_data');
    if (p.customer !== undefined && p.customer_email !== undefined) throw invalid('You may only specify one of these parameters: customer, customer_email.', 'customer_email');
    if (p.customer !== undefined) this.#get('customer', req(p, 'customer'), account);
    const trial = int(sd.trial_period_days, 'subscription_data[trial_period_days]');
    if (trial !== undefined && trial < 1) throw invalid('subscription_data[trial_period_days] must be at least 1', 'subscription_data[trial_period_days]');
    const pmc = str(p.payment_method_collection) ?? 'always';
    if (!['always', 'if_required'].includes(pmc)) throw invalid(`Invalid payment_method_collection: ${pmc}`, 'payment_method_collection');
    if (mode === 'payment' && p.payment_method_collection !== undefined && pmc !== 'always') throw invalid('payment_method_collection=if_required is only for subscription mode', 'payment_method_collection');
    const id = this.#id('cs_test');
    return this.#put({
      id, object: 'checkout.session', mode, status: 'open', payment_status: 'unpaid',
      url: `${this.baseUrl}/checkout/${id}`,
      amount_total: lines.reduce((s, l) => s + Number(l.price.unit_amount) * l.quantity, 0),
      currency, payment_intent: null, payment_link: link?.id ?? null, subscription: null,
      customer: str(p.customer) ?? null, client_reference_id: str(p.client_reference_id) ?? null,
      expires_at: expiresAt, metadata: link ? { ...(link.metadata as object) } : meta(p.metadata), created: now,
      _lines: lines.map((l) => ({ price: l.price.id, quantity: l.quantity })),
      _capture: str(pid.capture_method) ?? 'automatic',
      _fee: link ? link._fee : (int(pid.application_fee_amount, 'payment_intent_data[application_fee_amount]') ?? null),
      _trial: trial ?? null,
      _subscriptionMetadata: meta(sd.metadata),
      _paymentMethodCollection: pmc,
    }, account);
  }

  #expireSession(id: string, account: string | null): Obj {
    const s = this.#get('checkout.session', id, account);
    if (s.status !== 'open') throw invalid(`Only Checkout Sessions with a status of open can be expired (status is ${String(s.status)}).`, undefined, 'checkout_session_not_open');
    s.status = 'expired';
    this.#event('checkout.session.expired', s, account);
    return s;
  }

  // ---- PaymentIntents and refunds ----

  #capture(id: string, p: DecodedForm, account: string | null): Obj {
    const pi = this.#get('payment_intent', id, account);
    if (pi.status !== 'requires_capture') {
      throw invalid(`This PaymentIntent could not be captured because it has a status of ${String(pi.status)}.`, undefined, 'payment_intent_unexpected_state');
    }
    const amount = int(p.amount_to_capture, 'amount_to_capture') ?? Number(pi.amount);
    if (amount > Number(pi.amount)) throw invalid('amount_to_capture cannot exceed the authorized amount', 'amount_to_capture');
    pi.status = 'succeeded';
    pi.amount_received = amount;
    pi.amount_capturable = 0;
    const charge = this.objects.get(String(pi.latest_charge))!;
    charge.captured = true;
    charge.amount_captured = amount;
    this.#event('payment_intent.succeeded', pi, account);
    return pi;
  }

  #cancelIntent(id: string, account: string | null): Obj {
    const pi = this.#get('payment_intent', id, account);
    if (['succeeded', 'canceled'].includes(String(pi.status))) {
      throw invalid(`You cannot cancel this PaymentIntent because it has a status of ${String(pi.status)}.`, undefined, 'payment_intent_unexpected_state');
    }
    pi.status = 'canceled';
    this.#event('payment_intent.canceled', pi, account);
    return pi;
  }

  #refund(p: DecodedForm, account: string | null): Obj {
    const piId = str(p.payment_intent);
    const chargeId = str(p.charge);
    if (!piId && !chargeId) throw invalid('One of charge or payment_intent is required.', 'payment_intent', 'parameter_missing');
    const pi = piId
      ? this.#get('payment_intent', piId, account)
      : this.#get('payment_intent', String(this.#get('charge', chargeId!, account).payment_intent), account);
    if (pi.status !== 'succeeded') {
      throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, 'payment_intent');
    }
    const charge = this.objects.get(String(pi.latest_charge))!;
    const remaining = Number(charge.amount_captured) - Number(charge.amount_refunded);
    if (remaining <= 0) throw invalid(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded');
    const amount = int(p.amount, 'amount') ?? remaining;
    if (amount <= 0) throw invalid('Refund amount must be positive', 'amount');
    if (amount > remaining) {
      throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount');
    }
    const refund = this.#put({
      id: this.#id('re'), object: 'refund', amount, currency: pi.currency, payment_intent: pi.id, charge: charge.id,
      status: 'succeeded', reason: str(p.reason) ?? null, metadata: meta(p.metadata), created: this.now(),
    }, account);
    charge.amount_refunded = Number(charge.amount_refunded) + amount;
    charge.refunded = charge.amount_refunded === charge.amount_captured;
    this.#event('refund.created', refund, account);
    this.#event('charge.refunded', charge, account);
    return refund;
  }

  // ---- Connect ----

  #createAccount(p: DecodedForm): Obj {
    return this.#put({
      id: this.#id('acct'), object: 'account', type: str(p.type) ?? 'express', country: str(p.country) ?? null, email: str(p.email) ?? null,
      charges_enabled: false, payouts_enabled: false, details_submitted: false, metadata: meta(p.metadata), created: this.now(),
      requirements: { currently_due: ['business_type', 'external_account', 'tos_acceptance.date'], eventually_due: [], past_due: [], pending_verification: [], disabled_reason: 'requirements.past_due', current_deadline: null },
    }, null);
  }

  #accountLink(p: DecodedForm): unknown {
    const acct = this.#get('account', req(p, 'account'), null);
    req(p, 'refresh_url');
    req(p, 'return_url');
    const type = req(p, 'type');
    if (!['account_onboarding', 'account_update'].includes(type)) throw invalid(`Invalid type: ${type}`, 'type');
    const now = this.now();
    return { object: 'account_link', url: `${this.baseUrl}/connect/${acct.id}/${type}`, created: now, expires_at: now + 300 };
  }

  // ---- Subscriptions ----

  #subscriptionItems(items: DecodedForm[], account: string | null): Obj[] {
    return items.map((it, i) => {
      const price = it.price_data !== undefined ? this.#inlinePrice(sub(it.price_data), `items[${i}][price_data]`, account) : this.#get('price', req(it, 'price'), account);
      if (!price.recurring) throw invalid('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', `items[${i}][price]`);
      return { id: this.#id('si'), object: 'subscription_item', price: this.view(price), quantity: int(it.quantity, `items[${i}][quantity]`) ?? 1 };
    });
  }

  /** `price_data` on a subscription item: Stripe creates an (inactive) recurring price under an existing product. */
  #inlinePrice(pd: DecodedForm, param: string, account: string | null): Obj {
    const product = this.#get('product', req(pd, 'product'), account);
    const rec = sub(pd.recurring);
    if (!['day', 'week', 'month', 'year'].includes(String(rec.interval))) throw invalid(`Invalid ${param}[recurring][interval]`, `${param}[recurring][interval]`);
    const amount = int(pd.unit_amount, `${param}[unit_amount]`);
    if (amount === undefined) throw invalid(`Missing required param: ${param}[unit_amount].`, `${param}[unit_amount]`, 'parameter_missing');
    return this.#put({
      id: this.#id('price'), object: 'price', product: product.id, active: false, unit_amount: amount, currency: req(pd, 'currency').toLowerCase(),
      recurring: { interval: rec.interval, interval_count: int(rec.interval_count, `${param}[recurring][interval_count]`) ?? 1 }, metadata: {},
    }, account);
  }

  /** One billing period of the subscription's first item (fake: months are 30 days, years 365). */
  #periodSeconds(s: Obj): number {
    const rec = ((s.items as { data: Obj[] }).data[0]?.price as { recurring?: { interval: string; interval_count: number } }).recurring;
    const unit = { day: 86400, week: 7 * 86400, month: 30 * 86400, year: 365 * 86400 }[rec?.interval ?? 'month'] ?? 30 * 86400;
    return unit * (rec?.interval_count ?? 1);
  }

  #createSubscription(p: DecodedForm, account: string | null): Obj {
    const customer = this.#get('customer', req(p, 'customer'), account);
    const items = list(p.items);
    if (items.length === 0) throw invalid('Missing required param: items.', 'items', 'parameter_missing');
    const trialDays = int(p.trial_period_days, 'trial_period_days');
    const now = this.now();
    const s = this.#put({
      id: this.#id('sub'), object: 'subscription', customer: customer.id,
      status: trialDays ? 'trialing' : 'active',
      items: { object: 'list', data: this.#subscriptionItems(items, account) },
      trial_end: trialDays ? now + trialDays * 86400 : null,
      cancel_at_period_end: false, canceled_at: null, default_payment_method: null as string | null, metadata: meta(p.metadata), created: now,
      current_period_start: now, current_period_end: now,
      _updates: [] as unknown[],
    }, account);
    s.current_period_end = trialDays ? Number(s.trial_end) : now + this.#periodSeconds(s);
    this.#event('customer.subscription.created', s, account);
    return s;
  }

  #updateSubscription(id: string, p: DecodedForm, account: string | null): Obj {
    const s = this.#get('subscription', id, account);
    if (s.status === 'canceled') throw invalid('A canceled subscription can only update its cancellation_details and metadata.', undefined, 'resource_missing');
    const current = (s.items as { data: Obj[] }).data;
    for (const [i, it] of list(p.items).entries()) {
      const itemId = str(it.id);
      if (itemId) {
        const existing = current.find((x) => x.id === itemId);
        if (!existing) throw invalid(`No such subscription item: '${itemId}'`, `items[${i}][id]`, 'resource_missing');
        if (it.deleted === 'true') current.splice(current.indexOf(existing), 1);
        if (it.price !== undefined || it.price_data !== undefined) {
          const next: DecodedForm = it.price_data !== undefined ? { price_data: it.price_data } : { price: it.price! };
          existing.price = this.#subscriptionItems([next], account)[0]!.price;
        }
        if (it.quantity !== undefined) existing.quantity = int(it.quantity, `items[${i}][quantity]`);
      } else {
        current.push(...this.#subscriptionItems([it], account));
      }
    }
    if (p.cancel_at_period_end !== undefined) s.cancel_at_period_end = p.cancel_at_period_end === 'true';
    if (p.metadata !== undefined) s.metadata = { ...(s.metadata as object), ...meta(p.metadata) };
    const proration = str(p.proration_behavior);
    if (proration !== undefined && !['create_prorations', 'none', 'always_invoice'].includes(proration)) throw invalid(`Invalid proration_behavior: ${proration}`, 'proration_behavior');
    // what each update asked for, so tests can see the plan change and its proration at "Stripe"
    (s._updates as unknown[]).push({ items: current.map((x) => (x.price as Obj).id), proration_behavior: proration ?? 'create_prorations', cancel_at_period_end: s.cancel_at_period_end });
    this.#event('customer.subscription.updated', s, account);
    return s;
  }

  #cancelSubscription(id: string, account: string | null): Obj {
    const s = this.#get('subscription', id, account);
    if (s.status === 'canceled') throw invalid(`No such subscription: '${id}'`, 'id', 'resource_missing');
    s.status = 'canceled';
    s.canceled_at = this.now();
    this.#event('customer.subscription.deleted', s, account);
    return s;
  }

  // ---- Test-only payer actions (what a customer does on Stripe's hosted pages) ----

  /** The customer pays a Checkout Session. `manual` capture leaves the intent in requires_capture. */
  completeCheckoutSession(id: string, options: { account?: string; outcome?: 'succeeded' | 'failed' } = {}): Obj {
    const account = options.account ?? null;
    const s = this.#get('checkout.session', id, account);
    if (s.status !== 'open') throw new Error(`Checkout Session ${id} is ${String(s.status)}`);
    if (this.now() >= Number(s.expires_at)) {
      s.status = 'expired';
      this.#event('checkout.session.expired', s, account);
      throw new Error(`Checkout Session ${id} has expired`);
    }
    if (s.mode === 'subscription') {
      const customer = s.customer ? String(s.customer) : this.#createCustomer({}, account).id;
      s.customer = customer;
      // the card typed on the page becomes the customer's default (not asked for a trial with if_required)
      const card = !(s._trial && s._paymentMethodCollection === 'if_required');
      if (card) this.#attachCard(customer, account);
      if (options.outcome === 'failed' && !s._trial) {
        // the first payment is declined: Checkout keeps the page open and makes no subscription
        return s;
      }
      const items = (s._lines as { price: string; quantity: number }[]).map((l) => ({ price: l.price, quantity: String(l.quantity) }));
      const sub = this.#createSubscription({ customer, items, metadata: s._subscriptionMetadata as DecodedForm, ...(s._trial ? { trial_period_days: String(s._trial) } : {}) }, account);
      if (card) sub.default_payment_method = (this.objects.get(customer)!.invoice_settings as { default_payment_method: string }).default_payment_method;
      // the first invoice: 0 during a trial, else the first period, paid with the card just given
      this.#invoice(sub, s._trial ? 0 : Number(s.amount_total), 'paid', account);
      s.subscription = sub.id;
      s.status = 'complete';
      s.payment_status = s._trial ? 'no_payment_required' : 'paid';
      this.#event('checkout.session.completed', s, account);
      return s;
    }
    const amount = Number(s.amount_total);
    const manual = s._capture === 'manual';
    const failed = options.outcome === 'failed';
    const charge = this.#put({
      id: this.#id('ch'), object: 'charge', amount, currency: s.currency, captured: !manual && !failed,
      amount_captured: manual || failed ? 0 : amount, amount_refunded: 0, refunded: false, paid: !failed,
      status: failed ? 'failed' : 'succeeded', payment_intent: null as string | null, created: this.now(),
    }, account);
    const pi = this.#put({
      id: this.#id('pi'), object: 'payment_intent', amount, currency: s.currency,
      amount_received: manual || failed ? 0 : amount, amount_capturable: manual && !failed ? amount : 0,
      status: failed ? 'requires_payment_method' : manual ? 'requires_capture' : 'succeeded',
      latest_charge: charge.id, capture_method: s._capture, application_fee_amount: s._fee,
      metadata: { ...(s.metadata as object) }, created: this.now(),
    }, account);
    charge.payment_intent = pi.id;
    s.payment_intent = pi.id;
    if (failed) {
      this.#event('payment_intent.payment_failed', pi, account);
      return s;
    }
    s.status = 'complete';
    s.payment_status = 'paid';
    this.#event('checkout.session.completed', s, account);
    this.#event(manual ? 'payment_intent.amount_capturable_updated' : 'payment_intent.succeeded', pi, account);
    return s;
  }

  /** The customer opens a Payment Link and pays: a Checkout Session is made from the link. */
  payPaymentLink(linkId: string, options: { account?: string; clientReferenceId?: string } = {}): Obj {
    const account = options.account ?? null;
    const link = this.#get('payment_link', linkId, account);
    if (!link.active) throw new Error(`Payment Link ${linkId} is deactivated`);
    const s = this.#createSession({ client_reference_id: options.clientReferenceId ?? '' }, account, link);
    if (!options.clientReferenceId) s.client_reference_id = null;
    return this.completeCheckoutSession(s.id, { account: options.account });
  }

  /** The connected account finishes onboarding. */
  completeOnboarding(accountId: string): Obj {
    const a = this.#get('account', accountId, null);
    Object.assign(a, { charges_enabled: true, payouts_enabled: true, details_submitted: true, requirements: { currently_due: [], eventually_due: [], past_due: [], pending_verification: [], disabled_reason: null, current_deadline: null } });
    this.#event('account.updated', a, accountId);
    return a;
  }

  /**
   * The subscription's next invoice is attempted: paid → `active` and `invoice.paid`; failed → `past_due` and
   * `invoice.payment_failed` (what Stripe does at trial end or renewal with a working or failing card).
   */
  attemptSubscriptionInvoice(subscriptionId: string, outcome: 'paid' | 'failed', options: { account?: string } = {}): { invoice: Obj; subscription: Obj } {
    const account = options.account ?? null;
    const s = this.#get('subscription', subscriptionId, account);
    if (s.status === 'canceled') throw new Error(`Subscription ${subscriptionId} is canceled`);
    const item = (s.items as { data: Obj[] }).data[0]!;
    const price = item.price as Obj;
    if (outcome === 'paid') {
      const start = Math.max(this.now(), Number(s.current_period_end));
      Object.assign(s, { status: 'active', trial_end: s.status === 'trialing' ? this.now() : s.trial_end, current_period_start: start, current_period_end: start + this.#periodSeconds(s) });
    } else {
      s.status = 'past_due';
    }
    const invoice = this.#invoice(s, Number(price.unit_amount) * Number(item.quantity), outcome, account);
    this.#event('customer.subscription.updated', s, account);
    return { invoice, subscription: s };
  }

  /** The period ends: a subscription set to cancel at period end is canceled (`customer.subscription.deleted`). */
  endSubscriptionPeriod(subscriptionId: string, options: { account?: string } = {}): Obj {
    const account = options.account ?? null;
    const s = this.#get('subscription', subscriptionId, account);
    if (!s.cancel_at_period_end) throw new Error(`Subscription ${subscriptionId} is not set to cancel at period end`);
    return this.#cancelSubscription(subscriptionId, account);
  }

  /** An invoice of the subscription (API 2025-02-24 shape: `subscription` and `subscription_details.metadata`). */
  #invoice(s: Obj, amount: number, outcome: 'paid' | 'failed', account: string | null): Obj {
    const price = (s.items as { data: Obj[] }).data[0]!.price as Obj;
    const invoice = this.#put({
      id: this.#id('in'), object: 'invoice', customer: s.customer, subscription: s.id, currency: price.currency,
      subscription_details: { metadata: { ...(s.metadata as object) } },
      amount_due: amount, amount_paid: outcome === 'paid' ? amount : 0,
      status: outcome === 'paid' ? 'paid' : 'open', attempt_count: 1, created: this.now(), metadata: {},
      hosted_invoice_url: `${this.baseUrl}/invoices/${s.id}`,
    }, account);
    this.#event(outcome === 'paid' ? 'invoice.paid' : 'invoice.payment_failed', invoice, account);
    return invoice;
  }

  #attachCard(customerId: string, account: string | null): Obj {
    const customer = this.#get('customer', customerId, account);
    const pm = this.#put({ id: this.#id('pm'), object: 'payment_method', type: 'card', customer: customer.id, card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034 }, created: this.now() }, account);
    customer.invoice_settings = { default_payment_method: pm.id };
    this.#event('payment_method.attached', pm, account);
    this.#event('customer.updated', customer, account);
    return pm;
  }

  // ---- Billing customer portal ----

  #createPortalSession(p: DecodedForm, account: string | null): Obj {
    const customer = this.#get('customer', req(p, 'customer'), account);
    const returnUrl = str(p.return_url);
    if (returnUrl !== undefined && !/^https?:\/\//.test(returnUrl)) throw invalid('Invalid URL: return_url', 'return_url', 'url_invalid');
    const configuration = str(p.configuration);
    if (configuration !== undefined && !configuration.startsWith('bpc_')) throw invalid(`No such configuration: '${configuration}'`, 'configuration', 'resource_missing');
    // a configuration made in the dashboard has a default return URL; the account default here has none
    if (returnUrl === undefined && configuration === undefined) throw invalid('Missing required param: return_url.', 'return_url', 'parameter_missing');
    const flow = p.flow_data === undefined ? null : sub(p.flow_data);
    if (flow) {
      const type = req(flow, 'type');
      if (!['payment_method_update', 'subscription_cancel', 'subscription_update', 'subscription_update_confirm'].includes(type)) throw invalid(`Invalid flow_data[type]: ${type}`, 'flow_data[type]');
      if (type === 'subscription_cancel') {
        const subId = str(sub(flow.subscription_cancel).subscription);
        if (!subId) throw invalid('Missing required param: flow_data[subscription_cancel][subscription].', 'flow_data[subscription_cancel][subscription]', 'parameter_missing');
        const target = this.#get('subscription', subId, account);
        if (target.customer !== customer.id) throw invalid('The subscription does not belong to this customer.', 'flow_data[subscription_cancel][subscription]');
      }
    }
    const id = this.#id('bps');
    return this.#put({
      id, object: 'billing_portal.session', customer: customer.id, url: `${this.baseUrl}/billing_portal/${id}`, return_url: returnUrl ?? null,
      configuration: configuration ?? 'bpc_default', flow: flow ? { type: flow.type } : null, locale: str(p.locale) ?? null, created: this.now(), livemode: false,
    }, account);
  }

  #portalSession(id: string, account: string | null): Obj {
    return this.#get('billing_portal.session', id, account);
  }

  /** In the portal, the customer replaces its card (becomes the default for the subscription's invoices). */
  portalUpdatePaymentMethod(portalSessionId: string, options: { account?: string } = {}): Obj {
    const account = options.account ?? null;
    const ps = this.#portalSession(portalSessionId, account);
    const pm = this.#attachCard(String(ps.customer), account);
    for (const o of this.objects.values()) {
      if (o.object === 'subscription' && o.customer === ps.customer && o.status !== 'canceled' && (o._account ?? null) === account) {
        o.default_payment_method = pm.id;
        this.#event('customer.subscription.updated', o, account);
      }
    }
    return pm;
  }

  /** In the portal, the customer cancels (the portal's default: at the end of the period). */
  portalCancelSubscription(portalSessionId: string, subscriptionId: string, options: { account?: string; immediately?: boolean } = {}): Obj {
    const account = options.account ?? null;
    const ps = this.#portalSession(portalSessionId, account);
    const s = this.#get('subscription', subscriptionId, account);
    if (s.customer !== ps.customer) throw new Error(`Subscription ${subscriptionId} is not the portal customer's`);
    if (options.immediately) return this.#cancelSubscription(subscriptionId, account);
    s.cancel_at_period_end = true;
    this.#event('customer.subscription.updated', s, account);
    return s;
  }

  // ---- Events and webhooks ----

  #pending: { eventId: string; endpointId: string }[] = [];

  #event(type: string, object: Obj, account: string | null): Obj {
    const event: Obj = {
      id: this.#id('evt'), object: 'event', type, api_version: '2025-01-27', created: this.now(), livemode: false,
      pending_webhooks: 0, data: { object: this.view(object) }, ...(account ? { account } : {}),
    };
    this.events.push(event);
    for (const ep of this.endpoints) {
      if (ep.connect === (account !== null) && subscribed(ep, type)) this.#pending.push({ eventId: event.id, endpointId: ep.id });
    }
    return event;
  }

  addWebhookEndpoint(options: { url: string; secrets?: string[]; connect?: boolean; enabledEvents?: string[] }): WebhookEndpoint {
    const ep: WebhookEndpoint = {
      id: this.#id('we'), url: options.url, connect: options.connect ?? false, enabledEvents: options.enabledEvents ?? ['*'],
      secrets: options.secrets ?? [`whsec_${randomBytes(16).toString('hex')}`],
    };
    this.endpoints.push(ep);
    return ep;
  }

  /** Events queued for endpoints but not yet sent. */
  get pending(): readonly { eventId: string; endpointId: string }[] {
    return this.#pending;
  }

  /** The exact bytes Stripe would send for an event. */
  payloadOf(eventId: string): string {
    const e = this.events.find((x) => x.id === eventId);
    if (!e) throw new Error(`No event ${eventId}`);
    return JSON.stringify(e, null, 2);
  }

  signatureFor(endpoint: WebhookEndpoint, payload: string, mode: SignatureMode, at = this.now()): string | null {
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

  async deliver(eventId: string, options: DeliveryOptions = {}): Promise<DeliveryResult[]> {
    const event = this.events.find((x) => x.id === eventId);
    if (!event) throw new Error(`No event ${eventId}`);
    const targets = this.endpoints.filter((ep) =>
      options.endpointId ? ep.id === options.endpointId : ep.connect === (event.account !== undefined) && subscribed(ep, String(event.type)));
    const payload = this.payloadOf(eventId);
    const mode = options.signature ?? 'valid';
    const times = options.times ?? 1;
    const sends: (() => Promise<DeliveryResult>)[] = [];
    for (const ep of targets) {
      this.#pending = this.#pending.filter((x) => !(x.eventId === eventId && x.endpointId === ep.id));
      for (let i = 0; i < times; i++) sends.push(() => this.#send(ep, eventId, payload, mode, options));
    }
    if (options.concurrent) return Promise.all(sends.map((s) => s()));
    const out: DeliveryResult[] = [];
    for (const s of sends) out.push(await s());
    return out;
  }

  /** Sends everything pending; `reverse`/`shuffle` model Stripe's lack of ordering guarantees. */
  async deliverPending(options: DeliveryOptions & { order?: 'created' | 'reverse' | 'shuffle' } = {}): Promise<DeliveryResult[]> {
    let batch = [...this.#pending];
    this.#pending = [];
    if (options.order === 'reverse') batch.reverse();
    if (options.order === 'shuffle') {
      for (let i = batch.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [batch[i], batch[j]] = [batch[j]!, batch[i]!];
      }
    }
    const out: DeliveryResult[] = [];
    for (const item of batch) out.push(...(await this.deliver(item.eventId, { ...options, endpointId: item.endpointId })));
    return out;
  }

  async #send(ep: WebhookEndpoint, eventId: string, payload: string, mode: SignatureMode, options: DeliveryOptions): Promise<DeliveryResult> {
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    const signature = this.signatureFor(ep, payload, mode);
    const body = mode === 'tampered_body' ? payload.replace('"livemode": false', '"livemode": true') : payload;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)' };
    if (signature !== null) headers['stripe-signature'] = signature;
    return { eventId, endpointId: ep.id, ...(await this.send(ep.url, { headers, body, timeoutMs: options.timeoutMs })) };
  }
}
