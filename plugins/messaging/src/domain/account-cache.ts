import type { RequestContext } from '@atrium/sdk';
import type { AccountRow } from './adapters.ts';

export type IngressAccount = AccountRow;

const TTL_MS = 10_000;
const MAX_ENTRIES = 20_000;
export const INGRESS_ACCOUNT_ACTION = 'messaging.accounts.ingress';

/**
 * Accounts as the webhook ingress needs them (adapter, config, sealed secrets), cached per node
 * for a few seconds: the ingress runs without a transaction, and a read per webhook would cost a
 * connection and a round trip. Changes made on this node drop the entry at once; another node's
 * change is seen within the TTL, and a signature that fails against a cached entry is checked
 * again against a fresh read (inbound.service.ts), so a rotated secret loses no webhook.
 */
class AccountCache {
  private readonly entries = new Map<string, { at: number; row: IngressAccount | null }>();

  async get(ctx: Pick<RequestContext, 'tenantId' | 'call'>, id: string, fresh = false): Promise<{ account: IngressAccount | null; cached: boolean }> {
    const key = `${ctx.tenantId}:${id}`;
    const hit = this.entries.get(key);
    if (!fresh && hit && Date.now() - hit.at < TTL_MS) return { account: hit.row, cached: true };
    const row = await ctx.call<IngressAccount | null>(INGRESS_ACCOUNT_ACTION, { id });
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { at: Date.now(), row });
    return { account: row, cached: false };
  }

  drop(tenantId: string, id: string): void {
    this.entries.delete(`${tenantId}:${id}`);
  }
}

export const ingressAccounts = new AccountCache();
