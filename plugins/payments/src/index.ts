import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import en from '../messages/en.json' with { type: 'json' };
import kk from '../messages/kk.json' with { type: 'json' };
import ru from '../messages/ru.json' with { type: 'json' };
import uk from '../messages/uk.json' with { type: 'json' };
import { Intent } from './entities/intent.ts';
import { Hold, ProviderCall, Reconciliation, Refund, Transition, WebhookEvent } from './entities/records.ts';
import { createPayments } from './migrations/0001-create-payments.ts';
import { webhookWake } from './migrations/0002-webhook-wake.ts';
import { tenantKeys } from './migrations/0003-tenant-keys.ts';
import { intentsService } from './services/intents.service.ts';
import { webhooksService, onWebhookReceived } from './services/webhooks.service.ts';
import { holdsService } from './services/holds.service.ts';
import { reconciliationService } from './services/reconciliation.service.ts';
import { providerKeysService } from './services/provider-keys.service.ts';
import { pollJob, reconcileJob, SYNC_JOB, syncJob } from './domain/jobs.ts';
import { PROVIDER_CALLS } from './domain/provider-calls.ts';
import { WEBHOOK_RECEIVED } from './events.ts';

export * from './events.ts';

export default definePlugin({
  manifest: manifest as any,
  messages: { en, ru, uk, kk },
  entities: [Intent, Transition, Refund, WebhookEvent, ProviderCall, Hold, Reconciliation],
  migrations: [createPayments, webhookWake, tenantKeys],
  services: [intentsService, webhooksService, holdsService, reconciliationService, providerKeysService],
  subscribers: { [WEBHOOK_RECEIVED]: onWebhookReceived },
  jobs: { poll: pollJob, reconcile: reconcileJob, [SYNC_JOB]: syncJob },
  outsideCalls: PROVIDER_CALLS,
});
