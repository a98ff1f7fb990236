// Group commit for webhook ingress. Every verified event must be stored durably before its webhook
// is acknowledged, and a transaction per webhook (BEGIN with the tenant's RLS settings, the store
// statement, COMMIT with its WAL flush) was the largest cost of a webhook. Events of one tenant that
// arrive while that tenant's previous store is still committing wait for it and then go together, in
// one transaction and one statement: nothing waits when traffic is light (a lone webhook is stored at
// once), and under load the transaction is shared by as many webhooks as arrived meanwhile.
//
// Each caller still gets its own answer (stored or duplicate, per event) only after the transaction
// holding its events committed. A batch that fails is retried event by event, so one event the
// database refuses cannot fail the others that happened to share its transaction.

export interface IngressEvent {
  provider: string;
  eventId: string;
  type: string;
  intentId: string | null;
  /** The normalised event (stored as the row's payload). */
  event: Record<string, unknown>;
}

/** Stores events of one tenant in one transaction; answers the keys (`keyOf`) it stored, the others were already there. */
export type StoreBatch = (events: IngressEvent[]) => Promise<string[]>;

export const keyOf = (e: { provider: string; eventId: string }) => `${e.provider}\u0000${e.eventId}`;

type Waiter = { resolve: (stored: boolean) => void; reject: (e: unknown) => void };
type Pending = { event: IngressEvent; waiters: Waiter[]; store: StoreBatch };
type Queue = { pending: Map<string, Pending>; running: boolean };

export class IngressBatcher {
  private readonly queues = new Map<string, Queue>();
  readonly maxBatch: number;
  /** A batch still running after this long no longer holds up the tenant's next one (a stuck connection must not stop its webhooks). */
  readonly stallMs: number;

  constructor(maxBatch = 100, stallMs = 10_000) {
    this.maxBatch = maxBatch;
    this.stallMs = stallMs;
  }

  /**
   * Stores `event` for `tenantId` with the next transaction of that tenant; resolves to true when
   * this call stored it, false when it was a duplicate (already stored, or given twice meanwhile —
   * exactly one of the concurrent copies answers true). `store` runs the transaction as the caller:
   * a batch runs with the `store` of its first event's caller (who is waiting for it), so callers of
   * one queue must be equivalent (same tenant, same plugin).
   */
  submit(tenantId: string, event: IngressEvent, store: StoreBatch): Promise<boolean> {
    let q = this.queues.get(tenantId);
    if (!q) {
      q = { pending: new Map(), running: false };
      this.queues.set(tenantId, q);
    }
    const promise = new Promise<boolean>((resolve, reject) => {
      const key = keyOf(event);
      const same = q.pending.get(key);
      if (same) same.waiters.push({ resolve, reject });
      else q.pending.set(key, { event, waiters: [{ resolve, reject }], store });
    });
    if (!q.running) void this.drain(tenantId, q);
    return promise;
  }

  /** Runs the tenant's batches one after the other until nothing waits. */
  private async drain(tenantId: string, q: Queue): Promise<void> {
    q.running = true;
    try {
      while (q.pending.size) {
        const batch: Pending[] = [];
        for (const [key, p] of q.pending) {
          batch.push(p);
          q.pending.delete(key);
          if (batch.length >= this.maxBatch) break;
        }
        let timer: NodeJS.Timeout | undefined;
        // its waiters are answered whenever it ends; the queue goes on after stallMs at the latest
        await Promise.race([this.run(batch, batch[0]!.store), new Promise<void>((r) => (timer = setTimeout(r, this.stallMs)))]);
        clearTimeout(timer);
      }
    } finally {
      q.running = false;
      if (q.pending.size) void this.drain(tenantId, q);
      else this.queues.delete(tenantId);
    }
  }

  private async run(batch: Pending[], store: StoreBatch): Promise<void> {
    let stored: Set<string>;
    try {
      stored = new Set(await store(batch.map((p) => p.event)));
    } catch (e) {
      if (batch.length === 1) return settle(batch[0]!, { error: e });
      // one by one: each gets its own outcome (a refused event fails alone)
      await Promise.all(batch.map(async (p) => {
        try {
          settle(p, { stored: (await p.store([p.event])).includes(keyOf(p.event)) });
        } catch (err) {
          settle(p, { error: err });
        }
      }));
      return;
    }
    for (const p of batch) settle(p, { stored: stored.has(keyOf(p.event)) });
  }
}

/** The first waiter of an event that this batch stored gets true, copies given meanwhile get false. */
function settle(p: Pending, outcome: { stored: boolean } | { error: unknown }): void {
  p.waiters.forEach((w, i) => ('error' in outcome ? w.reject(outcome.error) : w.resolve(outcome.stored && i === 0)));
}
