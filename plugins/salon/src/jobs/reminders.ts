import { defineJob, type JobContext } from '@atrium/sdk';
import { salonSettings } from '../domain/settings.ts';
import { asLocale, buttonId, buttonLabels, reminderText } from '../domain/reminder-text.ts';
import { REMINDER_SENT } from '../events.ts';

type DueRow = {
  id: string; booking_id: string; offset_min: number; status: string; starts_at: Date; service_name: string; staff_name: string;
  phone: string | null; locale: string | null; contact_id: string | null;
};

/** Answers of messaging that mean "this reminder cannot go": recorded as skipped, not retried. */
const OFF = new Set(['PLUGIN_DISABLED', 'CALL_NOT_ALLOWED', 'SERVICE_NOT_FOUND']);

/**
 * Every minute: due reminders go to `messaging.outbound.send` — to the client's messaging contact
 * (Telegram, WhatsApp…) or their phone — with Confirm / Cancel buttons. No transaction is held
 * while messaging queues it: read in one short transaction, call, record in another. The send's
 * idempotency key is the reminder's id, so a crash between the call and the record never sends
 * twice: the next run gets the message queued the first time.
 */
export async function sendDueReminders(ctx: JobContext): Promise<{ sent: number; skipped: number; failed: number }> {
  const settings = await salonSettings(ctx);
  const tenant = await ctx.tenant();
  const due = await ctx.transaction((tx) => tx.sql<DueRow>(
    `select r.id, r.booking_id, r.offset_min, b.status, b.starts_at, v.name as service_name, s.name as staff_name, c.phone, c.locale, c.contact_id
       from salon.reminder r
       join salon.booking b on b.tenant_id = r.tenant_id and b.id = r.booking_id
       join salon.service v on v.tenant_id = b.tenant_id and v.id = b.service_id
       join salon.staff s on s.tenant_id = b.tenant_id and s.id = b.staff_id
       left join salon.client c on c.tenant_id = b.tenant_id and c.id = b.client_id
      where r.tenant_id = $1::uuid and r.status = 'pending' and r.due_at <= now()
      order by r.due_at limit 200`, [ctx.tenantId]));
  let sent = 0;
  let skipped = 0;
  let failed = 0;
  const skip = async (id: string, note: string) => {
    skipped++;
    await ctx.transaction((tx) => tx.sql(`update salon.reminder set status = 'skipped', note = $3::text where tenant_id = $1::uuid and id = $2::uuid and status = 'pending'`, [tx.tenantId, id, note.slice(0, 200)]));
  };
  for (const r of due) {
    if (r.status !== 'booked' && r.status !== 'confirmed') { await skip(r.id, `booking ${r.status}`); continue; }
    if (new Date(r.starts_at).getTime() <= Date.now()) { await skip(r.id, 'too late: the booking has started'); continue; }
    const to = r.contact_id ? { contactId: r.contact_id } : r.phone ? { kind: 'phone', value: `+${r.phone}` } : null;
    if (!to) { await skip(r.id, 'the client has no contact'); continue; }
    const locale = asLocale(r.locale, asLocale(tenant.locale));
    const labels = buttonLabels(locale);
    const buttons = [...(r.status === 'booked' ? [{ id: buttonId('confirm', r.booking_id), text: labels.confirm }] : []), { id: buttonId('cancel', r.booking_id), text: labels.cancel }];
    let messageId: string;
    try {
      const m = await ctx.call<{ messageId: string }>('messaging.outbound.send', {
        to, text: reminderText(locale, { service: r.service_name, master: r.staff_name, startsAt: new Date(r.starts_at), timeZone: settings.timeZone, salon: tenant.name }),
        buttons, reference: { plugin: 'salon', id: r.booking_id }, idempotencyKey: `salon.reminder.${r.id}`,
      });
      messageId = m.messageId;
    } catch (e) {
      const err = e as { type?: string; code?: number; message?: string };
      if (OFF.has(err.type ?? '')) { await skip(r.id, 'messaging is not enabled'); continue; }
      if (typeof err.code === 'number' && err.code >= 400 && err.code < 500) { await skip(r.id, err.message ?? 'refused by messaging'); continue; }
      failed++;
      ctx.logger.warn({ err: e, reminderId: r.id }, 'salon: a reminder could not be queued; trying again next minute');
      continue;
    }
    await ctx.transaction(async (tx) => {
      const [u] = await tx.sql(`update salon.reminder set status = 'sent', message_id = $3::uuid, sent_at = now() where tenant_id = $1::uuid and id = $2::uuid and status = 'pending' returning id`, [tx.tenantId, r.id, messageId]);
      if (u) await tx.emit(REMINDER_SENT, { bookingId: r.booking_id, reminderId: r.id, messageId, offsetMin: r.offset_min });
    });
    sent++;
  }
  return { sent, skipped, failed };
}

export const sendRemindersJob = defineJob({ cron: '* * * * *', transaction: false, handler: (ctx) => sendDueReminders(ctx) });
