// The WhatsApp Cloud API (Graph API): sending, media, and the webhook's `whatsapp_business_account`
// payload turned into the core's events.
import {
  ChannelAuthError, ChannelRateLimitedError, ChannelRejectedError, GRAPH_API, GRAPH_VERSION, graphCall, GraphApiError, mapGraphError,
  type InboundAttachment, type InboundEvent, type OutboundMessage,
} from '@atrium/sdk/messaging';

export type CloudOptions = { baseUrl?: string; version?: string; token: string; fetch: typeof globalThis.fetch };

type WaMessage = {
  from: string;
  id: string;
  timestamp: string;
  type: string;
  text?: { body: string };
  image?: { id: string; mime_type?: string; caption?: string };
  video?: { id: string; mime_type?: string; caption?: string };
  audio?: { id: string; mime_type?: string; voice?: boolean };
  document?: { id: string; mime_type?: string; filename?: string; caption?: string };
  sticker?: { id: string; mime_type?: string };
  location?: { latitude: number; longitude: number; name?: string; address?: string };
  contacts?: { name?: { formatted_name?: string }; phones?: { phone?: string }[] }[];
  interactive?: { type: string; button_reply?: { id: string; title: string }; list_reply?: { id: string; title: string } };
  button?: { payload: string; text: string };
  context?: { from?: string; id?: string };
};
type WaStatus = { id: string; status: string; timestamp: string; recipient_id: string; errors?: { code: number; title?: string; message?: string; error_data?: { details?: string } }[] };
export type WaWebhook = {
  object: string;
  entry?: { id: string; changes?: { field: string; value: { messaging_product?: string; metadata?: { phone_number_id?: string; display_phone_number?: string }; contacts?: { profile?: { name?: string }; wa_id: string }[]; messages?: WaMessage[]; statuses?: WaStatus[] } }[] }[];
};

