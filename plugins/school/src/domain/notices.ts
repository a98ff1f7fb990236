import crypto from 'node:crypto';
import type { RequestContext } from '@atrium/sdk';
import { asLocale, type Locale } from './words.ts';

/**
 * Notices to parents through the messaging plugin (optional: without it they are recorded as
 * skipped): each to every contact of the student who wants them, on their preferred channel, in
 * their language. A notice has a key (`absence:<lesson>:<student>:<contact>`); the key is unique
 * here and is the idempotency key of `messaging.outbound.send`, so a job run twice or an event
 * delivered twice sends nothing twice.
 */

export type NoticeKind = 'reminder' | 'absence' | 'pass_low' | 'debt';
export type NoticeContact = { id: string; name: string; phone: string | null; email: string | null; telegram: string | null; preferred_channel: string; locale: string };

type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'call' | 'logger'>;

/** Where messaging should deliver to this contact, or null (no channel, or no address on it). */
export function targetOf(c: NoticeContact): { kind: string; value: string; name: string } | null {
  switch (c.preferred_channel) {
    case 'sms': return c.phone ? { kind: 'phone', value: `+${c.phone}`, name: c.name } : null;
    case 'whatsapp': return c.phone ? { kind: 'whatsapp', value: `+${c.phone}`, name: c.name } : null;
    case 'telegram': return c.telegram ? { kind: 'telegram', value: c.telegram, name: c.name } : null;
    case 'email': return c.email ? { kind: 'email', value: c.email, name: c.name } : null;
    default: return null;
  }
}

export async function noticeContacts(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, studentId: string): Promise<NoticeContact[]> {
  return ctx.sql<NoticeContact>(
    `select id, name, phone, email, telegram, preferred_channel, locale from school.contact
      where tenant_id = $1::uuid and student_id = $2::uuid and notify and preferred_channel <> 'none' order by position, created_at`,
    [ctx.tenantId, studentId],
  );
}

export type NoticeOutcome = { contactId: string; status: 'queued' | 'skipped' | 'failed' | 'duplicate'; detail?: string };

/**
 * Sends one notice to the student's contacts. `text(locale)` words it; `key` makes it once per
 * contact. Answers what happened per contact.
 */
export async function sendNotice(ctx: Ctx, n: { kind: NoticeKind; key: string; studentId: string; text: (locale: Locale) => string; urgent?: boolean }): Promise<NoticeOutcome[]> {
  const out: NoticeOutcome[] = [];
  for (const c of await noticeContacts(ctx, n.studentId)) {
    const key = `${n.key}:${c.id}`;
    const target = targetOf(c);
    const locale = asLocale(c.locale);
    const [row] = await ctx.sql<{ id: string }>(
      `insert into school.notification (tenant_id, id, kind, key, student_id, contact_id, channel, locale, status, detail)
       values ($1::uuid, $2::uuid, $3::text, $4::text, $5::uuid, $6::uuid, $7::text, $8::text, $9::text, $10::text)
       on conflict (tenant_id, key) do nothing returning id`,
      [ctx.tenantId, crypto.randomUUID(), n.kind, key, n.studentId, c.id, c.preferred_channel, locale, target ? 'queued' : 'skipped', target ? null : 'NO_ADDRESS'],
    );
    if (!row) {
      out.push({ contactId: c.id, status: 'duplicate' });
      continue;
    }
    if (!target) {
      out.push({ contactId: c.id, status: 'skipped', detail: 'NO_ADDRESS' });
      continue;
    }
    let status: NoticeOutcome['status'] = 'queued';
    let detail: string | null = null;
    let messageId: string | null = null;
    try {
      const sent = await ctx.call<{ messageId: string }>('messaging.outbound.send', {
        to: target, text: n.text(locale), idempotencyKey: `school:${key}`, reference: { plugin: 'school', id: n.studentId }, ...(n.urgent ? { urgent: true } : {}),
      });
      messageId = sent.messageId;
    } catch (e) {
      const err = e as { type?: string; name?: string; message?: string };
      const notEnabled = err.type === 'PLUGIN_DISABLED' || err.name === 'ServiceNotFoundError' || err.type === 'SERVICE_NOT_FOUND';
      status = notEnabled ? 'skipped' : 'failed';
      detail = notEnabled ? 'MESSAGING_NOT_ENABLED' : `${err.type ?? err.name ?? 'ERROR'}: ${String(err.message ?? '').slice(0, 400)}`;
      if (!notEnabled) ctx.logger.warn(`notice ${key} not sent: ${detail}`);
    }
    await ctx.sql('update school.notification set status = $3::text, detail = $4::text, message_id = $5::uuid where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, row.id, status, detail, messageId]);
    out.push({ contactId: c.id, status, ...(detail ? { detail } : {}) });
  }
  return out;
}
