/**
 * @atrium/sdk/payments — the contract between the provider-neutral payments core
 * (`@atrium/plugin-payments`, plugin id `payments`) and payment provider plugins.
 *
 * A provider is an ordinary plugin whose id is `payments-<key>` (e.g. `payments-stripe`), which
 * `provides: ["payment-provider"]`, depends on `payments`, and registers the service that
 * `definePaymentProvider()` returns. That service is named `provider`, so its actions are
 * `payments-<key>.provider.{describe,create,status,capture,cancel,refund,verifyWebhook}`; the core
 * calls them through the broker (its manifest allowlists `payments-*`). Running inside the
 * provider plugin means: the provider's own settings and secrets (`ctx.settings()`), the
 * provider's enablement gate (a disabled provider answers 403 PLUGIN_DISABLED), and the
 * provider can run on its own node.
 *
 * Amounts are integers in minor units; currencies are ISO 4217 upper case.
 */
import { Type } from 'typebox';
import { AtriumError, ValidationError } from '../errors.ts';
import { defineAction, defineService, type ActionContext, type Logger, type ServiceDefinition } from '../plugin.ts';
import type { IdempotencyRecord, IdempotencyStore } from './provider-idempotency.ts';

export const PAYMENT_PROVIDER_CAPABILITY = 'payment-provider';
export const PAYMENTS_PLUGIN_ID = 'payments';
/** The service name every provider plugin registers. */
export const PROVIDER_SERVICE = 'provider';
/** The payments core's internal service that keeps providers' idempotency records (`ctx.idempotency`). */
export const PROVIDER_KEYS_SERVICE = `${PAYMENTS_PLUGIN_ID}.providerKeys`;

/** `ctx.idempotency` of a provider: records in the payments core's table, through its internal actions. */
export function providerKeyStore(ctx: Pick<ActionContext<any>, 'call'>): IdempotencyStore {
  return {
    async get(key) {
      const r = await ctx.call<{ record: IdempotencyRecord | null }>(`${PROVIDER_KEYS_SERVICE}.get`, { key });
      return r.record ?? undefined;
    },
    async set(key, record) {
      await ctx.call(`${PROVIDER_KEYS_SERVICE}.set`, { key, record });
    },
  };
}

/** The canonical state machine of a payment intent. */
export type PaymentStatus =
  | 'pending'
  | 'requires_action'
  | 'authorized'
  | 'captured'
  | 'partially_refunded'
  | 'refunded'
  | 'failed'
  | 'canceled'
  | 'expired';

export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['pending', 'requires_action', 'authorized', 'captured', 'partially_refunded', 'refunded', 'failed', 'canceled', 'expired'];

/**
 * Allowed transitions. `failed → …` covers a customer retrying on the provider's page (Stripe,
 * PayBox allow it); `expired → authorized|captured` records a late payment the provider took
 * after our hold ran out (the money exists, so the ledger must show it; the core flags it).
 */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  pending: ['requires_action', 'authorized', 'captured', 'failed', 'canceled', 'expired'],
  requires_action: ['pending', 'authorized', 'captured', 'failed', 'canceled', 'expired'],
  authorized: ['captured', 'canceled', 'failed', 'expired'],
  captured: ['partially_refunded', 'refunded'],
  partially_refunded: ['partially_refunded', 'refunded'],
  refunded: [],
  failed: ['requires_action', 'authorized', 'captured'],
  canceled: [],
  expired: ['authorized', 'captured'],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return PAYMENT_TRANSITIONS[from]?.includes(to) ?? false;
}

/** States in which money may still move on the provider's side without our action. */
export const OPEN_STATUSES: readonly PaymentStatus[] = ['pending', 'requires_action', 'authorized'];
export const FINAL_STATUSES: readonly PaymentStatus[] = ['refunded', 'canceled', 'failed', 'expired'];

export type PaymentFlow = 'redirect' | 'link' | 'qr';

