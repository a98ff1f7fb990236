// The Telegram channel adapter: an account is a bot (its token is the account's secret).
import crypto from 'node:crypto';
import { Type } from '@atrium/sdk';
import {
  ChannelAuthError, ChannelRateLimitedError, ChannelRejectedError, ChannelUnavailableError, defineChannelAdapter, InboundSignatureError,
  type AdapterContext, type ChannelLimits, type OutboundMessage,
} from '@atrium/sdk/messaging';
import { TelegramApiError, TelegramClient, TelegramNetworkError, TELEGRAM_API, type TgMessage, type TgUpdate } from './telegram.client.ts';
import { ALLOWED_UPDATES, normaliseUpdate, parseProviderId, providerId } from './telegram.updates.ts';

export const TelegramConfig = Type.Object({
  /** The Bot API server (a local `telegram-bot-api` server, a proxy, or a test fake). */
  apiBaseUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 300 })),
  /** How updates come in: `auto` (webhook when the platform has a public URL, else long polling). */
  inbound: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('webhook'), Type.Literal('polling')])),
}, { additionalProperties: false });

export const TelegramSecrets = Type.Object({
  botToken: Type.String({ pattern: '^\\d{3,20}:[A-Za-z0-9_-]{20,100}$' }),
  /** Generated when the webhook is registered; Telegram sends it back in X-Telegram-Bot-Api-Secret-Token. */
  webhookSecret: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,256}$' })),
}, { additionalProperties: false });

type Config = { apiBaseUrl?: string; inbound?: 'auto' | 'webhook' | 'polling' };
type Secrets = { botToken: string; webhookSecret?: string };
type Ctx = AdapterContext<Config, Secrets>;

/**
 * What Telegram allows a bot: 4096 characters a message, 1024 a caption, about 30 messages a second
 * in all and one a second per chat (short bursts pass), 64 bytes of callback data, 50 MB uploads.
 * No customer-service window, no provider templates, no delivery receipts.
 */
export const TELEGRAM_LIMITS: ChannelLimits = {
  textMaxLength: 4096,
  captionMaxLength: 1024,
  buttons: { max: 10, textMaxLength: 64, urls: true },
  media: { mimeTypes: ['image/*', 'video/*', 'audio/*', 'application/pdf', 'application/zip', 'text/plain', 'application/msword', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.ms-excel', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'], maxBytes: 50 * 1024 * 1024, perMessage: 1 },
  rate: { perSecond: 30, burst: 30, perChatPerSecond: 1, perChatBurst: 3 },
  window: null,
  providerTemplates: false,
};

const clientOf = (ctx: Ctx) => new TelegramClient({ token: ctx.account.secrets.botToken, baseUrl: ctx.account.config.apiBaseUrl ?? TELEGRAM_API, fetch: ctx.fetch });

/** Constant-time comparison of the secret header (lengths differ → not equal, without timing the content). */
export function secretMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b) && given.length === expected.length;
}

/** Telegram's errors in the core's terms. */
export function mapTelegramError(e: unknown): unknown {
  if (e instanceof TelegramApiError) {
    const d = e.description.toLowerCase();
    if (e.errorCode === 429) return new ChannelRateLimitedError(e.retryAfter ?? 1, `Telegram: ${e.description}`);
    if (e.errorCode === 401 || e.errorCode === 404 && d.includes('not found') && !d.includes('chat')) return new ChannelAuthError(`Telegram rejected the bot token (${e.description})`);
    if (e.errorCode === 403) return new ChannelRejectedError(`Telegram: ${e.description}`, d.includes('blocked') || d.includes('deactivated') ? 'blocked' : 'rejected', e.errorCode);
    if (e.errorCode === 400 && (d.includes('chat not found') || d.includes('user not found') || d.includes('peer_id_invalid'))) return new ChannelRejectedError(`Telegram: ${e.description}`, 'invalid_recipient', e.errorCode);
    if (e.errorCode === 400 && d.includes('too long')) return new ChannelRejectedError(`Telegram: ${e.description}`, 'too_large', e.errorCode);
    if (e.errorCode === 409) return new ChannelUnavailableError(`Telegram: ${e.description}`, 'not_sent', { conflict: true });
    if (e.errorCode >= 500) return new ChannelUnavailableError(`Telegram: ${e.description}`, 'not_sent');
    return new ChannelRejectedError(`Telegram: ${e.description}`, 'rejected', e.errorCode);
  }
  if (e instanceof TelegramNetworkError) return new ChannelUnavailableError(e.message, e.sent === false ? 'not_sent' : 'unknown');
  return undefined;
}

function keyboard(m: OutboundMessage) {
  if (!m.buttons?.length) return undefined;
  // one button per row: labels stay readable on a phone
  return { inline_keyboard: m.buttons.map((b) => [b.url ? { text: b.text, url: b.url } : { text: b.text, callback_data: b.id }]) };
}

