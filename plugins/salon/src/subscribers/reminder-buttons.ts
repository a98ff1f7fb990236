import { defineSubscriber } from '@atrium/sdk';
import { canMove, type BookingStatus } from '../domain/booking-flow.ts';
import { BOOKING_FROM, BOOKING_SELECT, type BookingRow } from '../domain/booking-rows.ts';
import { parseButtonId } from '../domain/reminder-text.ts';
import { changeStatus } from '../services/bookings.service.ts';
import { LOGIN_BUTTON, onLoginButton } from './telegram-login.ts';

type ButtonPressed = { conversationId: string; contactId: string; messageId: string; replyToMessageId: string | null; buttonId: string; accountId: string };

/**
 * A button of ours pressed in a messenger: Confirm / Decline of a Telegram sign-in
 * (subscribers/telegram-login.ts), or Confirm / Cancel under a reminder (messaging.button.pressed.v1). Only the person the
 * reminder went to can act: the button's message must be one of this booking's reminders, or the
 * presser the client's own contact. The change is a guarded status update, and the kernel's inbox
 * runs this once per event — pressed twice, the booking changes once.
 */
export const reminderButtons = defineSubscriber<ButtonPressed>({
  maxAttempts: 5,
  async handler(ctx) {
    const p = ctx.event.payload;
    const login = LOGIN_BUTTON.exec(p.buttonId);
    if (login) return onLoginButton(ctx, login[1] as 'ok' | 'no', login[2]!);
    const parsed = parseButtonId(p.buttonId);
    if (!parsed) return;
    const [b] = await ctx.sql<BookingRow & { client_contact_id: string | null }>(
      `select ${BOOKING_SELECT}, c.contact_id as client_contact_id from ${BOOKING_FROM}
        where b.tenant_id = $1::uuid and b.id = $2::uuid
          and (c.contact_id = $3::uuid or exists (select 1 from salon.reminder r where r.tenant_id = b.tenant_id and r.booking_id = b.id and r.message_id = $4::uuid))
        for update of b`,
      [ctx.tenantId, parsed.bookingId, p.contactId, p.replyToMessageId]);
    if (!b) {
      ctx.logger.info({ buttonId: p.buttonId, contactId: p.contactId }, 'salon: a booking button from someone the reminder did not go to; ignored');
      return;
    }
    const to: BookingStatus = parsed.action === 'confirm' ? 'confirmed' : 'cancelled';
    if (b.status === to || !canMove(b.status as BookingStatus, to)) return;
    await changeStatus(ctx, b, to, 'client');
    // the contact that answered is the client's: later reminders go straight to it
    if (b.client_id && !b.client_contact_id) await ctx.sql('update salon.client set contact_id = $3::uuid where tenant_id = $1::uuid and id = $2::uuid and contact_id is null', [ctx.tenantId, b.client_id, p.contactId]);
  },
});
