// Stripe Connect onboarding of a tenant's own Stripe account to the operator's platform account.
// The connected account is created once per tenant (onboarding takes the tenant's turn on its row —
// row-turn.ts — and Stripe's Idempotency-Key covers a crash between Stripe's answer and our commit;
// no transaction is held while Stripe answers); once Stripe
// reports charges enabled, the provider takes the tenant's payments on that account (Stripe-Account
// header, the operator's key) with the platform's commission as the application fee.
import { defineAction, defineJob, defineService, defineSubscriber, Type, type RequestContext } from '@atrium/sdk';
import type { ProviderWebhookEvent } from '@atrium/sdk/payments';
import { connectConfig, platformClient, requireConnectConfig, type ConnectConfig } from './platform.config.ts';
import { stripeCall } from './stripe.errors.ts';
import type { StripeAccount } from './stripe.schemas.ts';
import { connectCache, type ConnectSnapshot } from './connect.cache.ts';
import { inTurn } from './row-turn.ts';

export interface ConnectRow {
  tenant_id: string;
  account_id: string | null;
  charges_enabled: boolean;
  payouts_enabled: boolean;
  details_submitted: boolean;
  requirements: Record<string, unknown>;
  synced_at: Date | string | null;
}

/** What the provider needs to take payments on the tenant's connected account (injected into its settings). */
export interface PlatformConnectSettings {
  accountId: string;
  chargesEnabled: boolean;
  /** Absent when the operator removed the Connect configuration after onboarding. */
  secretKey?: string;
  baseUrl?: string;
  feeBps: number;
  webhookSecrets: string[];
}

const CONNECT_COLUMNS = 'tenant_id, account_id, charges_enabled, payouts_enabled, details_submitted, requirements, synced_at, created_at, updated_at';

/** The tenant's Connect row, in the request's transaction (a prepared statement). */
export async function connectRow(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, lock = false): Promise<ConnectRow | null> {
  const rows = await ctx.sql(`select ${CONNECT_COLUMNS} from payments_stripe.connect_account where tenant_id = $1::uuid${lock ? ' for update' : ''}`, [ctx.tenantId]);
  return (rows[0] as ConnectRow | undefined) ?? null;
}

/** What the provider gets as `settings._platform` for a Connect row (the operator's part from the environment). */
export function platformFromRow(row: ConnectSnapshot | null): PlatformConnectSettings | undefined {
  if (!row?.account_id) return undefined;
  let cfg: ConnectConfig | null = null;
  try {
    cfg = connectConfig();
  } catch {
    cfg = null; // misconfigured commission: payments fall back to the tenant's own key rather than fail
  }
  return {
    accountId: row.account_id,
    chargesEnabled: row.charges_enabled,
    ...(cfg ? { secretKey: cfg.secretKey, baseUrl: cfg.baseUrl } : {}),
    feeBps: cfg?.feeBps ?? 0,
    webhookSecrets: cfg?.webhookSecrets ?? [],
  };
}

/** The internal action a handler without a transaction (webhook verification) reads the row through. */
export const CONNECT_ROW_ACTION = 'payments-stripe.connect.row';

function requirementsOf(a: StripeAccount): Record<string, unknown> {
  const r = a.requirements ?? {};
  return {
    currentlyDue: r.currently_due ?? [],
    eventuallyDue: r.eventually_due ?? [],
    pastDue: r.past_due ?? [],
    pendingVerification: r.pending_verification ?? [],
    disabledReason: r.disabled_reason ?? null,
    currentDeadline: r.current_deadline ? new Date(r.current_deadline * 1000).toISOString() : null,
  };
}

/** JSON with sorted keys (jsonb does not keep key order). */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** Stores what Stripe says about the account; true when something changed. */
async function storeAccount(ctx: RequestContext, row: ConnectRow, a: StripeAccount): Promise<boolean> {
  const requirements = requirementsOf(a);
  connectCache.invalidate(ctx.tenantId);
  const changed = row.account_id !== a.id || row.charges_enabled !== a.charges_enabled || row.payouts_enabled !== a.payouts_enabled
    || row.details_submitted !== a.details_submitted || canon(row.requirements ?? {}) !== canon(requirements);
  await ctx.em.execute(
    `update payments_stripe.connect_account set account_id = ?, charges_enabled = ?, payouts_enabled = ?, details_submitted = ?, requirements = ?,
       synced_at = now(), updated_at = case when ? then now() else updated_at end where tenant_id = ?`,
    [a.id, a.charges_enabled, a.payouts_enabled, a.details_submitted, JSON.stringify(requirements), changed, ctx.tenantId],
  );
  Object.assign(row, { account_id: a.id, charges_enabled: a.charges_enabled, payouts_enabled: a.payouts_enabled, details_submitted: a.details_submitted, requirements, synced_at: new Date() });
  return changed;
}

function view(row: ConnectRow | null, cfg: ConnectConfig | null) {
  return {
    configured: cfg !== null,
    accountId: row?.account_id ?? null,
    chargesEnabled: row?.charges_enabled ?? false,
    payoutsEnabled: row?.payouts_enabled ?? false,
    detailsSubmitted: row?.details_submitted ?? false,
    requirements: row?.account_id ? row.requirements : null,
    /** Payments of this tenant go through the connected account (Stripe-Account) once this is true. */
    active: !!(row?.account_id && row.charges_enabled && cfg),
    applicationFeeBps: cfg?.feeBps ?? 0,
    syncedAt: row?.synced_at ? new Date(row.synced_at).toISOString() : null,
  };
}

