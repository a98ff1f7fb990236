import type { ServiceSchema } from 'moleculer';
import type { Job } from 'bullmq';
import { Type } from 'typebox';
import { NotFoundError, UnprocessableError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { kernelActions } from './kernel-action.ts';
import { QUEUE_NAMES, type PluginJob } from '../jobs/job-queues.ts';

const tenantOf = (job: Job) => (job.data?.event?.tenantId ?? job.data?.tenantId ?? null) as string | null;

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

/** Plugin jobs worker + the operator endpoints (queues, failed jobs / dead letters, retry). */
export function jobsService(deps: () => KernelDeps): ServiceSchema {
  const d = deps;
  return {
    name: 'jobs',
    actions: kernelActions('jobs', {
      queues: {
        rest: 'GET /queues',
        permission: ['read', 'kernel.Job'],
        async handler(ctx) {
          const tenantId = ctx.meta.tenantId;
          const items = [];
          for (const name of Object.values(QUEUE_NAMES)) {
            const q = d().queues.queue(name)!;
            const counts = await q.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
            // failed counts are per tenant: other tenants' dead letters are not this tenant's business
            const failed = (await q.getFailed(0, 999)).filter((j) => tenantOf(j) === tenantId).length;
            items.push({ name, counts: { ...counts, failed } });
          }
          return { items, total: items.length };
        },
      },
      failed: {
        rest: 'GET /failed',
        permission: ['read', 'kernel.Job'],
        params: Type.Object({ queue: Type.Optional(Type.Union([Type.Literal('events'), Type.Literal('jobs')])), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false }),
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
        params: Type.Object({ queue: Type.Union([Type.Literal('events'), Type.Literal('jobs')]), jobId: Type.String({ minLength: 1, maxLength: 300 }) }, { additionalProperties: false }),
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
          return await this.broker.call(`${pluginId}.$system.runJob`, { name, data, jobId: job.id }, { meta: { system: true, tenantId, requestId: `job:${job.id}` } });
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
