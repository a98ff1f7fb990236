// The Messenger Platform and Instagram Messaging (Graph API): the page webhook's `messaging` events
// turned into the core's events, the Send API's payloads, and their errors in the core's terms.
import {
  ChannelRejectedError, GraphApiError, mapGraphError,
  type ChannelKind, type InboundAttachment, type InboundEvent, type OutboundMessage,
} from '@atrium/sdk/messaging';

type MessagingEvent = {
  sender: { id: string };
  recipient: { id: string };
  timestamp: number;
  message?: { mid: string; text?: string; is_echo?: boolean; attachments?: { type: string; payload?: { url?: string; title?: string; coordinates?: { lat: number; long: number } } }[]; quick_reply?: { payload: string }; reply_to?: { mid: string } };
  postback?: { mid?: string; title?: string; payload: string };
  delivery?: { mids?: string[]; watermark: number };
  read?: { mid?: string; watermark?: number };
};
export type PageWebhook = { object: 'page' | 'instagram' | string; entry?: { id: string; time: number; messaging?: MessagingEvent[] }[] };

const KIND: Record<string, InboundAttachment['kind']> = { image: 'image', video: 'video', audio: 'audio', file: 'document', location: 'location', story_mention: 'image', ig_reel: 'video', reel: 'video', share: 'image' };

/**
 * This page's (or Instagram account's) events: messages with their attachments and quick-reply
 * answers, postbacks (button presses), deliveries; echoes of our own messages are skipped, and so
 * are events of other pages of the same app. Senders are page-scoped ids: the identity's scope is
 * the page (the same person has another id on another page).
 */
export function normalisePageWebhook(w: PageWebhook, channel: ChannelKind, pageId: string): InboundEvent[] {
  const out: InboundEvent[] = [];
  const kind = channel === 'instagram' ? 'instagram' as const : 'facebook' as const;
  for (const entry of w.entry ?? []) {
    if (entry.id !== pageId) continue;
    for (const e of entry.messaging ?? []) {
      const from = { kind, id: e.sender.id, scope: pageId };
      const at = new Date(e.timestamp).toISOString();
      if (e.message && !e.message.is_echo && e.sender.id !== pageId) {
        const m = e.message;
        if (m.quick_reply) {
          out.push({ type: 'button', eventId: m.mid, from, chatId: e.sender.id, buttonId: m.quick_reply.payload, ...(m.text ? { text: m.text } : {}), occurredAt: at });
          continue;
        }
        const attachments: InboundAttachment[] = (m.attachments ?? []).map((a) => (a.type === 'location' && a.payload?.coordinates
          ? { kind: 'location', text: `${a.payload.coordinates.lat},${a.payload.coordinates.long}` }
          : { kind: KIND[a.type] ?? 'document', ...(a.payload?.url ? { ref: a.payload.url } : {}), ...(a.payload?.title ? { name: a.payload.title } : {}) }));
        if (m.text === undefined && !attachments.length) continue;
        out.push({ type: 'message', eventId: m.mid, providerMessageId: m.mid, from, chatId: e.sender.id, occurredAt: at, ...(m.text !== undefined ? { text: m.text } : {}), ...(attachments.length ? { attachments } : {}), ...(m.reply_to?.mid ? { replyTo: m.reply_to.mid } : {}) });
      } else if (e.postback && e.sender.id !== pageId) {
        out.push({ type: 'button', eventId: e.postback.mid ?? `pb:${e.sender.id}:${e.timestamp}`, from, chatId: e.sender.id, buttonId: e.postback.payload, ...(e.postback.title ? { text: e.postback.title } : {}), occurredAt: at });
      } else if (e.delivery) {
        for (const mid of e.delivery.mids ?? []) out.push({ type: 'status', eventId: `${mid}:delivered`, providerMessageId: mid, status: 'delivered', occurredAt: at });
      } else if (e.read?.mid) {
        // Instagram names the message read; Messenger gives a watermark only (not mapped to messages here)
        out.push({ type: 'status', eventId: `${e.read.mid}:read`, providerMessageId: e.read.mid, status: 'read', occurredAt: at });
      }
    }
  }
  return out;
}

/**
 * One Send API request. Reply buttons go as quick replies (both channels: up to 13, titles of 20
 * characters); link buttons on Messenger as a button template (up to 3). RESPONSE: an answer within
 * the 24-hour window, the only messaging type used (tags for later messages are not supported).
 */
export function sendPayload(m: OutboundMessage, channel: ChannelKind): Record<string, unknown> {
  const recipient = { id: m.chatId };
  const base = { recipient, messaging_type: 'RESPONSE' };
  const file = m.media?.[0];
  if (file) {
    return { ...base, message: { attachment: { type: file.mimeType.startsWith('image/') ? 'image' : file.mimeType.startsWith('video/') ? 'video' : file.mimeType.startsWith('audio/') ? 'audio' : 'file', payload: { is_reusable: false } } }, filedata: file };
  }
  const links = (m.buttons ?? []).filter((b) => b.url);
  const replies = (m.buttons ?? []).filter((b) => !b.url);
  if (links.length && channel === 'facebook') {
    return {
      ...base, message: {
        attachment: { type: 'template', payload: { template_type: 'button', text: m.text ?? '', buttons: [...links.map((b) => ({ type: 'web_url', url: b.url, title: b.text })), ...replies.map((b) => ({ type: 'postback', title: b.text, payload: b.id }))].slice(0, 3) } },
      },
    };
  }
  return { ...base, message: { text: m.text ?? '', ...(replies.length ? { quick_replies: replies.map((b) => ({ content_type: 'text', title: b.text, payload: b.id })) } : {}) } };
}

/** Messenger / Instagram errors, then what all Graph APIs share. */
export function mapMessengerError(e: unknown): unknown {
  if (!(e instanceof GraphApiError)) return undefined;
  if (e.subcode === 2018278 || e.subcode === 2534022) return new ChannelRejectedError(`Meta: outside the 24-hour window (${e.message})`, 'window_closed', e.code);
  if (e.code === 551 || e.subcode === 2018001 || e.subcode === 2018108) return new ChannelRejectedError(`Meta: this person cannot be reached (${e.message})`, e.code === 551 ? 'blocked' : 'invalid_recipient', e.code);
  if (e.subcode === 2018027 || e.subcode === 2018047) return new ChannelRejectedError(`Meta: ${e.message}`, 'too_large', e.code);
  return mapGraphError(e);
}