export class CloudApi {
  private readonly o: CloudOptions;
  constructor(o: CloudOptions) {
    this.o = o;
  }
  private url(path: string): string {
    return `${(this.o.baseUrl ?? GRAPH_API).replace(/\/+$/, '')}/${this.o.version ?? GRAPH_VERSION}/${path}`;
  }
  /** The number's own record: proves the token and the id (connect, test connection). */
  phoneNumber(id: string) {
    return graphCall<{ id: string; display_phone_number: string; verified_name?: string; quality_rating?: string }>(this.o.fetch, this.url(`${id}?fields=display_phone_number,verified_name,quality_rating`), { token: this.o.token });
  }
  send(phoneNumberId: string, payload: Record<string, unknown>) {
    return graphCall<{ messaging_product: string; contacts?: { input: string; wa_id: string }[]; messages: { id: string }[] }>(this.o.fetch, this.url(`${phoneNumberId}/messages`), {
      token: this.o.token, body: { messaging_product: 'whatsapp', recipient_type: 'individual', ...payload },
    });
  }
  async upload(phoneNumberId: string, file: { name: string; mimeType: string; data: Buffer }): Promise<string> {
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', file.mimeType);
    form.set('file', new Blob([new Uint8Array(file.data)], { type: file.mimeType }), file.name);
    return (await graphCall<{ id: string }>(this.o.fetch, this.url(`${phoneNumberId}/media`), { token: this.o.token, form, timeoutMs: 60_000 })).id;
  }
  /** An inbound media's bytes: its URL from the media id, then the file with the same token. */
  async download(mediaId: string): Promise<{ data: Buffer; mimeType: string }> {
    const m = await graphCall<{ url: string; mime_type: string }>(this.o.fetch, this.url(mediaId), { token: this.o.token });
    const res = await this.o.fetch(m.url, { headers: { authorization: `Bearer ${this.o.token}` }, signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new GraphApiError(res.status, { message: `media download failed (HTTP ${res.status})`, code: res.status });
    return { data: Buffer.from(await res.arrayBuffer()), mimeType: m.mime_type };
  }
}

/** Cloud API errors in the core's terms (the WhatsApp codes first, then what all Graph APIs share). */
export function mapCloudError(e: unknown): unknown {
  if (!(e instanceof GraphApiError)) return undefined;
  const detail = e.details ? ` (${e.details})` : '';
  switch (e.code) {
    case 131047:
    case 470:
      return new ChannelRejectedError(`WhatsApp: more than 24 hours since the customer last wrote: only a template can be sent${detail}`, 'window_closed', e.code);
    case 131026:
    case 131030:
    case 131021:
      return new ChannelRejectedError(`WhatsApp: the message cannot reach this number${detail}`, 'invalid_recipient', e.code);
    case 130429:
      return new ChannelRateLimitedError(2, `WhatsApp: throughput limit reached${detail}`);
    case 131056:
      return new ChannelRateLimitedError(6, `WhatsApp: too many messages to this number in a short time${detail}`);
    case 131048:
      return new ChannelRateLimitedError(60, `WhatsApp: spam rate limit reached${detail}`);
    case 133010:
      return new ChannelAuthError(`WhatsApp: the phone number is not registered${detail}`);
    case 131051:
      return new ChannelRejectedError(`WhatsApp: unsupported message type${detail}`, 'unsupported', e.code);
  }
  if (e.code >= 132000 && e.code < 133000) return new ChannelRejectedError(`WhatsApp template: ${e.message}${detail}`, 'template', e.code);
  return mapGraphError(e);
}

const MEDIA_KIND: Record<string, InboundAttachment['kind']> = { image: 'image', video: 'video', audio: 'audio', document: 'document', sticker: 'sticker' };

/** `+<digits>` for a WhatsApp id (wa_id / from are digits without the plus). */
export const e164 = (waId: string) => `+${waId.replace(/\D/g, '')}`;

function messageEvent(m: WaMessage, name: string | undefined): InboundEvent | null {
  const from = { kind: 'whatsapp' as const, id: e164(m.from), ...(name ? { name } : {}) };
  const base = { eventId: m.id, from, chatId: m.from, occurredAt: new Date(Number(m.timestamp) * 1000).toISOString() };
  const reply = m.interactive?.button_reply ?? m.interactive?.list_reply;
  if (reply) return { type: 'button', ...base, buttonId: reply.id, text: reply.title, ...(m.context?.id ? { providerMessageId: m.context.id } : {}) };
  if (m.button) return { type: 'button', ...base, buttonId: m.button.payload, text: m.button.text, ...(m.context?.id ? { providerMessageId: m.context.id } : {}) };
  const attachments: InboundAttachment[] = [];
  let text = m.text?.body;
  const media = (m.image ?? m.video ?? m.audio ?? m.document ?? m.sticker) as { id: string; mime_type?: string; caption?: string; filename?: string } | undefined;
  if (media && MEDIA_KIND[m.type]) {
    attachments.push({ kind: m.type === 'audio' && m.audio?.voice ? 'voice' : MEDIA_KIND[m.type]!, ref: media.id, ...(media.mime_type ? { mimeType: media.mime_type } : {}), ...(media.filename ? { name: media.filename } : {}) });
    text ??= media.caption;
  }
  if (m.location) attachments.push({ kind: 'location', text: [m.location.name, m.location.address, `${m.location.latitude},${m.location.longitude}`].filter(Boolean).join(' · ') });
  for (const c of m.contacts ?? []) attachments.push({ kind: 'contact', text: [c.name?.formatted_name, ...(c.phones ?? []).map((p) => p.phone)].filter(Boolean).join(' ') });
  if (text === undefined && !attachments.length) return null; // reactions, system and unsupported messages
  return { type: 'message', ...base, providerMessageId: m.id, ...(text !== undefined ? { text } : {}), ...(attachments.length ? { attachments } : {}), ...(m.context?.id ? { replyTo: m.context.id } : {}) };
}

const STATUS: Record<string, 'sent' | 'delivered' | 'read' | 'failed'> = { sent: 'sent', delivered: 'delivered', read: 'read', failed: 'failed' };

/** The webhook's messages and statuses for this account's number; other numbers of the same app are skipped. */
export function normaliseCloudWebhook(w: WaWebhook, phoneNumberId: string): InboundEvent[] {
  const out: InboundEvent[] = [];
  for (const entry of w.entry ?? []) {
    for (const change of entry.changes ?? []) {
      const v = change.value;
      if (change.field !== 'messages' || v.metadata?.phone_number_id !== phoneNumberId) continue;
      const names = new Map((v.contacts ?? []).map((c) => [c.wa_id, c.profile?.name]));
      for (const m of v.messages ?? []) {
        const ev = messageEvent(m, names.get(m.from));
        if (ev) out.push(ev);
      }
      for (const s of v.statuses ?? []) {
        const status = STATUS[s.status];
        if (!status) continue;
        const err = s.errors?.[0];
        out.push({
          type: 'status', eventId: `${s.id}:${s.status}`, providerMessageId: s.id, status, occurredAt: new Date(Number(s.timestamp) * 1000).toISOString(),
          ...(err ? { error: { code: String(err.code), message: [err.title, err.message, err.error_data?.details].filter(Boolean).join(': ') } } : {}),
        });
      }
    }
  }
  return out;
}

/** One provider message as the Cloud API takes it. */
export async function cloudPayload(api: CloudApi, phoneNumberId: string, m: OutboundMessage): Promise<Record<string, unknown>> {
  const context = m.replyTo ? { context: { message_id: m.replyTo } } : {};
  const to = m.chatId.replace(/\D/g, '');
  if (m.providerTemplate) {
    const t = m.providerTemplate;
    return { to, type: 'template', template: { name: t.name, language: { code: t.language }, ...(t.parameters.length ? { components: [{ type: 'body', parameters: t.parameters }] } : {}) }, ...context };
  }
  const file = m.media?.[0];
  if (file) {
    const id = await api.upload(phoneNumberId, { name: file.name, mimeType: file.mimeType, data: Buffer.from(file.data, 'base64') });
    const type = file.mimeType.startsWith('image/') ? 'image' : file.mimeType.startsWith('video/') ? 'video' : file.mimeType.startsWith('audio/') ? 'audio' : 'document';
    return { to, type, [type]: { id, ...(file.caption && type !== 'audio' ? { caption: file.caption } : {}), ...(type === 'document' ? { filename: file.name } : {}) }, ...context };
  }
  const replies = (m.buttons ?? []).filter((b) => !b.url);
  if (replies.length) {
    return { to, type: 'interactive', interactive: { type: 'button', body: { text: m.text ?? '' }, action: { buttons: replies.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.text } })) } }, ...context };
  }
  return { to, type: 'text', text: { body: m.text ?? '', preview_url: /https?:\/\//.test(m.text ?? '') }, ...context };
}