const Url = Type.String({ pattern: '^https?://', maxLength: 2000 });

export const connectService = defineService({
  name: 'connect',
  actions: {
    row: defineAction({
      permission: 'internal',
      mutates: false,
      summary: 'The columns of the tenant\'s Connect row the provider needs, read in a transaction of its own (for webhook verification, which has none)',
      params: Type.Object({}, { additionalProperties: false }),
      async handler(ctx): Promise<ConnectSnapshot | null> {
        const row = await connectRow(ctx);
        return row ? { account_id: row.account_id, charges_enabled: row.charges_enabled } : null;
      },
    }),
    onboard: defineAction({
      rest: 'POST /onboarding',
      permission: ['onboard', 'payments-stripe.Connect'],
      transaction: false,
      summary: 'Start (or continue) Stripe Connect onboarding: creates the tenant\'s connected account once and answers a fresh onboarding link',
      params: Type.Object({ returnUrl: Url, refreshUrl: Url }, { additionalProperties: false }),
      async handler(ctx) {
        const cfg = requireConnectConfig();
        const stripe = platformClient(cfg, ctx.fetch);
        // one onboarding of the tenant at a time: a concurrent start waits and then finds the account made
        return inTurn(ctx, 'connect_account', async () => {
          connectCache.invalidate(ctx.tenantId);
          let row = (await ctx.transaction((tx) => connectRow(tx)))!;
          let created = false;
          if (!row.account_id) {
            const account = await stripeCall(() => stripe.createAccount({
              type: cfg.accountType,
              ...(cfg.country ? { country: cfg.country } : {}),
              ...(cfg.accountType === 'express' ? { capabilities: { card_payments: { requested: true }, transfers: { requested: true } } } : {}),
              metadata: { atrium_tenant_id: ctx.tenantId },
            }, { idempotencyKey: `atrium-connect-account-${ctx.tenantId}` }));
            row = await ctx.transaction(async (tx) => {
              const locked = (await connectRow(tx, true))!;
              await storeAccount(tx, locked, account);
              return locked;
            });
            created = true;
            ctx.audit.target(account.id);
          }
          // links are single-use and short-lived: a new one every time
          const link = await stripeCall(() => stripe.createAccountLink({
            account: row.account_id!, return_url: ctx.params.returnUrl, refresh_url: ctx.params.refreshUrl,
            type: row.details_submitted ? 'account_update' : 'account_onboarding',
          }));
          return { ...view(row, cfg), created, url: link.url, expiresAt: new Date(link.expires_at * 1000).toISOString() };
        });
      },
    }),
    status: defineAction({
      rest: 'GET /',
      permission: ['read', 'payments-stripe.Connect'],
      // a GET that may store what Stripe says; audited only when it changed something
      mutates: true,
      transaction: false,
      summary: 'The tenant\'s connected account: re-read from Stripe (refresh=false answers the stored state)',
      params: Type.Object({ refresh: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')])) }, { additionalProperties: false }),
      async handler(ctx) {
        const cfg = connectConfig();
        let row = await ctx.transaction((tx) => connectRow(tx));
        let changed = false;
        if (row?.account_id && cfg && ctx.params.refresh !== 'false') {
          const account = await stripeCall(() => platformClient(cfg, ctx.fetch).retrieveAccount(row!.account_id!));
          ({ row, changed } = await ctx.transaction(async (tx) => {
            const locked = (await connectRow(tx, true))!;
            return { row: locked, changed: await storeAccount(tx, locked, account) };
          }));
        }
        if (!changed) ctx.audit.skip();
        return view(row, cfg);
      },
    }),
  },
});

/** Re-reads the tenant's connected account at Stripe and stores it (queued by the subscriber below). */
export const CONNECT_SYNC_JOB = 'connect-sync';

/**
 * `account.updated` arrives through the payments core's webhook ingress (the tenant's Stripe webhook
 * URL, registered as a Connect endpoint and verified with the operator's Connect secrets); the core
 * stores it once and publishes `payments.webhook.received.v1`. Here the account is re-read — not in
 * the delivery's transaction (never call out holding one): the `connect-sync` job does it — so
 * duplicates and out-of-order deliveries store Stripe's current state.
 */
export const onStripeWebhook = defineSubscriber<{ provider: string; eventId: string; event: ProviderWebhookEvent }>({
  maxAttempts: 8,
  async handler(ctx) {
    const { provider, event } = ctx.event.payload;
    if (provider !== 'stripe' || event?.type !== 'account.updated') return;
    const accountId = typeof event.data?.accountId === 'string' ? event.data.accountId : null;
    if (!accountId || !connectConfig()) return;
    const row = await connectRow(ctx);
    if (row?.account_id !== accountId) return; // not this tenant's account (the provider already filters these)
    await ctx.jobs.enqueue(CONNECT_SYNC_JOB, { accountId });
  },
});

export const connectSyncJob = defineJob({
  maxAttempts: 5,
  transaction: false,
  async handler(ctx) {
    const accountId = String(ctx.data.accountId ?? '');
    const cfg = connectConfig();
    if (!accountId || !cfg) return { synced: false };
    const account = await stripeCall(() => platformClient(cfg, ctx.fetch).retrieveAccount(accountId));
    const changed = await ctx.transaction(async (tx) => {
      const row = await connectRow(tx, true);
      return row?.account_id === accountId ? storeAccount(tx, row, account) : false;
    });
    return { synced: true, changed };
  },
});
