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
import { intentsService } from './services/intents.service.ts';
import { webhooksService, onWebhookReceived } from './services/webhooks.service.ts';
import { holdsService } from './services/holds.service.ts';
import { reconciliationService } from './services/reconciliation.service.ts';
import { pollJob, reconcileJob } from './domain/jobs.ts';
import { WEBHOOK_RECEIVED } from './events.ts';

export * from './events.ts';

export default definePlugin({
  manifest: manifest as any,
  messages: { en, ru, uk, kk },
  entities: [Intent, Transition, Refund, WebhookEvent, ProviderCall, Hold, Reconciliation],
  migrations: [createPayments, webhookWake],
  services: [intentsService, webhooksService, holdsService, reconciliationService],
  subscribers: { [WEBHOOK_RECEIVED]: onWebhookReceived },
  jobs: { poll: pollJob, reconcile: reconcileJob },
});
