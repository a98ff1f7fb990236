import type { Database } from '../db/database.ts';
import { pipelineRows as pipeline } from '../db/pipelined-query.ts';
import type { JobQueues } from '../jobs/job-queues.ts';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';

/**
 * Moves committed outbox rows to BullMQ: one delivery job per subscriber. Rows are claimed with
 * FOR UPDATE SKIP LOCKED so several relays (nodes) share the work; the job id (consumer:event)
 * makes a re-publish after a crash a no-op, and the consumer's inbox makes the effect happen once.
 */
/** The pause before a drain that commits asked for while the previous one ran. */
const AGAIN_GAP_MS = 20;

export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  private readonly db: Database;
  private readonly queues: JobQueues;
  private readonly registry: PluginRegistry;
  private readonly onError: (e: unknown) => void;

  constructor(db: Database, queues: JobQueues, registry: PluginRegistry, onError: (e: unknown) => void) {
    this.db = db;
    this.queues = queues;
    this.registry = registry;
    this.onError = onError;
  }

  start(pollMs = 500): void {
    this.timer = setInterval(() => this.poke(), pollMs);
    this.timer.unref();
  }

  /** Called after commits that wrote events (and by the poll timer as the fallback). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.drain()
      .catch(this.onError)
      .finally(() => {
        this.running = false;
        if (this.again) {
          // Commits kept coming while this drain ran: let a few more gather before the next one.
          // Under a steady load (hundreds of sales a second) a drain per commit cost four round
          // trips for one or two events; this gap bounds drains to ~1/AGAIN_GAP_MS a second at
          // the price of that much delivery latency, and only under load.
          this.again = false;
          setTimeout(() => this.poke(), AGAIN_GAP_MS).unref();
        }
      });
  }

  subscribersOf(eventName: string): { consumer: string; attempts: number }[] {
    return this.registry.subscribersOf(eventName);
  }

  /**
   * Publishes unpublished rows. The background relay skips rows another relay has locked (nodes
   * share the work); `wait` (an explicit flush) waits for them instead, so when it returns every
   * event committed before the call has its deliveries queued.
   */
  async drain(wait = false): Promise<number> {
    // Redis away: enqueueing would wait for it while holding the claimed rows' transaction; the
    // rows stay in the outbox and the poll timer publishes them once Redis is back
    if (!this.queues.connected()) return 0;
    let total = 0;
    for (;;) {
      const n = await this.drainOnce(wait);
      total += n;
      if (n < 200 || this.stopped) return total;
    }
  }

  /**
   * One batch in two round trips: BEGIN with the claim, then (after the deliveries are queued) the
   * update with the COMMIT — prepared statements in one message each (pipelined-query.ts). The rows
   * stay locked, and so claimed by this relay, until the deliveries are in Redis.
   */
  private async drainOnce(wait: boolean): Promise<number> {
    const c = await this.db.system.connect();
    let open = false;
    try {
      open = true;
      const [, claimed] = await pipeline(c, [{ text: 'begin' }, { text: `select id, event_id, tenant_id, name, payload, user_id, created_at from kernel.outbox
        where published_at is null order by id limit 200 for update${wait ? '' : ' skip locked'}` }]);
      for (const r of claimed) {
        const event = { id: r.event_id, name: r.name, tenantId: r.tenant_id, payload: r.payload, occurredAt: new Date(r.created_at).toISOString(), userId: r.user_id };
        for (const s of this.subscribersOf(r.name)) await this.queues.enqueueDelivery({ consumer: s.consumer, event }, s.attempts);
      }
      await pipeline(c, [
        ...(claimed.length ? [{ text: 'update kernel.outbox set published_at = now(), attempts = attempts + 1 where id = any($1::bigint[])', values: [claimed.map((r) => r.id)] }] : []),
        { text: 'commit' },
      ]);
      open = false;
      return claimed.length;
    } finally {
      if (open) await c.query('rollback').catch(() => {});
      c.release();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }
}

