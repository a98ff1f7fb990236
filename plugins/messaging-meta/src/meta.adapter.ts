// The Meta channel adapter: an account is a Facebook page (Messenger) or an Instagram professional
// account connected to a page (Instagram Direct), with the page's access token.
import { Type, ValidationError } from '@atrium/sdk';
import {
  answerHubChallenge, ChannelRejectedError, defineChannelAdapter, GRAPH_API, GRAPH_VERSION, graphCall, verifyHubSignature,
  type AdapterContext, type ChannelLimits, type OutboundMedia,
} from '@atrium/sdk/messaging';
import { mapMessengerError, normalisePageWebhook, sendPayload, type PageWebhook } from './messenger.ts';

export const MetaConfig = Type.Object({
  /** The Facebook page id (Messenger), or the Instagram account id (Instagram Direct). */
  pageId: Type.String({ pattern: '^\\d{5,30}$' }),
  /** Typed here and in the app's Webhooks settings: Meta's GET handshake must echo it. */
  verifyToken: Type.String({ minLength: 8, maxLength: 100, pattern: '^[\\x21-\\x7e]+$' }),
  apiBaseUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 300 })),
  apiVersion: Type.Optional(Type.String({ pattern: '^v\\d+\\.\\d+$' })),
}, { additionalProperties: false });

export const MetaSecrets = Type.Object({
  pageAccessToken: Type.String({ minLength: 20, maxLength: 1000 }),
  appSecret: Type.String({ pattern: '^[0-9a-f]{32}$' }),
}, { additionalProperties: false });

type Config = { pageId: string; verifyToken: string; apiBaseUrl?: string; apiVersion?: string };
type Secrets = { pageAccessToken: string; appSecret: string };
type Ctx = AdapterContext<Config, Secrets>;

/**
 * Messenger: 2000 characters, 13 quick replies of 20 characters (3 link buttons), 25 MB files.
 * Instagram: 1000 characters, quick replies, images and videos. Both: the 24-hour standard
 * messaging window (later messages would need tags, not supported), ~ a few hundred calls per
 * second per page.
 */
export function metaLimits(channel: string): ChannelLimits {
  const ig = channel === 'instagram';
  return {
    textMaxLength: ig ? 1000 : 2000,
    buttons: { max: ig ? 13 : 13, textMaxLength: 20, urls: !ig },
    media: { mimeTypes: ig ? ['image/jpeg', 'image/png', 'video/mp4'] : ['image/*', 'video/mp4', 'audio/mpeg', 'application/pdf'], maxBytes: ig ? 8 * 1024 * 1024 : 25 * 1024 * 1024, perMessage: 1 },
    rate: { perSecond: 40, burst: 40, perChatPerSecond: 1, perChatBurst: 5 },
    window: { hours: 24 },
    providerTemplates: false,
  };
}

const url = (ctx: Ctx, path: string) => `${(ctx.account.config.apiBaseUrl ?? GRAPH_API).replace(/\/+$/, '')}/${ctx.account.config.apiVersion ?? GRAPH_VERSION}/${path}`;

async function sendFile(ctx: Ctx, payload: Record<string, unknown>, file: OutboundMedia) {
  const form = new FormData();
  form.set('recipient', JSON.stringify(payload.recipient));
  form.set('messaging_type', String(payload.messaging_type));
  form.set('message', JSON.stringify(payload.message));
  form.set('filedata', new Blob([new Uint8Array(Buffer.from(file.data, 'base64'))], { type: file.mimeType }), file.name);
  return graphCall<{ recipient_id: string; message_id: string }>(ctx.fetch, url(ctx, `${ctx.account.config.pageId}/messages`), { token: ctx.account.secrets.pageAccessToken, form, timeoutMs: 60_000 });
}

export const metaAdapter = defineChannelAdapter({
  key: 'meta',
  displayName: 'Messenger / Instagram',
  channels: ['facebook', 'instagram'],
  configSchema: MetaConfig,
  secretsSchema: MetaSecrets,
  limits: (_config, channel) => metaLimits(channel),
  mapError: mapMessengerError,

  async connect(ctx) {
    const ig = ctx.account.channel === 'instagram';
    const fields = ig ? 'id,username,name' : 'id,name';
    const page = await graphCall<{ id: string; name?: string; username?: string }>(ctx.fetch, url(ctx, `${ctx.account.config.pageId}?fields=${fields}`), { token: ctx.account.secrets.pageAccessToken });
    if (page.id !== ctx.account.config.pageId) throw new ValidationError('The token belongs to another page', [{ field: 'config.pageId', code: 'tokenMismatch', message: 'does not match the token\'s page' }]);
    return { status: 'connected', inbound: 'webhook', identity: { id: page.id, ...(page.name ? { name: page.name } : {}), ...(page.username ? { username: page.username } : {}) }, note: 'meta-dashboard' };
  },

  verifyWebhook(ctx, req) {
    verifyHubSignature(req.body, req.headers['x-hub-signature-256'], [ctx.account.secrets.appSecret]);
    let body: PageWebhook;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw new ChannelRejectedError('The webhook body is not JSON', 'rejected');
    }
    return { events: normalisePageWebhook(body, ctx.account.channel, ctx.account.config.pageId) };
  },

  challenge(ctx, query) {
    return answerHubChallenge(query, ctx.account.config.verifyToken);
  },

  async send(ctx, m) {
    if (m.providerTemplate) throw new ChannelRejectedError('Messenger and Instagram have no provider templates here', 'unsupported');
    const payload = sendPayload({ ...m, media: m.media?.slice(0, 1) }, ctx.account.channel);
    const file = m.media?.[0];
    const r = file
      ? await sendFile(ctx, payload, file)
      : await graphCall<{ recipient_id: string; message_id: string }>(ctx.fetch, url(ctx, `${ctx.account.config.pageId}/messages`), { token: ctx.account.secrets.pageAccessToken, body: payload });
    // a caption is a separate message on these channels
    if (file?.caption) await graphCall(ctx.fetch, url(ctx, `${ctx.account.config.pageId}/messages`), { token: ctx.account.secrets.pageAccessToken, body: { recipient: { id: m.chatId }, messaging_type: 'RESPONSE', message: { text: file.caption } } });
    return { providerMessageId: r.message_id };
  },

  async fetchMedia(ctx, ref) {
    // attachment URLs in webhooks are signed CDN links that expire: downloaded as they are
    const res = await ctx.fetch(ref, { signal: AbortSignal.timeout(60_000) });
    if (!res.ok) throw new ChannelRejectedError(`The attachment is no longer available (HTTP ${res.status})`, 'rejected', res.status);
    return { data: Buffer.from(await res.arrayBuffer()), mimeType: res.headers.get('content-type') ?? 'application/octet-stream' };
  },
});
