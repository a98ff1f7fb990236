import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, NotFoundError, Type } from '@atrium/sdk';
import { Hold, type HoldEntity } from '../entities/records.ts';
import { cancelIntent, createIntent, loadLocked } from '../domain/intents.ts';
import { intentView, isOpen } from '../domain/ledger.ts';
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
        // serialise holds on one resource inside this transaction
        await ctx.em.execute('select pg_advisory_xact_lock(hashtext(?))', [`${ctx.tenantId}:${resource.plugin}:${resource.type}:${resource.id}`]);
        const active = await ctx.em.execute(
          `select coalesce(sum(quantity), 0)::int as n from payments.hold where resource_plugin = ? and resource_type = ? and resource_id = ?
             and (status = 'confirmed' or (status = 'held' and expires_at > now()))`,
          [resource.plugin, resource.type, resource.id],
        );
        if (active[0].n + quantity > capacity) throw new ConflictError('This resource is already held or booked', 'RESOURCE_HELD', { held: active[0].n, capacity });
        const settings = await ctx.settings<{ defaultHoldMinutes?: number }>();
        const minutes = ctx.params.holdMinutes ?? settings.defaultHoldMinutes ?? 30;
        const intent = await createIntent(ctx, { ...payment, expiresInMinutes: minutes, reference: payment.reference ?? { plugin: resource.plugin, id: resource.id } }, { idempotencyKey: ctx.idempotencyKey, purpose: 'hold' });
        intent.providerData = { ...(intent.providerData ?? {}), holds: true };
        const hold = ctx.em.create(Hold, {
          id: crypto.randomUUID(), intentId: intent.id, resourcePlugin: resource.plugin, resourceType: resource.type, resourceId: resource.id,
          quantity, status: 'held', expiresAt: intent.expiresAt ?? new Date(Date.now() + minutes * 60_000),
        } as any) as HoldEntity;
        return { hold: holdView(hold), intent: intentView(intent) };
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
      summary: 'Release a hold before it expires; its payment is canceled if still open',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      async handler(ctx) {
        const hold = await ctx.em.findOne(Hold, { id: ctx.params.id } as any);
        if (!hold) throw new NotFoundError('Hold not found', { subject: 'payments.Hold' });
        if (hold.status === 'confirmed') throw new ConflictError('The hold is paid and confirmed; refund the payment instead', 'HOLD_CONFIRMED');
        const intent = await loadLocked(ctx, hold.intentId);
        if (isOpen(intent.status)) await cancelIntent(ctx, intent);
        hold.status = 'released';
        return holdView(hold);
      },
    }),
  },
});
