import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, NotFoundError, Type } from '@atrium/sdk';
import { Intent } from '../entities/intent.ts';
import { Hold, type HoldEntity } from '../entities/records.ts';
import { cancelIntent, insertIntent, planIntent } from '../domain/intents.ts';
import { isOpen } from '../domain/ledger.ts';
import { createAtProvider } from '../domain/provider-calls.ts';
import { providerKey, stableUuid } from '../domain/providers.ts';
import { CreateIntentParams } from './intents.service.ts';

const SUBJECT = 'payments.Hold';
const Resource = Type.Object({
  plugin: Type.String({ pattern: '^[a-z][a-z0-9-]*$', maxLength: 40 }),
  type: Type.String({ minLength: 1, maxLength: 80 }),
  id: Type.String({ minLength: 1, maxLength: 200 }),
}, { additionalProperties: false });

function holdView(h: HoldEntity) {
  return { id: h.id, intentId: h.intentId, resource: { plugin: h.resourcePlugin, type: h.resourceType, id: h.resourceId }, quantity: h.quantity, status: h.status, expiresAt: h.expiresAt, createdAt: h.createdAt };
}

/**
 * Pay first, then book: a hold on a slot / stock item plus a payment whose link expires with the
 * hold. `payments.intent.succeeded.v1` carries the hold ids (the hold is then `confirmed`);
 * `payments.intent.failed.v1` (failed, canceled, expired) releases it. Other plugins call
 * `payments.holds.create` (allowlisted in their manifest) or use the REST route.
 */
export const holdsService = defineService({
  name: 'holds',
  actions: {
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      // the payment is created at a provider: no transaction held while it answers (provider-calls.ts)
      transaction: false,
      summary: 'Hold a resource and create the payment for it; the hold expires with the payment link',
      params: Type.Object({
        resource: Resource,
        quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
        /** How many units exist (default 1: a slot). Active holds + this one must fit. */
        capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
        holdMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 24 * 60 })),
        payment: Type.Omit(CreateIntentParams, ['expiresInMinutes']),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { resource, quantity = 1, capacity = 1, payment } = ctx.params;
        const settings = await ctx.settings<{ defaultHoldMinutes?: number }>();
        const minutes = ctx.params.holdMinutes ?? settings.defaultHoldMinutes ?? 30;
        const input = { ...payment, expiresInMinutes: minutes, reference: payment.reference ?? { plugin: resource.plugin, id: resource.id } };
        const plan = await planIntent(ctx, input, { idempotencyKey: ctx.idempotencyKey, purpose: 'hold' });
        const holdId = ctx.idempotencyKey ? stableUuid(ctx.tenantId, 'hold-row', ctx.idempotencyKey) : crypto.randomUUID();
        const { settings: _s, desc: _d, expiresAt: _e, ...request } = plan;
        const intent = await ctx.outside(createAtProvider, {
          key: providerKey(plan.intentId, 'create'),
          request,
          match: ctx.params,
          // the capacity check, the hold and the pending payment in one short transaction
          async prepare(tx) {
            // serialise holds on one resource
            await tx.sql('select pg_advisory_xact_lock(hashtext($1::text))', [`${tx.tenantId}:${resource.plugin}:${resource.type}:${resource.id}`]);
            const [active] = await tx.sql<{ n: number }>(
              `select coalesce(sum(quantity), 0)::int as n from payments.hold where tenant_id = $1::uuid and resource_plugin = $2::text and resource_type = $3::text and resource_id = $4::text
                 and (status = 'confirmed' or (status = 'held' and expires_at > now()))`,
              [tx.tenantId, resource.plugin, resource.type, resource.id],
            );
            if (active!.n + quantity > capacity) throw new ConflictError('This resource is already held or booked', 'RESOURCE_HELD', { held: active!.n, capacity });
            insertIntent(tx, plan, input, { holds: true });
            tx.em.create(Hold, {
              id: holdId, intentId: plan.intentId, resourcePlugin: resource.plugin, resourceType: resource.type, resourceId: resource.id,
              quantity, status: 'held', expiresAt: plan.expiresAt,
            } as any);
          },
        });
        const hold = await ctx.transaction((tx) => tx.em.findOne(Hold, { intentId: plan.intentId } as any));
        if (!hold || !intent) throw new NotFoundError('Hold not found');
        return { hold: holdView(hold), intent };
      },
    }),
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({
        plugin: Type.Optional(Type.String({ maxLength: 40 })),
        type: Type.Optional(Type.String({ maxLength: 80 })),
        id: Type.Optional(Type.String({ maxLength: 200 })),
        active: Type.Optional(Type.Boolean()),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
        offset: Type.Optional(Type.Integer({ minimum: 0 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { plugin, type, id, active, limit = 50, offset = 0 } = ctx.params;
        const where: Record<string, unknown> = {};
        if (plugin) where.resourcePlugin = plugin;
        if (type) where.resourceType = type;
        if (id) where.resourceId = id;
        if (active) where.$or = [{ status: 'confirmed' }, { status: 'held', expiresAt: { $gt: new Date() } }];
        const [items, total] = await ctx.em.findAndCount(Hold, where as any, { limit, offset, orderBy: { createdAt: 'desc' } as any });
        return { items: items.map(holdView), total };
      },
    }),
    release: defineAction({
      rest: 'POST /:id/release',
      permission: ['release', SUBJECT],
      transaction: false,
      summary: 'Release a hold before it expires; its payment is canceled if still open',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      async handler(ctx) {
        const found = await ctx.transaction(async (tx) => {
          const hold = await tx.em.findOne(Hold, { id: ctx.params.id } as any);
          return hold ? { hold, intent: await tx.em.findOne(Intent, { id: hold.intentId } as any) } : null;
        });
        if (!found) throw new NotFoundError('Hold not found', { subject: 'payments.Hold' });
        if (found.hold.status === 'confirmed') throw new ConflictError('The hold is paid and confirmed; refund the payment instead', 'HOLD_CONFIRMED');
        // the open payment is canceled at its provider first (which releases its holds)
        if (found.intent && isOpen(found.intent.status)) await cancelIntent(ctx, found.intent.id);
        const hold = await ctx.transaction(async (tx) => {
          const h = await tx.em.findOne(Hold, { id: ctx.params.id } as any);
          if (h && h.status === 'held') h.status = 'released';
          return h;
        });
        if (!hold) throw new NotFoundError('Hold not found', { subject: 'payments.Hold' });
        return holdView(hold);
      },
    }),
  },
});
