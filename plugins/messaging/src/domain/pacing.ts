import type { ChannelLimits } from '@atrium/sdk/messaging';

/**
 * Sending pace, per account and per chat, as a GCRA ("generic cell rate algorithm"): each bucket
 * keeps a theoretical arrival time `tat`; a send reserves the next slot, `max(now, tat − tolerance)`,
 * and moves `tat` on by one emission interval. A burst of `burst` sends goes at once, then one per
 * interval. The state lives in the account and conversation rows, so every node of a cluster paces
 * the same account together, and a reservation survives a restart.
 */
export interface Pace {
  /** Emission interval and burst tolerance of the account, milliseconds. */
  accountMs: number;
  accountToleranceMs: number;
  chatMs: number;
  chatToleranceMs: number;
}

export function paceOf(limits: ChannelLimits): Pace {
  const accountMs = Math.max(1, Math.round(1000 / limits.rate.perSecond));
  const chatPerSecond = limits.rate.perChatPerSecond;
  const chatMs = chatPerSecond ? Math.max(1, Math.round(1000 / chatPerSecond)) : 0;
  return {
    accountMs,
    accountToleranceMs: Math.max(0, limits.rate.burst - 1) * accountMs,
    chatMs,
    chatToleranceMs: chatMs ? Math.max(0, (limits.rate.perChatBurst ?? 1) - 1) * chatMs : 0,
  };
}

/**
 * Reserves a slot in the account's and the conversation's buckets and answers when the send may go
 * (`slot`, never before now). $1 tenant, $2 account, $3 conversation, $4/$5 account interval and
 * tolerance, $6/$7 chat interval and tolerance (0: the chat is not paced). Both rows are locked
 * for the rest of the transaction: keep it short.
 */
export const RESERVE_SLOT_SQL = `with a as (
  update messaging.account a set rate_tat = greatest(a.rate_tat, now()) + $4::int * interval '1 millisecond'
  where a.tenant_id = $1::uuid and a.id = $2::uuid
  returning greatest(now(), a.rate_tat - ($4::int + $5::int) * interval '1 millisecond') as slot
), c as (
  update messaging.conversation c set rate_tat = greatest(c.rate_tat, now()) + $6::int * interval '1 millisecond'
  where c.tenant_id = $1::uuid and c.id = $3::uuid and $6::int > 0
  returning greatest(now(), c.rate_tat - ($6::int + $7::int) * interval '1 millisecond') as slot
)
select greatest((select slot from a), coalesce((select slot from c), now())) as slot, now() as now`;

/**
 * A provider told us to wait (`retry_after`): no send of this account goes before then. Pushes the
 * account's bucket so that the next reservation starts after `until`.
 */
export const HOLD_ACCOUNT_SQL = `update messaging.account set rate_tat = greatest(rate_tat, $3::timestamptz)
  where tenant_id = $1::uuid and id = $2::uuid`;
