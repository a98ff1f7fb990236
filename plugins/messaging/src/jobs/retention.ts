import crypto from 'node:crypto';
import { defineJob, type RequestContext } from '@atrium/sdk';
import { messagingSettings } from '../domain/settings.ts';

/** Inbound de-duplication records are kept this long whatever the retention (a provider may redeliver late). */
const EVENT_DAYS = 30;
const BATCH = 5000;

export type RetentionResult = { id: string; ttlDays: number; cutoff: string; messages: number; attachments: number; events: number } | { skipped: 'retention off' };

/**
 * Deletes the bodies and attachments of messages older than the tenant's `retentionDays` (the rows
 * stay, marked `purged_at`, so threads and delivery history keep their shape), the kernel files
 * those attachments were stored in, old previews, and old de-duplication records. Each run is
 * recorded in `messaging.retention_run`, and the action that runs it is audited.
 */
export async function runRetention(ctx: RequestContext): Promise<RetentionResult> {
  const s = await messagingSettings(ctx);
  const days = s.retentionDays;
  const [{ cutoff }] = await ctx.sql<{ cutoff: Date }>(`select now() - $1::int * interval '1 day' as cutoff`, [Math.max(days, 0)]);
  let messages = 0;
  let attachments = 0;
  if (days > 0) {
    for (;;) {
      const rows = await ctx.sql<{ id: string; files: string[] }>(
        `update messaging.message m set body = null, html = null, subject = null, attachments = '[]', buttons = '[]', start_payload = null,
           template = case when m.template is null then null else m.template - 'variables' - 'providerTemplate' end, purged_at = now()
         from (select id, attachments from messaging.message where tenant_id = $1::uuid and created_at < $2::timestamptz and purged_at is null limit $3::int for update) old
         where m.tenant_id = $1::uuid and m.id = old.id
         returning m.id, array(select a->>'fileId' from jsonb_array_elements(old.attachments) a where a->>'fileId' is not null) as files`,
        [ctx.tenantId, cutoff, BATCH]);
      messages += rows.length;
      for (const fileId of rows.flatMap((r) => r.files)) {
        await ctx.call('files.remove', { id: fileId }).then(() => attachments++, (e: any) => {
          if (e?.type !== 'NOT_FOUND') throw e;
        });
      }
      if (rows.length < BATCH) break;
    }
    await ctx.sql(`update messaging.conversation set last_preview = null where tenant_id = $1::uuid and last_message_at < $2::timestamptz and last_preview is not null`, [ctx.tenantId, cutoff]);
  }
  const events = await ctx.sql<{ n: number }>(
    `with gone as (delete from messaging.inbound_event where tenant_id = $1::uuid and received_at < now() - $2::int * interval '1 day' returning 1) select count(*)::int as n from gone`,
    [ctx.tenantId, EVENT_DAYS]);
  await ctx.sql(`delete from messaging.status_pending where tenant_id = $1::uuid and received_at < now() - interval '1 day'`, [ctx.tenantId]);
  if (days <= 0) return { skipped: 'retention off' };
  const id = crypto.randomUUID();
  await ctx.sql('insert into messaging.retention_run (tenant_id, id, ttl_days, cutoff, messages, attachments, events) values ($1::uuid, $2::uuid, $3::int, $4::timestamptz, $5::int, $6::int, $7::int)',
    [ctx.tenantId, id, days, cutoff, messages, attachments, events[0]!.n]);
  return { id, ttlDays: days, cutoff: new Date(cutoff).toISOString(), messages, attachments, events: events[0]!.n };
}

/** Nightly, per tenant; through the audited action so the audit log keeps that it ran. */
export const retentionJob = defineJob({
  cron: '0 40 3 * * *',
  handler: (ctx) => ctx.call('messaging.retention.run', {}),
});
