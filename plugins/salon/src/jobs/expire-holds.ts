import { defineJob } from '@atrium/sdk';
import { BOOKING_STATUS_CHANGED } from '../events.ts';

/** Every minute: holds whose time ran out (a deposit never paid) give their slots back. */
export const expireHoldsJob = defineJob({
  cron: '* * * * *',
  async handler(ctx) {
    const expired = await ctx.sql<{ id: string; chain_id: string }>(
      `update salon.booking set status = 'expired', hold_expires_at = null, updated_at = now(), version = version + 1
        where tenant_id = $1::uuid and status = 'held' and hold_expires_at <= now() returning id, chain_id`, [ctx.tenantId]);
    for (const e of expired) await ctx.emit(BOOKING_STATUS_CHANGED, { id: e.id, chainId: e.chain_id, from: 'held', to: 'expired', by: 'platform' });
    return { expired: expired.length };
  },
});
