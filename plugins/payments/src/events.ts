import { Type, type Static } from '@atrium/sdk';

/** Event contracts this plugin publishes: versioned names, TypeBox payloads. */
export const INTENT_SUCCEEDED = 'payments.intent.succeeded.v1';
export const INTENT_FAILED = 'payments.intent.failed.v1';
export const INTENT_REFUNDED = 'payments.intent.refunded.v1';
/** Internal: a verified webhook event stored once, processed by this plugin's own subscriber. */
export const WEBHOOK_RECEIVED = 'payments.webhook.received.v1';

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
