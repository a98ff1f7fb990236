// A small Stripe REST client on the global fetch: no SDK dependency, a configurable base URL
// (the tests point it at the fake server), form-encoded bodies, Idempotency-Key on every POST.
import { randomUUID } from 'node:crypto';
import { AtriumError } from '@atrium/sdk';
import Type from 'typebox';
import Value from 'typebox/value';
import { encodeStripeForm, type FormParams } from './stripe.form.ts';
import {
  StripeAccount,
  StripeAccountLink,
  StripeBillingPortalSession,
  StripeCheckoutSession,
  StripeCustomer,
  StripeErrorBody,
  StripePaymentIntent,
  StripePaymentLink,
  StripePrice,
  StripeProduct,
  StripeRefund,
  StripeSubscription,
} from './stripe.schemas.ts';

export const STRIPE_API_BASE = 'https://api.stripe.com';

export interface StripeClientConfig {
  secretKey: string;
  baseUrl?: string;
  /** Pins `Stripe-Version`; otherwise the account's default version applies. */
  apiVersion?: string;
  timeoutMs?: number;
  /** Retries on network errors, 409 (idempotent request in flight) and 5xx, with the same key. */
  maxNetworkRetries?: number;
  /** First retry delay; doubles per attempt (a 409 means the first request is still running). */
  retryDelayMs?: number;
  /** The HTTP client: in a plugin, the kernel's `ctx.fetch` (allowlisted, bounded); global fetch otherwise. */
  fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
}

export interface RequestOptions {
  /** Stripe keeps keys ≥ 24 h; reuse with different parameters is a 400. Max 255 chars. */
  idempotencyKey?: string;
  /** Act on a connected account (Connect): sends `Stripe-Account`. */
  stripeAccount?: string;
}

/** Stripe answered with an error body. */
export class StripeApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly declineCode: string | undefined;
  readonly requestId: string | undefined;
  constructor(status: number, body: StripeErrorBody, requestId: string | undefined) {
    super(body.error.message ?? `Stripe ${body.error.type} (${status})`);
    this.name = 'StripeApiError';
    this.status = status;
    this.type = body.error.type;
    this.code = body.error.code;
    this.param = body.error.param;
    this.declineCode = body.error.decline_code;
    this.requestId = requestId;
  }
  /** Same key, different parameters: a programming error, never retried. */
  get isIdempotencyError(): boolean {
    return this.type === 'idempotency_error';
  }
}

/** No answer (connection refused, reset, timeout). The outcome is unknown: retry with the same key. */
export class StripeNetworkError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'StripeNetworkError';
  }
}

/** An answer that is not what Stripe documents (wrong shape, not JSON). */
export class StripeProtocolError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.name = 'StripeProtocolError';
    this.status = status;
  }
}

export interface StripeResponseMeta {
  requestId: string | undefined;
  /** True when Stripe replayed a stored response for a repeated Idempotency-Key. */
  idempotentReplayed: boolean;
}

const Deleted = Type.Object({ id: Type.String(), deleted: Type.Literal(true) });

// ---- Request parameter types (the subset we send) ----

// A type alias (not an interface) so it is assignable to the form encoder's index signature.
export type LineItem = {
  price?: string;
  /** Inline price, for one-off amounts without a catalogue entry. */
  price_data?: {
    currency: string;
    unit_amount: number;
    product_data?: { name: string };
    product?: string;
    recurring?: { interval: 'day' | 'week' | 'month' | 'year'; interval_count?: number };
  };
  quantity: number;
};

export interface CreatePaymentLinkParams {
  line_items: LineItem[];
  metadata?: Record<string, string>;
  after_completion?: { type: 'redirect'; redirect: { url: string } } | { type: 'hosted_confirmation' };
  /** Connect: platform commission in minor units (payment mode only). */
  application_fee_amount?: number;
  transfer_data?: { destination: string };
}

