import { Type, type Static } from '@atrium/sdk';
import type { ProviderWebhookEvent } from '@atrium/sdk/payments';

/** Event contracts this plugin publishes: versioned names, TypeBox payloads. */
export const INTENT_SUCCEEDED = 'payments.intent.succeeded.v1';
export const INTENT_FAILED = 'payments.intent.failed.v1';
export const INTENT_REFUNDED = 'payments.intent.refunded.v1';
/**
 * Internal: verified webhook events were stored. Published (a) once per burst as a wake-up of this
 * plugin's own subscriber (`wake: true`, carrying the first new event of the burst), and (b) for each
 * new event the core does not apply to an intent itself (no status and no payment reference, e.g.
 * Stripe Connect's `account.updated`), so provider plugins can act on those. `event` is null on the
 * subscriber's own re-arm when one batch did not take everything pending.
 */
export const WEBHOOK_RECEIVED = 'payments.webhook.received.v1';
export type WebhookReceivedPayload = {
  provider: string;
  eventId: string;
  event: ProviderWebhookEvent | null;
  /** true: apply everything pending; false: published for provider plugins only. Absent on rows written before wake-ups (treated as true). */
  wake?: boolean;
};

const Reference = Type.Union([Type.Object({ plugin: Type.String(), id: Type.String() }), Type.Null()]);

export const IntentSucceededPayload = Type.Object({
  intentId: Type.String({ format: 'uuid' }),
  provider: Type.String(),
  amount: Type.Integer(),
  amountCaptured: Type.Integer(),
  currency: Type.String(),
  reference: Reference,
  customer: Type.Record(Type.String(), Type.Unknown()),
  holdIds: Type.Array(Type.String()),
});
export type IntentSucceededPayload = Static<typeof IntentSucceededPayload>;

export const IntentFailedPayload = Type.Object({
  intentId: Type.String({ format: 'uuid' }),
  provider: Type.String(),
  status: Type.Union([Type.Literal('failed'), Type.Literal('canceled'), Type.Literal('expired')]),
  amount: Type.Integer(),
  currency: Type.String(),
  reference: Reference,
  holdIds: Type.Array(Type.String()),
});

export const IntentRefundedPayload = Type.Object({
  intentId: Type.String({ format: 'uuid' }),
  refundId: Type.String(),
  provider: Type.String(),
  amount: Type.Integer(),
  amountRefunded: Type.Integer(),
  amountCaptured: Type.Integer(),
  currency: Type.String(),
  full: Type.Boolean(),
  reference: Reference,
});
