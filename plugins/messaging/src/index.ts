import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import en from '../messages/en.json' with { type: 'json' };
import kk from '../messages/kk.json' with { type: 'json' };
import ru from '../messages/ru.json' with { type: 'json' };
import uk from '../messages/uk.json' with { type: 'json' };
import { Conversation } from './entities/conversation.ts';
import { createAccountsContacts } from './migrations/0001-accounts-contacts.ts';
import { createConversationsMessages } from './migrations/0002-conversations-messages.ts';
import { createTemplatesRetention } from './migrations/0003-templates-retention.ts';
import { createIngestFunctions } from './migrations/0004-ingest-functions.ts';
import { ingestAccountEvents } from './migrations/0005-ingest-account-events.ts';
import { statusLock } from './migrations/0006-status-lock.ts';
import { accountsService } from './services/accounts.service.ts';
import { contactsService } from './services/contacts.service.ts';
import { conversationsService } from './services/conversations.service.ts';
import { inboundService } from './services/inbound.service.ts';
import { outboundService } from './services/outbound.service.ts';
import { retentionService } from './services/retention.service.ts';
import { templatesService } from './services/templates.service.ts';
import { deliverJob, sweepJob } from './jobs/delivery.ts';
import { pollersJob } from './jobs/pollers.ts';
import { retentionJob } from './jobs/retention.ts';
import { pollerWorker } from './workers/poller.ts';

export * from './events.ts';
export { SendParams, type SendInput, type QueuedMessage } from './domain/outbound-queue.ts';

export default definePlugin({
  manifest: manifest as any,
  messages: { en, ru, uk, kk },
  entities: [Conversation],
  migrations: [createAccountsContacts, createConversationsMessages, createTemplatesRetention, createIngestFunctions, ingestAccountEvents, statusLock],
  services: [accountsService, inboundService, outboundService, conversationsService, contactsService, templatesService, retentionService],
  jobs: { deliver: deliverJob, sweep: sweepJob, retention: retentionJob, pollers: pollersJob },
  workers: { poller: pollerWorker },
});