export interface CreateCheckoutSessionParams {
  mode: 'payment' | 'subscription';
  line_items: LineItem[];
  success_url: string;
  cancel_url?: string;
  client_reference_id?: string;
  customer?: string;
  customer_email?: string;
  /** Unix seconds, 30 min … 24 h ahead: matches our hold expiry for pay-then-book. */
  expires_at?: number;
  metadata?: Record<string, string>;
  payment_intent_data?: {
    capture_method?: 'automatic' | 'manual';
    application_fee_amount?: number;
    transfer_data?: { destination: string };
    metadata?: Record<string, string>;
  };
  /** Subscription mode: the subscription's trial and metadata (copied onto the subscription Checkout creates). */
  subscription_data?: { trial_period_days?: number; metadata?: Record<string, string> };
  /** Subscription mode: `always` (default) asks for a card even for a free trial; `if_required` skips it. */
  payment_method_collection?: 'always' | 'if_required';
}

export interface CreateBillingPortalSessionParams {
  customer: string;
  /** Where the portal's "return" link goes (required unless the configuration has a default). */
  return_url?: string;
  /** A portal configuration (`bpc_…`); the account's default otherwise. */
  configuration?: string;
  /** Deep link into one flow instead of the portal's home page. */
  flow_data?:
    | { type: 'payment_method_update' }
    | { type: 'subscription_cancel'; subscription_cancel: { subscription: string } };
  locale?: string;
}

export interface CreateRefundParams {
  payment_intent: string;
  /** Minor units; omitted = the whole remaining amount. */
  amount?: number;
  reason?: 'duplicate' | 'fraudulent' | 'requested_by_customer';
  metadata?: Record<string, string>;
}

export interface CreateAccountParams {
  type?: 'express' | 'standard' | 'custom';
  country?: string;
  email?: string;
  capabilities?: Record<string, { requested: boolean }>;
  metadata?: Record<string, string>;
}

export interface CreateAccountLinkParams {
  account: string;
  refresh_url: string;
  return_url: string;
  type: 'account_onboarding' | 'account_update';
}

export interface CreateProductParams {
  /** Optional own id (Stripe accepts one on create): lets a catalogue entry be found again without storing Stripe's id. */
  id?: string;
  name: string;
  metadata?: Record<string, string>;
}

export interface CreatePriceParams {
  product: string;
  currency: string;
  unit_amount: number;
  recurring?: { interval: 'day' | 'week' | 'month' | 'year'; interval_count?: number };
  metadata?: Record<string, string>;
}

export interface CreateCustomerParams {
  email?: string;
  name?: string;
  metadata?: Record<string, string>;
}

/** An inline recurring price for a subscription item (Stripe creates the price object). */
export type SubscriptionPriceData = {
  currency: string;
  product: string;
  unit_amount: number;
  recurring: { interval: 'day' | 'week' | 'month' | 'year'; interval_count?: number };
};

export interface CreateSubscriptionParams {
  customer: string;
  items: { price?: string; price_data?: SubscriptionPriceData; quantity?: number }[];
  trial_period_days?: number;
  metadata?: Record<string, string>;
}

export interface UpdateSubscriptionParams {
  /** Upgrade/downgrade: replace an item's price by passing its id with the new price. */
  items?: { id?: string; price?: string; price_data?: SubscriptionPriceData; quantity?: number; deleted?: boolean }[];
  proration_behavior?: 'create_prorations' | 'none' | 'always_invoice';
  cancel_at_period_end?: boolean;
  metadata?: Record<string, string>;
}

export class StripeClient {
  readonly #config: Required<Omit<StripeClientConfig, 'apiVersion'>> & { apiVersion: string | undefined };
  #lastMeta: StripeResponseMeta = { requestId: undefined, idempotentReplayed: false };

