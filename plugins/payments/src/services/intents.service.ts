import crypto from 'node:crypto';
import { defineAction, defineService, isUuid, NotFoundError, Type, ValidationError, type ActionContext } from '@atrium/sdk';
import { PAYMENT_STATUSES } from '@atrium/sdk/payments';
import { Intent } from '../entities/intent.ts';
import { Hold, Refund } from '../entities/records.ts';
import { cancelIntent, captureIntent, createIntent, refreshIntent, refundIntent, viewable } from '../domain/intents.ts';
import { refundView } from '../domain/provider-calls.ts';
import { intentView } from '../domain/ledger.ts';

const SUBJECT = 'payments.Intent';
const Id = Type.String({ format: 'uuid' });
const Minor = Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 });
const Currency = Type.String({ pattern: '^[A-Za-z]{3}$' });
const ProviderKey = Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 30 });
const Status = Type.Union(PAYMENT_STATUSES.map((s) => Type.Literal(s)));

export const CreateIntentParams = Type.Object({
  amount: Minor,
  currency: Currency,
  provider: Type.Optional(ProviderKey),
  description: Type.Optional(Type.String({ maxLength: 500 })),
  flow: Type.Optional(Type.Union([Type.Literal('redirect'), Type.Literal('link'), Type.Literal('qr')])),
  capture: Type.Optional(Type.Union([Type.Literal('automatic'), Type.Literal('manual')])),
  reference: Type.Optional(Type.Object({ plugin: Type.String({ minLength: 1, maxLength: 40 }), id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })),
  customer: Type.Optional(Type.Object({
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    phone: Type.Optional(Type.String({ maxLength: 32 })),
    name: Type.Optional(Type.String({ maxLength: 200 })),
    ref: Type.Optional(Type.String({ maxLength: 200 })),
  }, { additionalProperties: false })),
  returnUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2000 })),
  expiresInMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 24 * 60 })),
  metadata: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }))),
}, { additionalProperties: false });

const SORTS: Record<string, Record<string, 'asc' | 'desc'>> = {
  createdAt: { createdAt: 'asc' }, '-createdAt': { createdAt: 'desc' },
  amount: { amount: 'asc' }, '-amount': { amount: 'desc' },
  updatedAt: { updatedAt: 'asc' }, '-updatedAt': { updatedAt: 'desc' },
};

async function timeline(ctx: ActionContext<any>, intentId: string) {
  const rows = await ctx.em.execute(
    'select id, from_status, to_status, source, event_id, detail, user_id, at from payments.transition where intent_id = ? order by seq',
    [intentId],
  );
  return rows.map((r: any) => ({ id: r.id, from: r.from_status, to: r.to_status, source: r.source, eventId: r.event_id, detail: r.detail, userId: r.user_id, at: r.at }));
}