export interface ProviderCapabilities {
  /** The provider pushes signed webhooks/callbacks; without them the core polls. */
  webhooks: boolean;
  /** The provider supports authorize-now-capture-later. */
  manualCapture: boolean;
  partialCapture: boolean;
  partialRefund: boolean;
  cancel: boolean;
  flows: readonly PaymentFlow[];
  currencies?: readonly string[];
}

export interface ProviderDescription {
  key: string;
  pluginId: string;
  displayName: string;
  capabilities: ProviderCapabilities;
  /** How often the core polls open intents of this provider (webhook providers: the fallback). */
  pollIntervalMs: number;
  mode: 'test' | 'live';
}

export interface CreatePaymentInput {
  intentId: string;
  amount: number;
  currency: string;
  description: string;
  flow: PaymentFlow;
  capture: 'automatic' | 'manual';
  /** Where the customer returns after paying (redirect flows). */
  returnUrl?: string;
  /** The public URL of this tenant's webhook endpoint for this provider. */
  webhookUrl: string;
  /** When the link/QR must stop accepting payment (the hold's expiry). */
  expiresAt?: string;
  customer?: { email?: string; phone?: string; name?: string; ref?: string };
  /** Provider de-duplication key for this call (stable across retries of the same request). */
  idempotencyKey: string;
  metadata: Record<string, string>;
}

/** What the customer must do next. */
export interface PaymentAction {
  type: PaymentFlow;
  url?: string;
  qrToken?: string;
}

/** The provider's view of a payment, in canonical terms. */
export interface ProviderPaymentState {
  status: PaymentStatus;
  providerPaymentId: string;
  amount?: number;
  currency?: string;
  amountCaptured?: number;
  /** Omitted when the provider cannot tell (the core's ledger stands). */
  amountRefunded?: number;
  /** Provider references to keep on the intent (merged into its provider data). */
  data?: Record<string, unknown>;
}

export interface CreatedPayment extends ProviderPaymentState {
  action: PaymentAction;
  expiresAt?: string;
  /** Override the provider's default poll interval for this payment (e.g. Kaspi tells it). */
  pollIntervalMs?: number;
}

/** Everything the core knows about an intent that a provider needs to act on it. */
export interface ProviderPaymentRef {
  intentId: string;
  providerPaymentId: string;
  amount: number;
  currency: string;
  amountCaptured: number;
  amountRefunded: number;
  data: Record<string, unknown>;
}

export interface RefundInput {
  amount: number;
  /** Provider de-duplication key; the same for every retry of one refund. */
  idempotencyKey: string;
  /** Our ledger's refunded total before this refund: providers without idempotency keys compare it with
   * their own total to tell whether an earlier attempt with an unknown outcome already went through. */
  refundedBefore: number;
  reason?: string;
}

export interface RefundResult {
  providerRefundId: string | null;
  /** The provider's refunded total after this refund, when it tells. */
  refundedTotal?: number;
}

export interface WebhookRequest {
  /** The exact bytes received. */
  body: Buffer;
  contentType: string;
  /** Lower-cased request headers. */
  headers: Record<string, string>;
  /** The request path (PayBox signs with the last segment of the result URL). */
  path: string;
}

/** One verified provider event, normalised. */
export interface ProviderWebhookEvent {
  /** Unique per provider (Stripe `evt_…`); derived from the payload when the provider has none. */
  eventId: string;
  type: string;
  /** Our intent id when the provider echoes it (metadata, order id, client reference). */
  intentId?: string;
  providerPaymentId?: string;
  /** Find the intent by a provider reference kept in its provider data (e.g. Stripe's PaymentIntent id). */
  lookup?: { key: string; value: string };
  /** The state the event implies; omitted when it only carries references. */
  status?: PaymentStatus;
  amountCaptured?: number;
  amountRefunded?: number;
  data?: Record<string, unknown>;
  occurredAt?: string;
  livemode?: boolean;
}

export interface WebhookResult {
  events: ProviderWebhookEvent[];
  /** A body the provider expects back (PayBox's signed XML); JSON `{ received: true }` otherwise. */
  response?: { contentType: string; body: string };
}

