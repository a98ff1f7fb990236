// The platform operator's Stripe configuration. Plugins have no platform-level settings (settings
// are per tenant, and a tenant owner edits them), so what belongs to the operator — the Connect
// platform key and commission, the billing account and its plans — comes from the environment.
// Read on every use (cheap; parsed plans are cached by their source text), so a restart is not
// needed to pick up a changed value and tests can set them before starting a kernel.
import fs from 'node:fs';
import Type from 'typebox';
import Value from 'typebox/value';
import { AtriumError } from '@atrium/sdk';
import { activeSecrets } from '@atrium/sdk/payments';
import { StripeClient, STRIPE_API_BASE } from './stripe.client.ts';

/** The operator has not configured this part (503: nothing the tenant can fix). */
export class PlatformNotConfiguredError extends AtriumError {
  constructor(message: string, code: string, details?: Record<string, unknown>) {
    super(message, 503, code, details ? { details } : undefined);
    this.name = 'PlatformNotConfiguredError';
  }
}

const env = (name: string): string | undefined => {
  const v = process.env[name]?.trim();
  return v ? v : undefined;
};

// ---- Connect (the operator's platform account acting on tenants' connected accounts) ----

export interface ConnectConfig {
  secretKey: string;
  baseUrl: string;
  /** Platform commission on connected-account payments, basis points (0 = none). */
  feeBps: number;
  /** Secrets of the operator's Connect webhook endpoints (events of connected accounts). */
  webhookSecrets: string[];
  accountType: 'standard' | 'express';
  country: string | undefined;
}

export function connectConfig(): ConnectConfig | null {
  const secretKey = env('ATRIUM_STRIPE_CONNECT_SECRET_KEY');
  if (!secretKey) return null;
  const fee = env('ATRIUM_STRIPE_CONNECT_FEE_BPS') ?? '0';
  if (!/^\d+$/.test(fee) || Number(fee) > 10_000) {
    throw new PlatformNotConfiguredError('ATRIUM_STRIPE_CONNECT_FEE_BPS must be an integer 0…10000', 'CONNECT_MISCONFIGURED', { variable: 'ATRIUM_STRIPE_CONNECT_FEE_BPS' });
  }
  const type = env('ATRIUM_STRIPE_CONNECT_ACCOUNT_TYPE') ?? 'standard';
  if (type !== 'standard' && type !== 'express') {
    throw new PlatformNotConfiguredError('ATRIUM_STRIPE_CONNECT_ACCOUNT_TYPE must be standard or express', 'CONNECT_MISCONFIGURED', { variable: 'ATRIUM_STRIPE_CONNECT_ACCOUNT_TYPE' });
  }
  return {
    secretKey,
    baseUrl: env('ATRIUM_STRIPE_CONNECT_BASE_URL') ?? STRIPE_API_BASE,
    feeBps: Number(fee),
    webhookSecrets: activeSecrets(env('ATRIUM_STRIPE_CONNECT_WEBHOOK_SECRETS') ?? ''),
    accountType: type,
    country: env('ATRIUM_STRIPE_CONNECT_COUNTRY'),
  };
}

export function requireConnectConfig(): ConnectConfig {
  const c = connectConfig();
  if (!c) throw new PlatformNotConfiguredError('Stripe Connect is not configured on this platform (ATRIUM_STRIPE_CONNECT_SECRET_KEY)', 'CONNECT_NOT_CONFIGURED');
  return c;
}

// ---- SaaS billing of tenants (the operator's own Stripe account) ----

export const PlanSchema = Type.Object({
  id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  priceMinor: Type.Integer({ minimum: 0 }),
  currency: Type.String({ pattern: '^[A-Za-z]{3}$' }),
  interval: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month'), Type.Literal('year')]),
  intervalCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
  trialDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 730 })),
  features: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 })),
  /** A price the operator made in the Stripe dashboard; without it the plugin bills with inline price data. */
  stripePriceId: Type.Optional(Type.String({ pattern: '^price_' })),
}, { additionalProperties: false });
export type Plan = Type.Static<typeof PlanSchema>;

const PlansSchema = Type.Array(PlanSchema, { minItems: 1, maxItems: 50 });

/** The API version billing requests pin (`Stripe-Version`), so the shapes we read do not move with the account's default. */
export const BILLING_API_VERSION = '2025-02-24.acacia';

export interface BillingConfig {
  secretKey: string;
  baseUrl: string;
  apiVersion: string;
  /** Customer portal configuration (`bpc_…`); the account's default portal when unset. */
  portalConfiguration: string | undefined;
  webhookSecrets: string[];
  toleranceSeconds: number;
  plans: Plan[];
}

