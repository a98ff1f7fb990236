// The WhatsApp channel adapter: an account is one WhatsApp number, reached either through the
// WhatsApp Cloud API (Meta's Business Platform) or through WAHA (a self-hosted WhatsApp Web).
import crypto from 'node:crypto';
import { Type, ValidationError } from '@atrium/sdk';
import { answerHubChallenge, ChannelRejectedError, defineChannelAdapter, verifyHubSignature, type AdapterContext, type ChannelLimits } from '@atrium/sdk/messaging';
import { cloudPayload, CloudApi, mapCloudError, normaliseCloudWebhook, type WaWebhook } from './cloud.ts';
import { mapWahaError, normaliseWahaWebhook, sessionState, verifyWahaHmac, WahaApi, wahaSend } from './waha.ts';

export const WhatsAppConfig = Type.Object({
  /** `cloud`: Meta's WhatsApp Cloud API; `waha`: a WAHA server (WhatsApp Web) the operator runs. */
  provider: Type.Union([Type.Literal('cloud'), Type.Literal('waha')], { default: 'cloud' }),
  /** Cloud: the number's id in the Meta app; its webhook's verify token (type the same in Meta's dashboard). */
  phoneNumberId: Type.Optional(Type.String({ pattern: '^\\d{5,30}$' })),
  verifyToken: Type.Optional(Type.String({ minLength: 8, maxLength: 100, pattern: '^[\\x21-\\x7e]+$' })),
  /** Graph API base and version (Cloud), or the WAHA server's address. */
  apiBaseUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 300 })),
  apiVersion: Type.Optional(Type.String({ pattern: '^v\\d+\\.\\d+$' })),
  /** WAHA: the session's name on the server. */
  session: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,54}$' })),
}, { additionalProperties: false });

export const WhatsAppSecrets = Type.Object({
  /** Cloud: a system user's access token; its app's secret (webhook signatures). */
  accessToken: Type.Optional(Type.String({ minLength: 20, maxLength: 1000 })),
  appSecret: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
  /** WAHA: the server's API key (X-Api-Key), and the webhook key generated on connect. */
  apiKey: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  webhookKey: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })),
}, { additionalProperties: false });

type Config = { provider?: 'cloud' | 'waha'; phoneNumberId?: string; verifyToken?: string; apiBaseUrl?: string; apiVersion?: string; session?: string };
type Secrets = { accessToken?: string; appSecret?: string; apiKey?: string; webhookKey?: string };
type Ctx = AdapterContext<Config, Secrets>;

const IMAGES = ['image/jpeg', 'image/png'];
const DOCS = ['application/pdf', 'text/plain', 'application/msword', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.ms-excel', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'];

/**
 * Cloud API: 4096 characters, 3 reply buttons of 20 characters, media up to 16 MB, ~80 messages a
 * second per number, the 24-hour customer-service window (outside it only approved templates).
 * WAHA (WhatsApp Web): no buttons, no templates, no window — and a slow pace, because WhatsApp bans
 * numbers that send like machines.
 */
export function whatsappLimits(config: Config): ChannelLimits {
  if (config.provider === 'waha') {
    return {
      textMaxLength: 4096, captionMaxLength: 1024, buttons: null, window: null, providerTemplates: false,
      media: { mimeTypes: [...IMAGES, 'video/mp4', 'audio/ogg', ...DOCS], maxBytes: 16 * 1024 * 1024, perMessage: 1 },
      rate: { perSecond: 1, burst: 5, perChatPerSecond: 1, perChatBurst: 3 },
    };
  }
  return {
    textMaxLength: 4096, captionMaxLength: 1024, buttons: { max: 3, textMaxLength: 20, urls: false }, window: { hours: 24 }, providerTemplates: true,
    media: { mimeTypes: [...IMAGES, 'video/mp4', 'video/3gpp', 'audio/aac', 'audio/mpeg', 'audio/mp4', 'audio/ogg', ...DOCS], maxBytes: 16 * 1024 * 1024, perMessage: 1 },
    rate: { perSecond: 80, burst: 80, perChatPerSecond: 1, perChatBurst: 5 },
  };
}

function need<T>(value: T | undefined, field: string, provider: string): T {
  if (value === undefined || value === null || value === '') throw new ValidationError(`${field} is required for ${provider}`, [{ field, code: 'required', message: `is required for the ${provider === 'cloud' ? 'Cloud API' : 'WAHA'}` }]);
  return value;
}
const cloudOf = (ctx: Ctx) => new CloudApi({ baseUrl: ctx.account.config.apiBaseUrl, version: ctx.account.config.apiVersion, token: need(ctx.account.secrets.accessToken, 'secrets.accessToken', 'cloud'), fetch: ctx.fetch });
const wahaOf = (ctx: Ctx) => new WahaApi({ baseUrl: need(ctx.account.config.apiBaseUrl, 'config.apiBaseUrl', 'waha'), apiKey: ctx.account.secrets.apiKey, fetch: ctx.fetch });
const sessionOf = (ctx: Ctx) => ctx.account.config.session ?? 'default';
const isWaha = (ctx: Ctx) => ctx.account.config.provider === 'waha';

