import { Queue, Worker, DelayedError, type Job } from 'bullmq';
import { Redis } from 'ioredis';

export type DeliveryJob = { consumer: string; event: { id: string; name: string; tenantId: string; payload: Record<string, unknown>; occurredAt: string; userId: string | null } };
export type PluginJob = { pluginId: string; name: string; tenantId: string | null; data: Record<string, unknown> };

export const QUEUE_NAMES = { events: 'events', jobs: 'jobs' } as const;

/**
 * BullMQ queues: `events` carries one job per (subscriber, event) — durable, retried with backoff,
 * failed-after-retries = dead letter; `jobs` runs plugin jobs (one-off and cron).
 */
export class JobQueues {
  readonly events: Queue<DeliveryJob>;
  readonly jobs: Queue<PluginJob>;
  private readonly connection: Redis;
  private readonly workers: Worker[] = [];
  private readonly url: string;
  readonly prefix: string;

  constructor(url: string, prefix: string) {
    this.url = url;
    this.prefix = `${prefix}:bull`;
    this.connection = quiet(new Redis(url, { maxRetriesPerRequest: null }));
    this.events = new Queue(QUEUE_NAMES.events, { connection: this.connection, prefix: this.prefix });
    this.jobs = new Queue(QUEUE_NAMES.jobs, { connection: this.connection, prefix: this.prefix });
    // without a listener BullMQ prints every reconnection failure while Redis is away
    this.events.on('error', () => {});
    this.jobs.on('error', () => {});
  }

  /** Whether Redis is connected now. While it is not, BullMQ commands wait for it to come back. */
  connected(): boolean {
    return this.connection.status === 'ready';
  }

  queue(name: string): Queue | undefined {
    return name === QUEUE_NAMES.events ? this.events : name === QUEUE_NAMES.jobs ? this.jobs : undefined;
  }

  async enqueueDelivery(d: DeliveryJob, attempts: number): Promise<void> {
    // jobId makes re-publishing the same outbox row a no-op in Redis
    await this.events.add(d.event.name, d, {
      jobId: `${d.consumer}.${d.event.id}`, // BullMQ ids may not contain ":"
      attempts,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: false,
    });
  }

  async enqueuePluginJob(pluginId: string, name: string, tenantId: string | null, data: Record<string, unknown>, opts: { delayMs?: number; jobId?: string; attempts?: number } = {}): Promise<void> {
    await this.jobs.add(`${pluginId}:${name}`, { pluginId, name, tenantId, data }, {
      jobId: opts.jobId ? `${pluginId}.${name}.${tenantId}.${opts.jobId}`.replace(/:/g, "_") : undefined,
      delay: opts.delayMs,
      attempts: opts.attempts ?? 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: false,
    });
  }

  async upsertCron(pluginId: string, name: string, pattern: string): Promise<void> {
    await this.jobs.upsertJobScheduler(`${pluginId}:${name}`, { pattern }, { name: `${pluginId}:${name}`, data: { pluginId, name, tenantId: null, data: {} } });
  }

  startWorker<T>(queue: string, handler: (job: Job<T>, token?: string) => Promise<unknown>, concurrency: number): Worker<T> {
    const w = new Worker<T>(queue, handler as any, {
      connection: quiet(new Redis(this.url, { maxRetriesPerRequest: null })),
      prefix: this.prefix,
      concurrency,
    });
    w.on('error', () => {});
    this.workers.push(w);
    return w;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    await this.events.close();
    await this.jobs.close();
    this.connection.disconnect();
  }
}

export { DelayedError };

/** Connection errors surface through BullMQ's own error events and retries; don't crash on them. */
function quiet(r: Redis): Redis {
  r.on('error', () => {});
  return r;
}
