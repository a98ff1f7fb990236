import type { ServiceSchema, Context } from 'moleculer';
import type { EventContext, JobContext, PluginDefinition, RequestContext } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { buildSpec } from '../pipeline/action-spec.ts';
import { WORKERS_CHANGED_EVENT, WorkerSupervisor } from '../plugins/plugin-workers.ts';
import { recoverOutsideCall } from '../outside/outside-calls.ts';

/**
 * `<pluginId>.$system`: the kernel's door into a plugin for event deliveries and jobs. It runs
 * wherever the plugin's services run, so deliveries follow the plugin to its nodes. Its actions
 * are internal (`system` permission): no route, no user can call them.
 */
export function pluginSystemService(deps: () => KernelDeps, def: PluginDefinition): ServiceSchema {
  const id = def.manifest.id;
  const spec = (name: string, transaction = true) => buildSpec({ permission: 'system', mutates: false, transaction }, { pluginId: id, fullName: `${id}.$system.${name}`, basePath: '' });
  // long-running units (plugin-workers.ts): a supervisor on every node that runs the plugin
  let supervisor: WorkerSupervisor | null = null;
  return {
    name: `${id}.$system`,
    events: {
      [WORKERS_CHANGED_EVENT](ctx: Context<{ pluginId: string }>) {
        if (ctx.params.pluginId === id) supervisor?.poke();
      },
      'atrium.plugins.changed'(ctx: Context<{ pluginId?: string }>) {
        if (!ctx.params.pluginId || ctx.params.pluginId === id) supervisor?.poke();
      },
    },
    started() {
      if (!def.workers || !Object.keys(def.workers).length) return;
      supervisor = new WorkerSupervisor(deps, (this as any).broker, id, def.workers);
      supervisor.start();
    },
    async stopped() {
      await supervisor?.stop();
    },
    actions: ({
      deliverEvent: {
        atrium: spec('deliverEvent'),
        async handler(ctx: Context<any, any>) {
          const event = ctx.params.event;
          const sub = def.subscribers?.[event.name];
          if (!sub) return { skipped: 'no-subscriber' };
          const em = (ctx.locals as any).em;
          // inbox: the effect and the "seen" mark commit together, so a redelivery is a no-op
          const claimed = await em.execute('insert into kernel.inbox (tenant_id, consumer, event_id) values (?, ?, ?) on conflict do nothing returning 1 as ok', [event.tenantId, id, event.id]);
          if (!claimed.length) return { skipped: 'duplicate' };
          const req = (ctx.locals as any).req;
          const ectx: EventContext = { ...req, event };
          await sub.handler(ectx);
          return { delivered: true };
        },
      },
      runJob: {
        // no transaction here: a job declared `transaction: false` (one that calls out) runs without
        // one and writes through ctx.transaction / ctx.outside; any other runs in one, opened below
        atrium: spec('runJob', false),
        async handler(ctx: Context<any, any>) {
          const job = def.jobs?.[ctx.params.name];
          if (!job) return { skipped: 'no-job' };
          const req: RequestContext = (ctx.locals as any).req;
          const run = (r: RequestContext) => {
            const jobId = String(ctx.params.jobId);
            const jctx: JobContext = { ...r, data: ctx.params.data ?? {}, jobId, progress: (percent: number) => deps().queues.reportProgress(jobId, percent) };
            return job.handler(jctx);
          };
          const out = job.transaction === false ? await run(req) : await req.transaction(async (tx) => run(tx));
          return out ?? null;
        },
      },
      recoverOutside: {
        // a call of this plugin's that a crash left without an answer (outside-calls.ts, the sweep)
        atrium: spec('recoverOutside', false),
        async handler(ctx: Context<any, any>) {
          return recoverOutsideCall(deps(), (ctx.locals as any).req, String(ctx.params.key), String(ctx.params.name));
        },
      },
    } as any),
  };
}
