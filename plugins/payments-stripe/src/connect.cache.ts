// What the provider needs of a tenant's Stripe Connect row (payments_stripe.connect_account), cached
// per tenant on this node, so verifying a webhook (run on every delivery, without a transaction)
// costs no statement in steady state. The row changes a few times in a tenant's life (onboarding,
// Stripe enabling charges), always in this plugin's own actions, which drop the entry here; other
// nodes see the change within the TTL. Decisions a stale entry could make wrongly are taken again
// with a fresh read (see withPlatformConnect in plugin.ts).

/** The columns the provider uses. */
export interface ConnectSnapshot {
  account_id: string | null;
  charges_enabled: boolean;
}

export class ConnectRowCache {
  private readonly entries = new Map<string, { row: ConnectSnapshot | null; at: number }>();
  /** Tenants whose row was changed here recently: nothing read for them is stored until then. */
  private readonly quiet = new Map<string, number>();

  readonly ttlMs: number;
  readonly maxEntries: number;
  /** Longer than a transaction that changed the row may take to commit (it calls Stripe meanwhile). */
  readonly quietMs: number;

  constructor(ttlMs = 10_000, maxEntries = 10_000, quietMs = 120_000) {
    this.ttlMs = ttlMs;
    this.maxEntries = maxEntries;
    this.quietMs = quietMs;
  }

  get(tenantId: string, now = Date.now()): { row: ConnectSnapshot | null } | undefined {
    const hit = this.entries.get(tenantId);
    if (!hit) return undefined;
    if (now - hit.at >= this.ttlMs) {
      this.entries.delete(tenantId);
      return undefined;
    }
    return { row: hit.row };
  }

  /** Stores what a read found, unless the row was changed on this node recently (the read may predate the commit). */
  set(tenantId: string, row: ConnectSnapshot | null, now = Date.now()): void {
    const until = this.quiet.get(tenantId);
    if (until !== undefined) {
      if (now < until) return;
      this.quiet.delete(tenantId);
    }
    this.entries.delete(tenantId);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tenantId, { row: row ? { account_id: row.account_id, charges_enabled: row.charges_enabled } : null, at: now });
  }

  /** The tenant's row is being changed (in a transaction that has not committed yet). */
  invalidate(tenantId: string, now = Date.now()): void {
    this.entries.delete(tenantId);
    if (this.quiet.size >= this.maxEntries) {
      for (const [t, until] of this.quiet) if (until <= now) this.quiet.delete(t);
      if (this.quiet.size >= this.maxEntries) this.quiet.delete(this.quiet.keys().next().value!);
    }
    this.quiet.delete(tenantId);
    this.quiet.set(tenantId, now + this.quietMs);
  }

  clear(): void {
    this.entries.clear();
    this.quiet.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** This node's cache (one per process, keyed by tenant). */
export const connectCache = new ConnectRowCache();
