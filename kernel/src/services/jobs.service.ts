import type { ServiceSchema } from 'moleculer';
import type { Job } from 'bullmq';
import { Type } from 'typebox';
import { NotFoundError, UnprocessableError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { kernelActions } from './kernel-action.ts';
import { QUEUE_NAMES, tenantOfJob as tenantOf, type JobState, type PluginJob } from '../jobs/job-queues.ts';

function jobView(queue: string, j: Job) {
  return {
    id: j.id,
    queue,
    name: j.name,
    attemptsMade: j.attemptsMade,
    failedReason: j.failedReason,
    stacktrace: (j.stacktrace ?? []).slice(-1),
    data: j.data,
    timestamp: j.timestamp,
    finishedOn: j.finishedOn ?? null,
    deadLetter: j.attemptsMade >= (j.opts.attempts ?? 1),
  };
}

/** A job as the list shows it: where it stands and how far it is, not its data. */
function runView(queue: string, j: Job, state: JobState) {
  const plugin = queue === QUEUE_NAMES.jobs ? (j.data?.pluginId ?? null) : (j.data?.consumer ?? null);
  return {
    id: j.id,
    queue,
    name: queue === QUEUE_NAMES.jobs ? (j.data?.name ?? j.name) : j.name,
    plugin,
    state: state === 'prioritized' ? 'waiting' : state,
    progress: typeof j.progress === 'number' ? j.progress : null,
    attemptsMade: j.attemptsMade,
    maxAttempts: j.opts.attempts ?? 1,
    failedReason: state === 'failed' ? (j.failedReason ?? null) : null,
    timestamp: j.timestamp,
    processedOn: j.processedOn ?? null,
    finishedOn: j.finishedOn ?? null,
  };
}

const Queue = Type.Union([Type.Literal('events'), Type.Literal('jobs')]);
const STATES = ['active', 'waiting', 'delayed', 'completed', 'failed'] as const;
/** Running work first, then the newest. */
const ORDER: Record<string, number> = { active: 0, waiting: 1, delayed: 2, completed: 3, failed: 3 };

/** Plugin jobs worker + the operator endpoints (queues, jobs with their progress, failed jobs / dead letters, retry). */
export function jobsService(deps: () => KernelDeps): ServiceSchema {
  const d = deps;
  return {
    name: 'jobs',
    actions: kernelActions('jobs', {
      queues: {
        rest: 'GET /queues',
        permission: ['read', 'kernel.Job'],
        summary: 'The queues with this tenant\'s job counts (completed: among the newest 1,000 finished of the queue)',
        async handler(ctx) {
          const tenantId = ctx.meta.tenantId!;
          const items = [];
          // every count is the tenant's own: other tenants' work is not this tenant's business
          for (const name of Object.values(QUEUE_NAMES)) {
            const mine = await d().queues.tenantJobs(d().queues.queue(name)!, ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'], tenantId);
            const counts: Record<string, number> = { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
            for (const { state } of mine) counts[state === 'prioritized' ? 'waiting' : state]++;
            items.push({ name, counts });
          }
          return { items, total: items.length };
        },
      },
      list: {
        rest: 'GET /',
        permission: ['read', 'kernel.Job'],
        summary: 'This tenant\'s jobs — running ones first, with their progress (0–100) — then the newest finished',
        params: Type.Object({
          queue: Type.Optional(Queue),
          state: Type.Optional(Type.Array(Type.Union(STATES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: STATES.length, uniqueItems: true })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
        }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 20, offset = 0 } = ctx.params;
          const states: JobState[] = [...(ctx.params.state ?? ['active', 'waiting', 'delayed', 'completed'])];
          if (states.includes('waiting')) states.push('prioritized');
          const all = [];
          for (const name of ctx.params.queue ? [ctx.params.queue] : Object.values(QUEUE_NAMES)) {
            for (const { job, state } of await d().queues.tenantJobs(d().queues.queue(name)!, states, ctx.meta.tenantId!)) all.push(runView(name, job, state));
          }
          all.sort((a, b) => ORDER[a.state]! - ORDER[b.state]! || (b.finishedOn ?? b.processedOn ?? b.timestamp) - (a.finishedOn ?? a.processedOn ?? a.timestamp));
          return { items: all.slice(offset, offset + limit), total: all.length };
        },
      },
      get: {
        rest: 'GET /:queue/:jobId',
        permission: ['read', 'kernel.Job'],
        summary: 'One job of this tenant: its state and progress',
        params: Type.Object({ queue: Queue, jobId: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false }),
        async handler(ctx) {
          const job = await d().queues.queue(ctx.params.queue)!.getJob(ctx.params.jobId);
          if (!job || tenantOf(job) !== ctx.meta.tenantId) throw new NotFoundError('No such job');
          const state = await job.getState();
          return runView(ctx.params.queue, job, (state === 'unknown' || state === 'waiting-children' ? 'waiting' : state) as JobState);
        },
      },
      failed: {
        rest: 'GET /failed',
        permission: ['read', 'kernel.Job'],
        params: Type.Object({ queue: Type.Optional(Queue), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
        async handler(ctx) {
          const { limit = 20, offset = 0 } = ctx.params;
          const names = ctx.params.queue ? [ctx.params.queue] : Object.values(QUEUE_NAMES);
          const all = [];
          for (const name of names) {
            for (const j of await d().queues.queue(name)!.getFailed(0, 999)) if (tenantOf(j) === ctx.meta.tenantId) all.push(jobView(name, j));
          }
          all.sort((a, b) => (b.finishedOn ?? 0) - (a.finishedOn ?? 0));
          return { items: all.slice(offset, offset + limit), total: all.length };
        },
      },
      retry: {
        rest: 'POST /:queue/:jobId/retry',
        permission: ['retry', 'kernel.Job'],
        params: Type.Object({ queue: Queue, jobId: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false }),
        async handler(ctx) {
          const job = await d().queues.queue(ctx.params.queue)!.getJob(ctx.params.jobId);
          if (!job || tenantOf(job) !== ctx.meta.tenantId) throw new NotFoundError('No such job', { subject: 'kernel.Job' });
          if (!(await job.isFailed())) throw new UnprocessableError('Only failed jobs can be retried', 'NOT_FAILED');
          await job.retry('failed');
          return { id: job.id, queue: ctx.params.queue, state: 'waiting' };
        },
      },
    }),
    async started() {
      const { queues, registry, db, logger } = d();
      for (const p of registry.list()) {
        for (const [name, job] of Object.entries(p.definition.jobs ?? {})) {
          if (job.cron) await queues.upsertCron(p.id, name, job.cron);
        }
      }
      queues.startWorker<PluginJob>(QUEUE_NAMES.jobs, async (job) => {
        const { pluginId, name, tenantId, data } = job.data;
        if (!tenantId) {
          // a cron tick: fan out to every tenant that has the plugin enabled
          const tenants = await db.systemQuery<{ tenant_id: string }>(`select tenant_id from kernel.tenant_plugin where plugin_id = $1 and state = 'enabled'`, [pluginId]);
          for (const t of tenants) await queues.enqueuePluginJob(pluginId, name, t.tenant_id, data, { jobId: `${job.id}` });
          return { fannedOut: tenants.length };
        }
        try {
          const meta = { system: true, tenantId, requestId: `job:${job.id}` };
          // the kernel's own jobs (a plugin's purge) are kernel actions by name; a plugin's go through its $system service
          if (pluginId === 'kernel') return await this.broker.call(name, { ...data, jobId: job.id }, { meta });
          return await this.broker.call(`${pluginId}.$system.runJob`, { name, data, jobId: job.id }, { meta });
        } catch (e: any) {
          if (e?.type === 'PLUGIN_DISABLED') {
            logger.info({ pluginId, tenantId, job: name }, 'job skipped: plugin disabled for tenant');
            return { skipped: 'plugin-disabled' };
          }
          throw e;
        }
      }, d().config.jobs.jobWorkerConcurrency);
    },
  };
}
