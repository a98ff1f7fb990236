import type { ServiceSchema } from 'moleculer';
import type { Job } from 'bullmq';
import type { KernelDeps } from '../kernel-deps.ts';
import { OutboxRelay } from '../events/outbox-relay.ts';
import { DelayedError, QUEUE_NAMES, type DeliveryJob } from '../jobs/job-queues.ts';

/** Runs the outbox relay and the delivery worker on this node. */
export function eventsService(deps: () => KernelDeps): ServiceSchema {
  let relay: OutboxRelay | null = null;
  return {
    name: 'events',
    actions: {
      /** Drains the outbox now (tests and the operator use it; the relay also polls). */
      flush: {
        async handler() {
          return { published: await relay!.drain(true) };
        },
      },
    },
    events: {
      'atrium.outbox.poke'() {
        relay?.poke();
      },
    },
    async started() {
      const d = deps();
      relay = new OutboxRelay(d.db, d.queues, d.registry, (e) => d.logger.error({ err: e }, 'outbox relay failed; will retry'));
      relay.start();
      d.queues.startWorker<DeliveryJob>(QUEUE_NAMES.events, async (job: Job<DeliveryJob>, token?: string) => {
        const { consumer, event } = job.data;
        try {
          return await this.broker.call(`${consumer}.$system.deliverEvent`, { event }, {
            meta: { system: true, tenantId: event.tenantId, requestId: `evt:${event.id}` },
          });
        } catch (e: any) {
          if (e?.type === 'PLUGIN_DISABLED') {
            // Paused for this tenant, not failed: look again later without spending an attempt.
            await job.moveToDelayed(Date.now() + 30_000, token);
            throw new DelayedError();
          }
          throw e;
        }
      }, d.config.jobs.eventWorkerConcurrency);
    },
    async stopped() {
      relay?.stop();
    },
  };
}
