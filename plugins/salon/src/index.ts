import { definePlugin, defineSubscriber } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import en from '../messages/en.json' with { type: 'json' };
import kk from '../messages/kk.json' with { type: 'json' };
import ru from '../messages/ru.json' with { type: 'json' };
import uk from '../messages/uk.json' with { type: 'json' };
import { createSalon } from './migrations/0001-salon.ts';
import { createResources } from './migrations/0002-resources.ts';
import { resourcesService } from './services/resources.service.ts';
import { publicService } from './services/public.service.ts';
import { staffService } from './services/staff.service.ts';
import { catalogueService } from './services/catalogue.service.ts';
import { clientsService } from './services/clients.service.ts';
import { bookingsService } from './services/bookings.service.ts';
import { availabilityService } from './services/availability.service.ts';
import { sendRemindersJob } from './jobs/reminders.ts';
import { expireHoldsJob } from './jobs/expire-holds.ts';
import { reminderButtons } from './subscribers/reminder-buttons.ts';
import { onLoginStart } from './subscribers/telegram-login.ts';
import { telegramLoginService } from './services/telegram-login.service.ts';

/**
 * The salon plugin's server entry. Areas: staff and schedules, the service catalogue, clients,
 * availability (domain/slots.ts, pure), bookings (never overlapping: the database decides),
 * holds that expire, reminders through messaging with Confirm / Cancel buttons, sign-in with
 * Telegram through the kernel's auth-provider extension point.
 */
export default definePlugin({
  manifest: manifest as any,
  messages: { en, ru, uk, kk },
  migrations: [createSalon, createResources],
  services: [staffService, catalogueService, resourcesService, clientsService, bookingsService, availabilityService, publicService, telegramLoginService],
  subscribers: { 'messaging.button.pressed.v1': reminderButtons, 'messaging.message.received.v1': defineSubscriber({ maxAttempts: 5, handler: onLoginStart }) },
  jobs: { sendReminders: sendRemindersJob, expireHolds: expireHoldsJob },
});