let plansCache: { source: string; plans: Plan[] } | null = null;

function parsePlans(source: string, origin: string): Plan[] {
  if (plansCache?.source === source) return plansCache.plans;
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (e) {
    throw new PlatformNotConfiguredError(`${origin} is not JSON: ${(e as Error).message}`, 'BILLING_MISCONFIGURED', { variable: origin });
  }
  if (!Value.Check(PlansSchema, json)) {
    const errors = [...Value.Errors(PlansSchema, json)].slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new PlatformNotConfiguredError(`${origin} is invalid: ${errors.join('; ')}`, 'BILLING_MISCONFIGURED', { variable: origin, errors });
  }
  const ids = new Set<string>();
  for (const p of json) {
    if (ids.has(p.id)) throw new PlatformNotConfiguredError(`${origin}: plan id "${p.id}" appears twice`, 'BILLING_MISCONFIGURED', { variable: origin });
    ids.add(p.id);
  }
  const plans = json.map((p) => ({ ...p, currency: p.currency.toUpperCase() }));
  plansCache = { source, plans };
  return plans;
}

export function billingPlans(): Plan[] {
  const inline = env('ATRIUM_BILLING_PLANS');
  if (inline) return parsePlans(inline, 'ATRIUM_BILLING_PLANS');
  const file = env('ATRIUM_BILLING_PLANS_FILE');
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new PlatformNotConfiguredError(`ATRIUM_BILLING_PLANS_FILE cannot be read: ${(e as Error).message}`, 'BILLING_MISCONFIGURED', { variable: 'ATRIUM_BILLING_PLANS_FILE' });
    }
    return parsePlans(text, 'ATRIUM_BILLING_PLANS_FILE');
  }
  return [];
}

export function requireBillingConfig(): BillingConfig {
  const secretKey = env('ATRIUM_BILLING_STRIPE_SECRET_KEY');
  if (!secretKey) throw new PlatformNotConfiguredError('Platform billing is not configured (ATRIUM_BILLING_STRIPE_SECRET_KEY)', 'BILLING_NOT_CONFIGURED');
  const tolerance = env('ATRIUM_BILLING_WEBHOOK_TOLERANCE_SECONDS') ?? '300';
  const apiVersion = env('ATRIUM_BILLING_STRIPE_API_VERSION') ?? BILLING_API_VERSION;
  if (!/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(apiVersion)) {
    throw new PlatformNotConfiguredError('ATRIUM_BILLING_STRIPE_API_VERSION must look like 2025-02-24.acacia', 'BILLING_MISCONFIGURED', { variable: 'ATRIUM_BILLING_STRIPE_API_VERSION' });
  }
  const portalConfiguration = env('ATRIUM_BILLING_PORTAL_CONFIGURATION');
  if (portalConfiguration && !portalConfiguration.startsWith('bpc_')) {
    throw new PlatformNotConfiguredError('ATRIUM_BILLING_PORTAL_CONFIGURATION must be a portal configuration id (bpc_…)', 'BILLING_MISCONFIGURED', { variable: 'ATRIUM_BILLING_PORTAL_CONFIGURATION' });
  }
  return {
    secretKey,
    baseUrl: env('ATRIUM_BILLING_STRIPE_BASE_URL') ?? STRIPE_API_BASE,
    apiVersion,
    portalConfiguration,
    webhookSecrets: activeSecrets(env('ATRIUM_BILLING_WEBHOOK_SECRETS') ?? ''),
    toleranceSeconds: /^\d+$/.test(tolerance) ? Number(tolerance) : 300,
    plans: billingPlans(),
  };
}

/**
 * The operator's client (Connect, billing), for one call: on the kernel's `ctx.fetch` when given
 * (the operator's base URL must then be allowed too: it is api.stripe.com unless configured
 * otherwise — add yours to outbound.allow.payments-stripe), else the global fetch (only where no
 * tenant is known yet: finding the tenant of an operator webhook). Retries network errors, 409 and
 * 5xx with the same Idempotency-Key.
 */
export function platformClient(c: { secretKey: string; baseUrl: string; apiVersion?: string }, fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>): StripeClient {
  return new StripeClient({ secretKey: c.secretKey, baseUrl: c.baseUrl, apiVersion: c.apiVersion, timeoutMs: 20_000, maxNetworkRetries: 2, retryDelayMs: 200, ...(fetch ? { fetch } : {}) });
}
