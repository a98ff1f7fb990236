import { defineWorker, type WorkerContext } from '@atrium/sdk';
import type { PollResult } from '@atrium/sdk/messaging';
import { INGRESS_ACCOUNT_ACTION, type IngressAccount } from '../domain/account-cache.ts';
import { callAdapter, sealedAccount } from '../domain/adapters.ts';
import type { IngestRow } from '../domain/inbound.ts';
import { ownToken } from '../domain/own-token.ts';
import { acknowledge } from '../services/inbound.service.ts';

/** How long one poll waits for news at the provider (below the broker's 10 s request timeout). */
export const POLL_WAIT_MS = 8_000;

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => {
    clearTimeout(t);
    resolve();
  }, { once: true });
});

/**
 * One per account that receives by polling (Telegram long polling on a machine without a public
 * URL — the embedded default —, IMAP IDLE): asks the adapter for news after the stored cursor,
 * stores what came and the new cursor in one transaction (so an update is confirmed to the
 * provider only once it is stored, and stored once), and goes on until the supervisor stops it.
 */
export const pollerWorker = defineWorker({
  async run(ctx: WorkerContext) {
    let failures = 0;
    while (!ctx.signal.aborted) {
      const account = await ctx.call<IngressAccount | null>(INGRESS_ACCOUNT_ACTION, { id: ctx.key });
      if (!account || account.inbound !== 'polling' || account.status !== 'connected') return;
      let r: PollResult;
      try {
        r = await callAdapter<PollResult>(ctx, account.adapter, 'poll', { account: sealedAccount(account, null), cursor: account.poll_cursor, waitMs: POLL_WAIT_MS });
        failures = 0;
      } catch (e: any) {
        failures++;
        if (e?.type === 'CHANNEL_AUTH_FAILED') {
          await ctx.call('messaging.accounts.recordConnect', { id: account.id, outcome: { ok: false, code: e.type, message: String(e.message) } });
          return;
        }
        ctx.logger.warn({ err: e, accountId: account.id, failures }, 'polling failed; trying again');
        await sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)), ctx.signal);
        continue;
      }
      if (!r.events.length && r.cursor === account.poll_cursor) continue;
      const { rows } = await ctx.call<{ rows: IngestRow[] }>('messaging.inbound.store', { token: ownToken(), accountId: account.id, events: r.events, cursor: r.cursor });
      acknowledge(ctx, account, r.events, rows);
    }
  },
});