  constructor(config: StripeClientConfig) {
    if (!config.secretKey) throw new TypeError('StripeClient needs a secretKey');
    this.#config = {
      secretKey: config.secretKey,
      baseUrl: (config.baseUrl ?? STRIPE_API_BASE).replace(/\/+$/, ''),
      apiVersion: config.apiVersion,
      timeoutMs: config.timeoutMs ?? 30_000,
      maxNetworkRetries: config.maxNetworkRetries ?? 0,
      retryDelayMs: config.retryDelayMs ?? 500,
      fetch: config.fetch ?? globalThis.fetch,
    };
  }

  /** Metadata of the last completed response (request id, replay flag). */
  get lastResponse(): StripeResponseMeta {
    return this.#lastMeta;
  }

  async request<S extends Type.TSchema>(
    schema: S,
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    params: FormParams = {},
    options: RequestOptions = {},
  ): Promise<Type.Static<S>> {
    const form = encodeStripeForm(params);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#config.secretKey}`,
      accept: 'application/json',
    };
    if (this.#config.apiVersion) headers['stripe-version'] = this.#config.apiVersion;
    if (options.stripeAccount) headers['stripe-account'] = options.stripeAccount;
    let url = `${this.#config.baseUrl}${path}`;
    let body: string | undefined;
    if (method === 'POST') {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      // A generated key still makes our own retries safe, as the official SDKs do.
      const key = options.idempotencyKey ?? randomUUID();
      if (key.length > 255) throw new TypeError('Idempotency-Key longer than 255 characters');
      headers['idempotency-key'] = key;
      body = form;
    } else if (form) {
      url += `?${form}`;
    }

    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.#config.fetch(url, {
          method,
          headers,
          body,
          signal: AbortSignal.timeout(this.#config.timeoutMs),
        });
      } catch (err) {
        // refused by the platform before anything was sent (base URL not allowed, tenant busy): not a network error
        if (err instanceof AtriumError) throw err;
        if (attempt < this.#config.maxNetworkRetries) {
          await this.#backoff(attempt);
          continue;
        }
        throw new StripeNetworkError(`Stripe ${method} ${path} failed: ${(err as Error).message}`, err);
      }
      const retriable = res.status === 409 || res.status >= 500;
      if (retriable && attempt < this.#config.maxNetworkRetries) {
        await res.body?.cancel();
        await this.#backoff(attempt);
        continue;
      }
      return this.#parse(schema, res, method, path);
    }
  }

  #backoff(attempt: number): Promise<void> {
    return new Promise((r) => setTimeout(r, this.#config.retryDelayMs * 2 ** attempt));
  }

  async #parse<S extends Type.TSchema>(schema: S, res: Response, method: string, path: string): Promise<Type.Static<S>> {
    const requestId = res.headers.get('request-id') ?? undefined;
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new StripeProtocolError(`Stripe ${method} ${path}: non-JSON response (${res.status})`, res.status);
    }
    if (!res.ok) {
      if (Value.Check(StripeErrorBody, json)) throw new StripeApiError(res.status, json, requestId);
      throw new StripeProtocolError(`Stripe ${method} ${path}: ${res.status} without an error body`, res.status);
    }
    if (!Value.Check(schema, json)) {
      const first = [...Value.Errors(schema, json)][0];
      throw new StripeProtocolError(
        `Stripe ${method} ${path}: unexpected response shape at ${first?.instancePath || '/'}: ${first?.message}`,
        res.status,
      );
    }
    this.#lastMeta = { requestId, idempotentReplayed: res.headers.get('idempotent-replayed') === 'true' };
    return json;
  }

  // ---- Customer payments ----

  createPaymentLink(params: CreatePaymentLinkParams, options?: RequestOptions): Promise<StripePaymentLink> {
    return this.request(StripePaymentLink, 'POST', '/v1/payment_links', { ...params }, options);
  }

  deactivatePaymentLink(id: string, options?: RequestOptions): Promise<StripePaymentLink> {
    return this.request(StripePaymentLink, 'POST', `/v1/payment_links/${enc(id)}`, { active: false }, options);
  }

  createCheckoutSession(params: CreateCheckoutSessionParams, options?: RequestOptions): Promise<StripeCheckoutSession> {
    return this.request(StripeCheckoutSession, 'POST', '/v1/checkout/sessions', { ...params }, options);
  }

  retrieveCheckoutSession(id: string, options?: RequestOptions): Promise<StripeCheckoutSession> {
    return this.request(StripeCheckoutSession, 'GET', `/v1/checkout/sessions/${enc(id)}`, {}, options);
  }

  expireCheckoutSession(id: string, options?: RequestOptions): Promise<StripeCheckoutSession> {
    return this.request(StripeCheckoutSession, 'POST', `/v1/checkout/sessions/${enc(id)}/expire`, {}, options);
  }

  retrievePaymentIntent(id: string, options?: RequestOptions): Promise<StripePaymentIntent> {
    return this.request(StripePaymentIntent, 'GET', `/v1/payment_intents/${enc(id)}`, {}, options);
  }

  capturePaymentIntent(id: string, amountToCapture?: number, options?: RequestOptions): Promise<StripePaymentIntent> {
    return this.request(StripePaymentIntent, 'POST', `/v1/payment_intents/${enc(id)}/capture`, { amount_to_capture: amountToCapture }, options);
  }

  cancelPaymentIntent(id: string, options?: RequestOptions): Promise<StripePaymentIntent> {
    return this.request(StripePaymentIntent, 'POST', `/v1/payment_intents/${enc(id)}/cancel`, {}, options);
  }

  createRefund(params: CreateRefundParams, options?: RequestOptions): Promise<StripeRefund> {
    return this.request(StripeRefund, 'POST', '/v1/refunds', { ...params }, options);
  }

  retrieveRefund(id: string, options?: RequestOptions): Promise<StripeRefund> {
    return this.request(StripeRefund, 'GET', `/v1/refunds/${enc(id)}`, {}, options);
  }

  // ---- Connect ----

  createAccount(params: CreateAccountParams, options?: RequestOptions): Promise<StripeAccount> {
    return this.request(StripeAccount, 'POST', '/v1/accounts', { ...params }, options);
  }

  retrieveAccount(id: string, options?: RequestOptions): Promise<StripeAccount> {
    return this.request(StripeAccount, 'GET', `/v1/accounts/${enc(id)}`, {}, options);
  }

  createAccountLink(params: CreateAccountLinkParams, options?: RequestOptions): Promise<StripeAccountLink> {
    return this.request(StripeAccountLink, 'POST', '/v1/account_links', { ...params }, options);
  }

  // ---- Subscriptions (platform billing of tenants) ----

  createProduct(params: CreateProductParams, options?: RequestOptions): Promise<StripeProduct> {
    return this.request(StripeProduct, 'POST', '/v1/products', { ...params }, options);
  }

  retrieveProduct(id: string, options?: RequestOptions): Promise<StripeProduct> {
    return this.request(StripeProduct, 'GET', `/v1/products/${enc(id)}`, {}, options);
  }

  createPrice(params: CreatePriceParams, options?: RequestOptions): Promise<StripePrice> {
    return this.request(StripePrice, 'POST', '/v1/prices', { ...params }, options);
  }

  createCustomer(params: CreateCustomerParams, options?: RequestOptions): Promise<StripeCustomer> {
    return this.request(StripeCustomer, 'POST', '/v1/customers', { ...params }, options);
  }

  createSubscription(params: CreateSubscriptionParams, options?: RequestOptions): Promise<StripeSubscription> {
    return this.request(StripeSubscription, 'POST', '/v1/subscriptions', { ...params }, options);
  }

  retrieveSubscription(id: string, options?: RequestOptions): Promise<StripeSubscription> {
    return this.request(StripeSubscription, 'GET', `/v1/subscriptions/${enc(id)}`, {}, options);
  }

  updateSubscription(id: string, params: UpdateSubscriptionParams, options?: RequestOptions): Promise<StripeSubscription> {
    return this.request(StripeSubscription, 'POST', `/v1/subscriptions/${enc(id)}`, { ...params }, options);
  }

  cancelSubscription(id: string, options?: RequestOptions): Promise<StripeSubscription> {
    return this.request(StripeSubscription, 'DELETE', `/v1/subscriptions/${enc(id)}`, {}, options);
  }

  retrieveCustomer(id: string, options?: RequestOptions): Promise<StripeCustomer> {
    return this.request(StripeCustomer, 'GET', `/v1/customers/${enc(id)}`, {}, options);
  }

  /** `POST /v1/billing_portal/sessions`: a customer portal link (update the card, see invoices, cancel). */
  createBillingPortalSession(params: CreateBillingPortalSessionParams, options?: RequestOptions): Promise<StripeBillingPortalSession> {
    return this.request(StripeBillingPortalSession, 'POST', '/v1/billing_portal/sessions', { ...params }, options);
  }

  deleteCustomer(id: string, options?: RequestOptions): Promise<Type.Static<typeof Deleted>> {
    return this.request(Deleted, 'DELETE', `/v1/customers/${enc(id)}`, {}, options);
  }
}

function enc(id: string): string {
  return encodeURIComponent(id);
}
