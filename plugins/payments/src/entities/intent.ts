import { defineEntity, p, tenantFilter, tenantIdProperty, uuidPrimaryKey } from '@atrium/sdk';
import type { PaymentStatus } from '@atrium/sdk/payments';

/** A payment intent: what we asked a provider to collect, and where it stands. */
export const Intent = defineEntity({
  name: 'PaymentIntent',
  schema: 'payments',
  tableName: 'intent',
  properties: {
    id: uuidPrimaryKey(),
    tenantId: tenantIdProperty(),
    provider: p.string().length(40),
    status: p.string().length(24).$type<PaymentStatus>(),
    amount: p.bigint('number'),
    currency: p.string().length(3),
    amountCaptured: p.bigint('number').default(0),
    amountRefunded: p.bigint('number').default(0),
    description: p.string().length(500).default(''),
    flow: p.string().length(16).default('redirect'),
    captureMethod: p.string().length(16).default('automatic'),
    referencePlugin: p.string().length(40).nullable(),
    referenceId: p.string().length(200).nullable(),
    customer: p.json<Record<string, unknown>>().default('{}' as any),
    providerPaymentId: p.string().length(200).nullable(),
    providerData: p.json<Record<string, unknown>>().default('{}' as any),
    action: p.json<Record<string, unknown>>().default('{}' as any),
    livemode: p.boolean().default(false),
    expiresAt: p.datetime().nullable(),
    nextPollAt: p.datetime().nullable(),
    pollCount: p.integer().default(0),
    lastPolledAt: p.datetime().nullable(),
    createdBy: p.uuid().nullable(),
    /** The key of the provider operation in flight (provider-calls.ts): one at a time per payment. */
    pendingCall: p.string().length(255).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    version: p.integer().version(),
  },
  filters: tenantFilter as any,
});
export type IntentEntity = InstanceType<typeof Intent.class>;
