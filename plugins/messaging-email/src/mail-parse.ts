import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { InboundAttachment, InboundMessage } from '@atrium/sdk/messaging';

/** `<id@host>` as headers write it (mailparser gives it with or without brackets). */
export const msgId = (v: string | undefined | null): string | null => {
  const s = (v ?? '').trim();
  if (!s) return null;
  return s.startsWith('<') ? s : `<${s}>`;
};

const first = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a[0] : a)?.value?.[0];

/** The Message-IDs a reply refers to, nearest first: In-Reply-To, then References from the end. */
export function threadRefsOf(p: Pick<ParsedMail, 'inReplyTo' | 'references'>): string[] {
  const refs = Array.isArray(p.references) ? p.references : p.references ? String(p.references).split(/\s+/) : [];
  return [...new Set([msgId(p.inReplyTo), ...refs.map(msgId).reverse()].filter((x): x is string => !!x))].slice(0, 20);
}

/**
 * A raw RFC 5322 message → the core's inbound message. The Message-ID is both the event id and the
 * provider id (so a message fetched twice is one); replies go to Reply-To when there is one. Text is
 * the plain part (or mailparser's text of the HTML); the HTML is kept as received, never rendered as
 * such by the inbox. Attachments are listed with a ref to fetch them later by `<uid validity>:<uid>:<index>`.
 */
export async function parseMail(raw: Buffer, uidRef: string): Promise<InboundMessage | null> {
  const p = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const from = first(p.from);
  if (!from?.address) return null;
  const replyTo = first(p.replyTo)?.address ?? from.address;
  const id = msgId(p.messageId) ?? `<${uidRef}@imap.local>`;
  const attachments: InboundAttachment[] = p.attachments
    .map((a, i) => ({ a, i }))
    .filter(({ a }) => !a.related)
    .map(({ a, i }) => ({ kind: a.contentType.startsWith('image/') ? 'image' as const : 'document' as const, name: a.filename ?? `attachment-${i + 1}`, mimeType: a.contentType, size: a.size, ref: `${uidRef}:${i}` }));
  const text = (p.text ?? '').trim();
  return {
    type: 'message', eventId: id, providerMessageId: id,
    from: { kind: 'email', id: from.address.toLowerCase(), ...(from.name ? { name: from.name } : {}) },
    chatId: replyTo.toLowerCase(), occurredAt: (p.date ?? new Date()).toISOString(),
    ...(p.subject ? { subject: p.subject } : {}), ...(text ? { text } : {}), ...(typeof p.html === 'string' && p.html ? { html: p.html } : {}),
    ...(attachments.length ? { attachments } : {}), threadRefs: threadRefsOf(p),
  };
}

/** The bytes of attachment `index` of a raw message. */
export async function attachmentOf(raw: Buffer, index: number): Promise<{ data: Buffer; mimeType: string; name?: string } | null> {
  const p = await simpleParser(raw);
  const a = p.attachments[index];
  return a ? { data: a.content, mimeType: a.contentType, ...(a.filename ? { name: a.filename } : {}) } : null;
}