function fileMethod(mime: string): { method: 'sendPhoto' | 'sendDocument' | 'sendVideo' | 'sendAudio' | 'sendVoice'; field: string } {
  if (/^image\/(jpeg|png|webp)$/.test(mime)) return { method: 'sendPhoto', field: 'photo' };
  if (mime === 'video/mp4') return { method: 'sendVideo', field: 'video' };
  if (mime === 'audio/mpeg' || mime === 'audio/mp4') return { method: 'sendAudio', field: 'audio' };
  if (mime === 'audio/ogg') return { method: 'sendVoice', field: 'voice' };
  return { method: 'sendDocument', field: 'document' };
}

export const telegramAdapter = defineChannelAdapter({
  key: 'telegram',
  displayName: 'Telegram',
  channels: ['telegram'],
  configSchema: TelegramConfig,
  secretsSchema: TelegramSecrets,
  limits: () => TELEGRAM_LIMITS,
  polling: true,
  mapError: mapTelegramError,

  async connect(ctx) {
    const tg = clientOf(ctx);
    const me = await tg.getMe();
    const identity = { id: String(me.id), name: me.first_name, ...(me.username ? { username: me.username } : {}) };
    const mode = ctx.account.config.inbound ?? 'auto';
    const url = ctx.account.webhookUrl;
    if (mode === 'webhook' && !url) throw new ChannelRejectedError('Webhooks need the platform\'s public address (the messaging setting publicBaseUrl); or choose long polling', 'unsupported');
    if (url && mode !== 'polling') {
      const secret = ctx.account.secrets.webhookSecret ?? crypto.randomBytes(32).toString('base64url');
      await tg.setWebhook({ url, secret_token: secret, allowed_updates: ALLOWED_UPDATES, max_connections: 40 });
      return { status: 'connected', inbound: 'webhook', identity, secrets: { webhookSecret: secret } };
    }
    // long polling: getUpdates refuses to run while a webhook is set (409)
    await tg.deleteWebhook(false);
    return { status: 'connected', inbound: 'polling', identity, note: 'polling' };
  },

  async disconnect(ctx) {
    await clientOf(ctx).deleteWebhook(false);
  },

  verifyWebhook(ctx, req) {
    const header = req.headers['x-telegram-bot-api-secret-token'];
    if (!header) throw new InboundSignatureError('missing', 'The X-Telegram-Bot-Api-Secret-Token header is missing');
    if (!secretMatches(header, ctx.account.secrets.webhookSecret)) throw new InboundSignatureError('mismatch', 'The X-Telegram-Bot-Api-Secret-Token header does not match');
    let update: TgUpdate;
    try {
      update = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw new ChannelRejectedError('The update is not JSON', 'rejected');
    }
    if (typeof update?.update_id !== 'number') throw new ChannelRejectedError('Not a Telegram update', 'rejected');
    return { events: normaliseUpdate(update) };
  },

  async poll(ctx, input) {
    const offset = input.cursor ? Number(input.cursor) : undefined;
    const updates = await clientOf(ctx).getUpdates({ ...(offset ? { offset } : {}), timeout: Math.floor(input.waitMs / 1000), limit: 100, allowed_updates: ALLOWED_UPDATES });
    if (!updates.length) return { events: [], cursor: input.cursor };
    // the next offset confirms these to Telegram: it is stored with the events, in one transaction
    const next = Math.max(...updates.map((u) => u.update_id)) + 1;
    return { events: updates.flatMap(normaliseUpdate), cursor: String(next) };
  },

  async send(ctx, m) {
    if (m.providerTemplate) throw new ChannelRejectedError('Telegram has no provider templates', 'unsupported');
    const tg = clientOf(ctx);
    const reply = m.replyTo ? parseProviderId(m.replyTo) : null;
    const replyParameters = reply ? { message_id: reply.messageId, allow_sending_without_reply: true } : undefined;
    let sent: TgMessage;
    const file = m.media?.[0];
    if (file) {
      const { method, field } = fileMethod(file.mimeType);
      sent = await tg.sendFile(method, field, {
        chat_id: m.chatId, file: { name: file.name, mimeType: file.mimeType, data: Buffer.from(file.data, 'base64') },
        ...(file.caption ? { caption: file.caption } : {}), reply_markup: keyboard(m), reply_parameters: replyParameters,
      });
    } else {
      sent = await tg.sendMessage({ chat_id: m.chatId, text: m.text ?? '', ...(keyboard(m) ? { reply_markup: keyboard(m) } : {}), ...(replyParameters ? { reply_parameters: replyParameters } : {}) });
    }
    return { providerMessageId: providerId(sent.chat.id, sent.message_id), status: 'sent' };
  },

  async acknowledge(ctx, event) {
    const id = event.type === 'button' ? event.ack?.callbackQueryId : undefined;
    if (typeof id === 'string') await clientOf(ctx).answerCallbackQuery({ callback_query_id: id });
  },

  async fetchMedia(ctx, ref) {
    const tg = clientOf(ctx);
    const f = await tg.getFile(ref);
    if (!f.file_path) throw new ChannelRejectedError('Telegram has no file path for this file (too large for bots: 20 MB)', 'too_large');
    const data = await tg.download(f.file_path);
    return { data, mimeType: f.mime_type ?? 'application/octet-stream', name: f.file_name ?? f.file_path.split('/').pop() };
  },
});
