import { defineAction, defineService, NotFoundError, Type } from '@atrium/sdk';
import { Reconciliation } from '../entities/records.ts';
import { reconcile } from '../domain/jobs.ts';

const SUBJECT = 'payments.Reconciliation';
const view = (r: any) => ({ id: r.id, day: r.day, ranAt: r.ranAt, checked: r.checked, differences: r.differences, errors: r.errors });

export const reconciliationService = defineService({
  name: 'reconciliation',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      summary: 'Reconciliation reports (our ledger vs the providers), newest first',
      params: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const [items, total] = await ctx.em.findAndCount(Reconciliation, {} as any, { limit: ctx.params.limit ?? 20, offset: ctx.params.offset ?? 0, orderBy: { ranAt: 'desc' } as any });
        return { items: items.map(view), total };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      async handler(ctx) {
        const r = await ctx.em.findOne(Reconciliation, { id: ctx.params.id } as any);
        if (!r) throw new NotFoundError('Report not found', { subject: 'payments.Reconciliation' });
        return view(r);
      },
    }),
    run: defineAction({
      rest: 'POST /run',
      permission: ['run', SUBJECT],
      status: 201,
      // reads every provider: no transaction held meanwhile (domain/jobs.ts)
      transaction: false,
      summary: 'Reconcile now (intents touched in the last `hours`, and all open ones)',
      params: Type.Object({ hours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 31 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const r = await reconcile(ctx, { since: new Date(Date.now() - (ctx.params.hours ?? 26) * 3600_000) });
        return { id: r.id, checked: r.checked, differences: r.differences, errors: r.errors };
      },
    }),
  },
});
