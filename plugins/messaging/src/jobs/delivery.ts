import { defineJob } from '@atrium/sdk';
import { dispatchMessage, SEND_LEASE_SECONDS } from '../domain/outbound-dispatch.ts';
import { pushConversations } from '../domain/live.ts';

/**
 * `deliver`: one queued message (the job id is the message id, or the id plus an attempt for a
 * retry). No transaction: claiming and settling are short transactions of their own, and no
 * connection is held while the adapter calls the provider. Claiming is idempotent, so a duplicate
 * job finds the message no longer queued.
 */
export const deliverJob = defineJob({
  maxAttempts: 3,
  transaction: false,
  handler: (ctx) => dispatchMessage(ctx, String(ctx.data.messageId)),
});

/**
 * `sweep` (every 30 s per tenant): a queued message whose job was lost (a crash between commit and
 * enqueue, a Redis restart) gets a new one; a message left `sending` past its lease was interrupted
 * mid-call — its outcome is unknown, so it becomes `unknown` (a person decides whether to send it
 * again), unless its channel de-duplicates by message id, in which case it is queued again.
 */
export const sweepJob = defineJob({
  cron: '*/30 * * * * *',
  async handler(ctx) {
    const due = await ctx.sql<{ id: string }>(
      `select id from messaging.message where tenant_id = $1::uuid and status = 'queued' and coalesce(not_before, queued_at) < now() - interval '15 seconds' order by not_before nulls first limit 500`,
      [ctx.tenantId]);
    const slot = Math.floor(Date.now() / 30_000);
    for (const m of due) await ctx.jobs.enqueue('deliver', { messageId: m.id }, { jobId: `${m.id}.sweep.${slot}` });
    const stuck = await ctx.sql<{ id: string; conversation_id: string; status: string }>(
      `update messaging.message m set
         status = case when coalesce((a.limits->>'dedupesByMessageId')::boolean, false) then 'queued' else 'unknown' end,
         claimed_until = null,
         error = jsonb_build_object('code', 'INTERRUPTED', 'reason', 'unknown_outcome', 'message', 'The send was interrupted; whether it reached the provider is not known')
       from messaging.account a
       where m.tenant_id = $1::uuid and a.tenant_id = m.tenant_id and a.id = m.account_id and m.status = 'sending' and m.claimed_until < now()
       returning m.id, m.conversation_id, m.status`,
      [ctx.tenantId]);
    for (const m of stuck) if (m.status === 'queued') await ctx.jobs.enqueue('deliver', { messageId: m.id }, { jobId: `${m.id}.resend.${slot}` });
    pushConversations(ctx, [...new Set(stuck.map((m) => m.conversation_id))]);
    return { requeued: due.length, interrupted: stuck.length, leaseSeconds: SEND_LEASE_SECONDS };
  },
});