export interface ProviderContext<S> {
  readonly tenantId: string;
  readonly settings: S;
  readonly logger: Logger;
  readonly mode: 'test' | 'live';
  /**
   * The kernel's outbound HTTP (`ctx.fetch`): give it to the provider's client. Only the base URLs
   * the manifest declares (`outbound.baseUrls`) and the operator allows are reachable; calls are
   * bounded by the request's deadline and the tenant's share of outbound calls.
   */
  readonly fetch: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /**
   * The provider's idempotency ledger for operations the provider cannot de-duplicate itself
   * (`OnceByKey`): kept by the payments core in PostgreSQL for this tenant and provider, so a
   * retry after a restart or on another node finds the first attempt. The manifest must allow
   * `payments.providerKeys.*` in `calls`.
   */
  readonly idempotency: IdempotencyStore;
}

export interface PaymentProviderDefinition<S extends Record<string, unknown> = Record<string, unknown>> {
  /** `stripe` for plugin `payments-stripe`. */
  key: string;
  displayName: string;
  capabilities: ProviderCapabilities;
  pollIntervalMs?: number;
  /** Test or live, from the settings (default: `settings.mode`, else `test`). */
  mode?(settings: S): 'test' | 'live';
  create(ctx: ProviderContext<S>, input: CreatePaymentInput): Promise<CreatedPayment>;
  status(ctx: ProviderContext<S>, ref: ProviderPaymentRef): Promise<ProviderPaymentState>;
  capture?(ctx: ProviderContext<S>, ref: ProviderPaymentRef, input: { amount?: number; idempotencyKey: string }): Promise<ProviderPaymentState>;
  cancel?(ctx: ProviderContext<S>, ref: ProviderPaymentRef, input: { idempotencyKey: string }): Promise<ProviderPaymentState>;
  refund(ctx: ProviderContext<S>, ref: ProviderPaymentRef, input: RefundInput): Promise<RefundResult>;
  /**
   * Verify the signature (throw `WebhookSignatureError`) and normalise the events. Like every
   * provider operation it runs without a transaction: use `ctx.settings` only, no database access.
   */
  verifyWebhook?(ctx: ProviderContext<S>, req: WebhookRequest): Promise<WebhookResult> | WebhookResult;
  /** Maps provider errors to Atrium errors; the default turns unknown errors into 502 PROVIDER_ERROR. */
  mapError?(e: unknown): unknown;
}

/** A webhook whose signature does not verify (400, nothing stored). */
export class WebhookSignatureError extends ValidationError {
  readonly reason: string;
  constructor(reason: string, message = 'Webhook signature verification failed') {
    super(`${message} (${reason})`, [{ field: 'signature', code: 'signature', message: reason }]);
    this.type = 'WEBHOOK_SIGNATURE_INVALID';
    this.reason = reason;
  }
}

/** The provider refused the operation (declined, wrong state, amount too large): 422. */
export class ProviderRejectedError extends AtriumError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 422, 'PROVIDER_REJECTED', details ? { details } : undefined);
    this.name = 'ProviderRejectedError';
  }
}

/** The provider did not answer or answered nonsense; the outcome is unknown, retry with the same key: 502. */
export class ProviderUnavailableError extends AtriumError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, 502, 'PROVIDER_UNAVAILABLE', details ? { details } : undefined);
    this.name = 'ProviderUnavailableError';
  }
}

/** `payments-stripe.provider.create` for (`stripe`, `create`). */
export function providerAction(key: string, op: ProviderOperation): string {
  return `${PAYMENTS_PLUGIN_ID}-${key}.${PROVIDER_SERVICE}.${op}`;
}

export type ProviderOperation = 'describe' | 'create' | 'status' | 'capture' | 'cancel' | 'refund' | 'verifyWebhook';

const Loose = Type.Object({}, { additionalProperties: true });

/**
 * Builds the `provider` service of a provider plugin. Its actions have no REST route and are
 * reachable only through the broker by plugins that allowlist them (the payments core).
 */
