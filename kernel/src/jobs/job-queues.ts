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

  /** A plugin job's `maxAttempts` (its JobDefinition); undefined → 3. */
  private readonly attemptsOf: (pluginId: string, name: string) => number | undefined;

  constructor(url: string, prefix: string, attemptsOf: (pluginId: string, name: string) => number | undefined = () => undefined) {
    this.url = url;
    this.attemptsOf = attemptsOf;
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
      attempts: opts.attempts ?? this.attemptsOf(pluginId, name) ?? 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: false,
    });
  }

  /**
   * A plugin job's `ctx.progress(percent)`: stored on the BullMQ job (whichever node runs the
   * handler — the job lives in Redis), so the jobs API and the admin show it while the job runs.
   */
  async reportProgress(jobId: string, percent: number): Promise<void> {
    if (typeof percent !== 'number' || !Number.isFinite(percent)) throw new TypeError(`ctx.progress(${String(percent)}): a number from 0 to 100`);
    const job = await this.jobs.getJob(jobId);
    await job?.updateProgress(Math.max(0, Math.min(100, Math.round(percent))));
  }

  /**
   * A tenant's jobs in some states, newest first: BullMQ keeps no index by tenant, so each state's
   * newest `scan` jobs are read and filtered (cron ticks, tenant-less, are nobody's).
   */
  async tenantJobs(queue: Queue, states: JobState[], tenantId: string, scan = 1000): Promise<{ job: Job; state: JobState }[]> {
    const out: { job: Job; state: JobState }[] = [];
    for (const state of states) {
      for (const job of await queue.getJobs([state], 0, scan - 1, false)) if (job && tenantOfJob(job) === tenantId) out.push({ job, state });
    }
    return out;
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

export type JobState = 'active' | 'waiting' | 'delayed' | 'prioritized' | 'completed' | 'failed';

/** The tenant a job works for: an event delivery's event's, or a plugin job's (null for a cron tick). */
export function tenantOfJob(job: Job): string | null {
  return (job.data?.event?.tenantId ?? job.data?.tenantId ?? null) as string | null;
}

/** Connection errors surface through BullMQ's own error events and retries; don't crash on them. */
function quiet(r: Redis): Redis {
  r.on('error', () => {});
  return r;
}
