import { defineEntity, p, tenantFilter, tenantIdProperty, uuidPrimaryKey } from '@atrium/sdk';

/** Every state change of an intent, with what caused it. */
export const Transition = defineEntity({
  name: 'PaymentTransition',
  schema: 'payments',
  tableName: 'transition',
  properties: {
    id: uuidPrimaryKey(),
    tenantId: tenantIdProperty(),
    intentId: p.uuid(),
    fromStatus: p.string().length(24).nullable(),
    toStatus: p.string().length(24),
    source: p.string().length(24),
    eventId: p.string().length(255).nullable(),
    detail: p.json<Record<string, unknown>>().default('{}' as any),
    userId: p.uuid().nullable(),
    at: p.datetime().onCreate(() => new Date()),
  },
  filters: tenantFilter as any,
});
export type TransitionEntity = InstanceType<typeof Transition.class>;

export const Refund = defineEntity({
  name: 'PaymentRefund',
  schema: 'payments',
  tableName: 'refund',
  properties: {
    id: uuidPrimaryKey(),
    tenantId: tenantIdProperty(),
    intentId: p.uuid(),
    amount: p.bigint('number'),
    currency: p.string().length(3),
    status: p.string().length(16),
    idempotencyKey: p.string().length(255),
    providerRefundId: p.string().length(255).nullable(),
    reason: p.string().length(500).nullable(),
    source: p.string().length(16).default('api'),
    createdBy: p.uuid().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  filters: tenantFilter as any,
});
export type RefundEntity = InstanceType<typeof Refund.class>;

/** A verified provider event, stored once per (provider, event id) within the tenant. */
export const WebhookEvent = defineEntity({
  name: 'PaymentWebhookEvent',
  schema: 'payments',
  tableName: 'webhook_event',
  properties: {
    tenantId: tenantIdProperty().primary(),
    provider: p.string().length(40).primary(),
    eventId: p.string().length(255).primary(),
    type: p.string().length(100),
    intentId: p.uuid().nullable(),
    payload: p.json<Record<string, unknown>>(),
    receivedAt: p.datetime().onCreate(() => new Date()),
    processedAt: p.datetime().nullable(),
    outcome: p.string().length(40).nullable(),
  },
  filters: tenantFilter as any,
});

/** One provider call under a de-duplication key (create/capture/cancel/refund). */
export const ProviderCall = defineEntity({
  name: 'PaymentProviderCall',
  schema: 'payments',
  tableName: 'provider_call',
  properties: {
    tenantId: tenantIdProperty().primary(),
    provider: p.string().length(40).primary(),
    key: p.string().length(255).primary(),
    operation: p.string().length(24),
    intentId: p.uuid().nullable(),
    result: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  filters: tenantFilter as any,
});

/** A slot/stock hold for pay-first-then-book: its expiry matches the payment link's. */
export const Hold = defineEntity({
  name: 'PaymentHold',
  schema: 'payments',
  tableName: 'hold',
  properties: {
    id: uuidPrimaryKey(),
    tenantId: tenantIdProperty(),
    intentId: p.uuid(),
    resourcePlugin: p.string().length(40),
    resourceType: p.string().length(80),
    resourceId: p.string().length(200),
    quantity: p.integer().default(1),
    status: p.string().length(16),
    expiresAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
  },
  filters: tenantFilter as any,
});
export type HoldEntity = InstanceType<typeof Hold.class>;

export const Reconciliation = defineEntity({
  name: 'PaymentReconciliation',
  schema: 'payments',
  tableName: 'reconciliation',
  properties: {
    id: uuidPrimaryKey(),
    tenantId: tenantIdProperty(),
    day: p.string().length(10),
    ranAt: p.datetime().onCreate(() => new Date()),
    checked: p.integer(),
    differences: p.json<unknown[]>(),
    errors: p.json<unknown[]>(),
  },
  filters: tenantFilter as any,
});