export function definePaymentProvider<S extends Record<string, unknown>>(def: PaymentProviderDefinition<S>): ServiceDefinition {
  const pluginId = `${PAYMENTS_PLUGIN_ID}-${def.key}`;
  const modeOf = (s: S) => def.mode?.(s) ?? (s.mode === 'live' ? 'live' : 'test');
  const context = async (ctx: ActionContext<any>): Promise<ProviderContext<S>> => {
    const settings = await ctx.settings<S>();
    return { tenantId: ctx.tenantId, settings, logger: ctx.logger, mode: modeOf(settings), fetch: ctx.fetch, idempotency: providerKeyStore(ctx) };
  };
  const mapError = (e: unknown): unknown => {
    if (e instanceof AtriumError) return e;
    const mapped = def.mapError?.(e);
    if (mapped instanceof AtriumError) return mapped;
    return new ProviderUnavailableError(`${def.displayName}: ${(e as Error)?.message ?? String(e)}`);
  };
  const guarded = <R>(fn: (ctx: ActionContext<any>) => Promise<R>) => async (ctx: ActionContext<any>) => {
    try {
      return await fn(ctx);
    } catch (e) {
      throw mapError(e);
    }
  };
  const unsupported = (op: string) => new ProviderRejectedError(`${def.displayName} does not support ${op}`, { provider: def.key, operation: op, reason: 'unsupported' });
  // not the `internal` access level: 'public' (no user needed) and no REST route, so only broker callers reach them.
  // No transaction: every one of them calls out (or may), and an outside call never holds a
  // connection (ARCHITECTURE §9) — the payments core records intents and results around them.
  const internal = { permission: 'public' as const, params: Loose, mutates: false, transaction: false };
  return defineService({
    name: PROVIDER_SERVICE,
    actions: {
      describe: defineAction({
        ...internal,
        handler: guarded(async (ctx) => {
          const pctx = await context(ctx);
          const out: ProviderDescription = { key: def.key, pluginId, displayName: def.displayName, capabilities: def.capabilities, pollIntervalMs: def.pollIntervalMs ?? 10 * 60_000, mode: pctx.mode };
          return out;
        }),
      }),
      create: defineAction({ ...internal, handler: guarded(async (ctx) => def.create(await context(ctx), ctx.params as CreatePaymentInput)) }),
      status: defineAction({ ...internal, handler: guarded(async (ctx) => def.status(await context(ctx), (ctx.params as any).ref)) }),
      capture: defineAction({
        ...internal,
        handler: guarded(async (ctx) => {
          if (!def.capture) throw unsupported('capture');
          const p = ctx.params as any;
          return def.capture(await context(ctx), p.ref, { amount: p.amount, idempotencyKey: p.idempotencyKey });
        }),
      }),
      cancel: defineAction({
        ...internal,
        handler: guarded(async (ctx) => {
          if (!def.cancel) throw unsupported('cancel');
          const p = ctx.params as any;
          return def.cancel(await context(ctx), p.ref, { idempotencyKey: p.idempotencyKey });
        }),
      }),
      refund: defineAction({
        ...internal,
        handler: guarded(async (ctx) => {
          const p = ctx.params as any;
          return def.refund(await context(ctx), p.ref, p.input as RefundInput);
        }),
      }),
      // Verifying is a signature check over the bytes and the provider's (cached) settings; it runs
      // on every webhook. `ctx.settings()` reads in a short tenant-scoped transaction of its own on
      // a settings-cache miss.
      verifyWebhook: defineAction({
        ...internal,
        handler: guarded(async (ctx) => {
          if (!def.verifyWebhook) throw unsupported('webhooks');
          const p = ctx.params as any;
          const req: WebhookRequest = { body: Buffer.from(String(p.body ?? ''), 'base64'), contentType: String(p.contentType ?? ''), headers: p.headers ?? {}, path: String(p.path ?? '') };
          return def.verifyWebhook(await context(ctx), req);
        }),
      }),
    },
  });
}

/** Reads a list of active secrets from a setting that may be one string or several (rotation). */
export function activeSecrets(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  if (typeof value === 'string' && value) return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

export * from './provider-idempotency.ts';
