import type { InboundAttachment, InboundEvent, InboundSender } from '@atrium/sdk/messaging';
import type { TgMessage, TgUpdate, TgUser } from './telegram.client.ts';

/** The update types the adapter asks Telegram for (webhook and polling alike). */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'];

/** Telegram message ids are unique within a chat only: the provider id carries the chat. */
export const providerId = (chatId: number | string, messageId: number) => `${chatId}:${messageId}`;

export function parseProviderId(id: string): { chatId: string; messageId: number } | null {
  const m = /^(-?\d+):(\d+)$/.exec(id);
  return m ? { chatId: m[1]!, messageId: Number(m[2]) } : null;
}

function sender(u: TgUser): InboundSender {
  const name = [u.first_name, u.last_name].filter(Boolean).join(' ');
  return { kind: 'telegram', id: String(u.id), ...(name ? { name } : {}), ...(u.username ? { username: u.username } : {}), ...(u.language_code ? { locale: u.language_code } : {}) };
}

function attachments(m: TgMessage): InboundAttachment[] {
  const out: InboundAttachment[] = [];
  if (m.photo?.length) {
    const largest = m.photo.reduce((a, b) => (a.width * a.height >= b.width * b.height ? a : b));
    out.push({ kind: 'image', ref: largest.file_id, mimeType: 'image/jpeg', name: 'photo.jpg', ...(largest.file_size ? { size: largest.file_size } : {}) });
  }
  const file = (kind: InboundAttachment['kind'], f: TgMessage['document'], fallback: string) => {
    if (f) out.push({ kind, ref: f.file_id, name: f.file_name ?? fallback, ...(f.mime_type ? { mimeType: f.mime_type } : {}), ...(f.file_size ? { size: f.file_size } : {}) });
  };
  file('document', m.document, 'document');
  file('video', m.video, 'video.mp4');
  file('audio', m.audio, 'audio.mp3');
  file('voice', m.voice, 'voice.ogg');
  if (m.sticker) out.push({ kind: 'sticker', ref: m.sticker.file_id, name: 'sticker.webp', mimeType: 'image/webp', ...(m.sticker.emoji ? { text: m.sticker.emoji } : {}) });
  if (m.location) out.push({ kind: 'location', text: `${m.location.latitude},${m.location.longitude}` });
  if (m.contact) out.push({ kind: 'contact', text: [m.contact.first_name, m.contact.last_name, m.contact.phone_number].filter(Boolean).join(' ') });
  return out;
}

/** A deep link (`t.me/<bot>?start=<payload>`) arrives as the text "/start <payload>". */
export function startPayload(text: string | undefined): string | undefined {
  const m = /^\/start(?:@\w+)?\s+(\S{1,64})\s*$/.exec(text ?? '');
  return m?.[1];
}

/**
 * One update → the events the core stores: a message (text, caption, media, deep-link payload,
 * the message it replies to), a pressed inline button, or the person blocking / unblocking the
 * bot. Other updates (edits, the bot's own channel posts) are acknowledged and dropped.
 */
export function normaliseUpdate(u: TgUpdate): InboundEvent[] {
  const eventId = String(u.update_id);
  if (u.message?.from && !u.message.from.is_bot) {
    const m = u.message;
    const text = m.text ?? m.caption;
    const files = attachments(m);
    const payload = startPayload(m.text);
    return [{
      type: 'message', eventId, providerMessageId: providerId(m.chat.id, m.message_id), from: sender(m.from!), chatId: String(m.chat.id),
      occurredAt: new Date(m.date * 1000).toISOString(),
      ...(text !== undefined ? { text } : {}), ...(files.length ? { attachments: files } : {}), ...(payload ? { startPayload: payload } : {}),
      ...(m.reply_to_message ? { replyTo: providerId(m.chat.id, m.reply_to_message.message_id) } : {}),
    }];
  }
  if (u.callback_query) {
    const q = u.callback_query;
    const chatId = q.message?.chat.id ?? q.from.id;
    const label = q.message?.reply_markup?.inline_keyboard.flat().find((b) => b.callback_data === q.data)?.text;
    return [{
      type: 'button', eventId, from: sender(q.from), chatId: String(chatId), buttonId: q.data ?? '', ...(label ? { text: label } : {}),
      ...(q.message ? { providerMessageId: providerId(chatId, q.message.message_id) } : {}), ack: { callbackQueryId: q.id },
    }];
  }
  if (u.my_chat_member && u.my_chat_member.chat.type === 'private') {
    const c = u.my_chat_member;
    const was = c.old_chat_member.status;
    const now = c.new_chat_member.status;
    const base = { eventId, from: sender(c.from), chatId: String(c.chat.id), occurredAt: new Date(c.date * 1000).toISOString() };
    if (now === 'kicked') return [{ type: 'optout', ...base, reason: 'blocked the bot' }];
    if (was === 'kicked' && now === 'member') return [{ type: 'optin', ...base, reason: 'unblocked the bot' }];
  }
  return [];
}