export const whatsappAdapter = defineChannelAdapter({
  key: 'whatsapp',
  displayName: 'WhatsApp',
  channels: ['whatsapp'],
  configSchema: WhatsAppConfig,
  secretsSchema: WhatsAppSecrets,
  limits: (config) => whatsappLimits(config),
  mapError: (e) => mapCloudError(e) ?? mapWahaError(e),

  async connect(ctx) {
    if (isWaha(ctx)) {
      const waha = wahaOf(ctx);
      const url = need(ctx.account.webhookUrl ?? undefined, 'publicBaseUrl', 'waha');
      const key = ctx.account.secrets.webhookKey ?? crypto.randomBytes(32).toString('base64url');
      const s = await waha.ensureSession(sessionOf(ctx), { webhooks: [{ url, events: ['message', 'message.ack', 'session.status'], hmac: { key }, retries: { policy: 'exponential', delaySeconds: 2, attempts: 10 } }] });
      const ready = s.status === 'WORKING';
      const qr = !ready && s.status === 'SCAN_QR_CODE' ? await waha.qr(sessionOf(ctx)).catch(() => null) : null;
      return {
        status: ready ? 'connected' : 'pending', inbound: 'webhook', secrets: { webhookKey: key },
        identity: s.me ? { id: s.me.id, name: s.me.pushName } : { name: sessionOf(ctx) },
        ...(qr ? { qr: { kind: 'data-url' as const, value: `data:image/png;base64,${qr.toString('base64')}` } } : {}),
      };
    }
    const phoneNumberId = need(ctx.account.config.phoneNumberId, 'config.phoneNumberId', 'cloud');
    need(ctx.account.secrets.appSecret, 'secrets.appSecret', 'cloud');
    need(ctx.account.config.verifyToken, 'config.verifyToken', 'cloud');
    const n = await cloudOf(ctx).phoneNumber(phoneNumberId);
    // the webhook is registered in Meta's dashboard (per app): the account shows the URL and verify token to paste there
    return { status: 'connected', inbound: 'webhook', identity: { id: n.id, name: n.verified_name ?? n.display_phone_number, username: n.display_phone_number }, note: 'meta-dashboard' };
  },

  async disconnect(ctx) {
    if (isWaha(ctx)) await wahaOf(ctx).stop(sessionOf(ctx));
  },

  verifyWebhook(ctx, req) {
    let body: any;
    if (isWaha(ctx)) verifyWahaHmac(req.body, req.headers['x-webhook-hmac'], ctx.account.secrets.webhookKey);
    else verifyHubSignature(req.body, req.headers['x-hub-signature-256'], [ctx.account.secrets.appSecret ?? '']);
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw new ChannelRejectedError('The webhook body is not JSON', 'rejected');
    }
    return { events: isWaha(ctx) ? normaliseWahaWebhook(body, sessionOf(ctx)) : normaliseCloudWebhook(body as WaWebhook, ctx.account.config.phoneNumberId ?? '') };
  },

  challenge(ctx, query) {
    return answerHubChallenge(query, ctx.account.config.verifyToken);
  },

  async send(ctx, m) {
    if (isWaha(ctx)) {
      if (m.providerTemplate) throw new ChannelRejectedError('WhatsApp Web (WAHA) has no approved templates', 'unsupported');
      return { providerMessageId: await wahaSend(wahaOf(ctx), sessionOf(ctx), m) };
    }
    const api = cloudOf(ctx);
    const phoneNumberId = need(ctx.account.config.phoneNumberId, 'config.phoneNumberId', 'cloud');
    const r = await api.send(phoneNumberId, await cloudPayload(api, phoneNumberId, m));
    return { providerMessageId: r.messages[0]!.id };
  },

  async fetchMedia(ctx, ref) {
    const r = isWaha(ctx) ? await wahaOf(ctx).download(ref) : await cloudOf(ctx).download(ref);
    return { data: r.data, mimeType: r.mimeType };
  },

  async session(ctx) {
    if (!isWaha(ctx)) return { status: 'connected', detail: 'The Cloud API has no session' };
    const waha = wahaOf(ctx);
    const s = await waha.session(sessionOf(ctx));
    return sessionState(s, s.status === 'SCAN_QR_CODE' ? await waha.qr(sessionOf(ctx)).catch(() => null) : null);
  },
});