export const intentsService = defineService({
  name: 'intents',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      summary: 'List payments with filters (status, provider, reference, dates, customer) and pagination',
      params: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        status: Type.Optional(Status),
        provider: Type.Optional(ProviderKey),
        referencePlugin: Type.Optional(Type.String({ maxLength: 40 })),
        referenceId: Type.Optional(Type.String({ maxLength: 200 })),
        from: Type.Optional(Type.String({ format: 'date-time' })),
        to: Type.Optional(Type.String({ format: 'date-time' })),
        currency: Type.Optional(Currency),
        amountMin: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 })),
        amountMax: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 })),
        q: Type.Optional(Type.String({ maxLength: 200 })),
        sort: Type.Optional(Type.Union(Object.keys(SORTS).map((k) => Type.Literal(k)))),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, status, provider, referencePlugin, referenceId, from, to, currency, amountMin, amountMax, sort = '-createdAt' } = ctx.params;
        if (from && to && new Date(from) >= new Date(to)) throw new ValidationError('The date range is empty', [{ field: 'to', code: 'afterFrom', message: 'must be after "from"' }]);
        if (amountMin !== undefined && amountMax !== undefined && amountMin > amountMax) throw new ValidationError('The amount range is empty', [{ field: 'amountMax', code: 'notBelowMin', message: 'must not be less than "amountMin"' }]);
        const and: unknown[] = [ctx.accessibleWhere('read', SUBJECT)];
        if (status) and.push({ status });
        if (provider) and.push({ provider });
        if (referencePlugin) and.push({ referencePlugin });
        if (referenceId) and.push({ referenceId });
        if (from) and.push({ createdAt: { $gte: new Date(from) } });
        if (to) and.push({ createdAt: { $lt: new Date(to) } });
        if (currency) and.push({ currency: currency.toUpperCase() });
        if (amountMin !== undefined) and.push({ amount: { $gte: amountMin } });
        if (amountMax !== undefined) and.push({ amount: { $lte: amountMax } });
        const q = ctx.params.q?.trim();
        if (q) {
          // free text: description and customer (substring), or an exact id / provider id / reference
          const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
          const or: unknown[] = [
            { description: { $ilike: like } },
            { customer: { email: { $ilike: like } } },
            { customer: { name: { $ilike: like } } },
            { providerPaymentId: q },
            { referenceId: q },
          ];
          if (isUuid(q)) or.push({ id: q.toLowerCase() });
          and.push({ $or: or });
        }
        const [items, total] = await ctx.em.findAndCount(Intent, { $and: and } as any, { limit, offset, orderBy: [SORTS[sort], { id: 'asc' }] as any });
        return { items: items.map(intentView), total };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      summary: 'A payment with its timeline (every transition), refunds and holds',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const intent = await ctx.em.findOne(Intent, { id: ctx.params.id } as any);
        if (!intent) throw new NotFoundError('Payment not found', { subject: 'payments.Intent' });
        ctx.authorize('read', SUBJECT, intentView(intent));
        const refunds = await ctx.em.find(Refund, { intentId: intent.id } as any, { orderBy: { createdAt: 'asc' } as any });
        const holds = await ctx.em.find(Hold, { intentId: intent.id } as any);
        return { ...intentView(intent), timeline: await timeline(ctx, intent.id), refunds: refunds.map(refundView), holds: holds.map((h) => ({ id: h.id, resource: { plugin: h.resourcePlugin, type: h.resourceType, id: h.resourceId }, quantity: h.quantity, status: h.status, expiresAt: h.expiresAt })) };
      },
    }),
    // The operations below call a provider: no transaction of their own (the provider may hang);
    // they record what they do in short transactions around the call (domain/provider-calls.ts).
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      transaction: false,
      summary: 'Create a payment (link / redirect / QR) at a provider; send Idempotency-Key to make retries safe',
      params: CreateIntentParams,
      async handler(ctx) {
        return createIntent(ctx, ctx.params, { idempotencyKey: ctx.idempotencyKey });
      },
    }),
    capture: defineAction({
      rest: 'POST /:id/capture',
      permission: ['capture', SUBJECT],
      idempotent: true,
      transaction: false,
      params: Type.Object({ id: Id, amount: Type.Optional(Minor) }, { additionalProperties: false }),
      async handler(ctx) {
        return captureIntent(ctx, ctx.params.id, ctx.params.amount);
      },
    }),
    cancel: defineAction({
      rest: 'POST /:id/cancel',
      permission: ['cancel', SUBJECT],
      idempotent: true,
      transaction: false,
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        return cancelIntent(ctx, ctx.params.id);
      },
    }),
    refund: defineAction({
      rest: 'POST /:id/refunds',
      permission: ['refund', SUBJECT],
      status: 201,
      idempotent: true,
      transaction: false,
      summary: 'Refund all or part of a captured payment; repeatable; a retry with the same Idempotency-Key (header, or `idempotencyKey` in the body for clients that cannot set headers) refunds once',
      params: Type.Object({
        id: Id,
        amount: Type.Optional(Minor),
        reason: Type.Optional(Type.String({ maxLength: 500 })),
        idempotencyKey: Type.Optional(Type.String({ minLength: 8, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const header = ctx.idempotencyKey;
        const body = ctx.params.idempotencyKey;
        if (header && body && header !== body) throw new ValidationError('Two different idempotency keys were sent', [{ field: 'idempotencyKey', code: 'idempotencyKeyMismatch', message: 'differs from the Idempotency-Key header' }]);
        ctx.audit.target(ctx.params.id);
        return refundIntent(ctx, ctx.params.id, { amount: ctx.params.amount, reason: ctx.params.reason, key: header ?? body ?? crypto.randomUUID() });
      },
    }),
    refresh: defineAction({
      rest: 'POST /:id/refresh',
      permission: ['read', SUBJECT],
      transaction: false,
      summary: 'Re-read the payment at the provider now and apply what it reports',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        await viewable(ctx, ctx.params.id);
        const r = await refreshIntent(ctx, ctx.params.id, 'api');
        return { ...r.intent, providerStatus: r.state?.status ?? null, outcome: r.outcome };
      },
    }),
  },
});
