import { defineAction, defineService, listPage, Paging, sqlWhere, Type } from '@atrium/sdk';
import { runRetention } from '../jobs/retention.ts';
import { messagingSettings } from '../domain/settings.ts';

const SUBJECT = 'messaging.Retention';

/** Retention: the tenant's TTL for message bodies and attachments, its runs, and "run now". */
export const retentionService = defineService({
  name: 'retention',
  actions: {
    runs: defineAction({
      rest: 'GET /runs',
      permission: ['read', SUBJECT],
      params: Type.Object({ ...Paging }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0 } = ctx.params;
        const page = await listPage(ctx, {
          select: 'r.id, r.ran_at, r.ttl_days, r.cutoff, r.messages, r.attachments, r.events', from: 'messaging.retention_run r',
          where: sqlWhere().always('r.tenant_id = ?::uuid', ctx.tenantId), orderBy: 'r.ran_at desc, r.id', limit, offset,
        }, (r: any) => ({ id: r.id, ranAt: r.ran_at, ttlDays: r.ttl_days, cutoff: r.cutoff, messages: r.messages, attachments: r.attachments, events: r.events }));
        return { ...page, retentionDays: (await messagingSettings(ctx)).retentionDays };
      },
    }),
    run: defineAction({
      rest: 'POST /run',
      permission: ['run', SUBJECT],
      mutates: true,
      summary: 'Delete message bodies and attachments older than the retention setting now (the nightly job does the same)',
      async handler(ctx) {
        const r = await runRetention(ctx);
        if ('id' in r) ctx.audit.target(r.id);
        return r;
      },
    }),
  },
});
