// The SMS channel adapter: an account is a sender — a Twilio number (or messaging service), or a
// number at any SMS gateway that speaks the generic contract.
import { Type, ValidationError } from '@atrium/sdk';
import { ChannelRejectedError, defineChannelAdapter, type AdapterContext, type ChannelLimits } from '@atrium/sdk/messaging';
import { gatewaySend, mapGatewayError, normaliseGateway, verifyGatewaySignature } from './gateway.ts';
import { mapTwilioError, normaliseTwilio, TwilioApi, verifyTwilioSignature } from './twilio.ts';

export const SmsConfig = Type.Object({
  provider: Type.Union([Type.Literal('twilio'), Type.Literal('http')], { default: 'twilio' }),
  /** Twilio: the account SID; the sender — an E.164 number or a messaging service SID (MG…). */
  accountSid: Type.Optional(Type.String({ pattern: '^AC[0-9a-f]{32}$' })),
  from: Type.Optional(Type.String({ pattern: '^(\\+[1-9]\\d{6,14}|MG[0-9a-f]{32})$' })),
  apiBaseUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 300 })),
  /** Generic gateway: where sends go (the operator must allow its address). */
  sendUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 500 })),
}, { additionalProperties: false });

export const SmsSecrets = Type.Object({
  authToken: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
  apiKey: Type.Optional(Type.String({ minLength: 8, maxLength: 500 })),
  signingSecret: Type.Optional(Type.String({ minLength: 16, maxLength: 500 })),
}, { additionalProperties: false });

type Config = { provider?: 'twilio' | 'http'; accountSid?: string; from?: string; apiBaseUrl?: string; sendUrl?: string };
type Secrets = { authToken?: string; apiKey?: string; signingSecret?: string };
type Ctx = AdapterContext<Config, Secrets>;

/**
 * 1600 characters a message (the carrier splits into segments; longer texts are split here), no
 * buttons (they go as lines), no media, about one message a second per long-code number. The
 * generic gateway de-duplicates by our reference, so a send whose answer was lost may be repeated.
 */
export function smsLimits(config: Config): ChannelLimits {
  return {
    textMaxLength: 1600, buttons: null, media: null, window: null, providerTemplates: false,
    rate: { perSecond: 1, burst: 5 },
    ...(config.provider === 'http' ? { dedupesByMessageId: true } : {}),
  };
}

function need<T>(v: T | undefined, field: string): T {
  if (v === undefined || v === '') throw new ValidationError(`${field} is required`, [{ field, code: 'required', message: 'is required for this provider' }]);
  return v;
}
const twilioOf = (ctx: Ctx) => new TwilioApi({ baseUrl: ctx.account.config.apiBaseUrl, accountSid: need(ctx.account.config.accountSid, 'config.accountSid'), authToken: need(ctx.account.secrets.authToken, 'secrets.authToken'), fetch: ctx.fetch });
const isHttp = (ctx: Ctx) => ctx.account.config.provider === 'http';

export const smsAdapter = defineChannelAdapter({
  key: 'sms',
  displayName: 'SMS',
  channels: ['sms'],
  configSchema: SmsConfig,
  secretsSchema: SmsSecrets,
  limits: (config) => smsLimits(config),
  mapError: (e) => mapTwilioError(e) ?? mapGatewayError(e),

  async connect(ctx) {
    if (isHttp(ctx)) {
      need(ctx.account.config.sendUrl, 'config.sendUrl');
      need(ctx.account.secrets.apiKey, 'secrets.apiKey');
      need(ctx.account.secrets.signingSecret, 'secrets.signingSecret');
      return { status: 'connected', inbound: ctx.account.webhookUrl ? 'webhook' : 'none', identity: { name: new URL(ctx.account.config.sendUrl!).host } };
    }
    const tw = twilioOf(ctx);
    const from = need(ctx.account.config.from, 'config.from');
    const acc = await tw.account();
    // point the number's "a message comes in" webhook at this account (a messaging service is set up in Twilio's console)
    let note: string | undefined;
    if (ctx.account.webhookUrl && from.startsWith('+')) {
      const n = await tw.number(from);
      if (!n) throw new ValidationError('This number is not in the Twilio account', [{ field: 'config.from', code: 'notAccountNumber', message: 'is not a number of this Twilio account' }]);
      if (n.sms_url !== ctx.account.webhookUrl) await tw.setSmsUrl(n.sid, ctx.account.webhookUrl);
    } else note = 'twilio-console';
    return { status: 'connected', inbound: ctx.account.webhookUrl ? 'webhook' : 'none', identity: { id: acc.sid, name: acc.friendly_name, username: from }, ...(note ? { note } : {}) };
  },

  verifyWebhook(ctx, req) {
    if (isHttp(ctx)) {
      verifyGatewaySignature(need(ctx.account.secrets.signingSecret, 'secrets.signingSecret'), req.body, req.headers['x-signature']);
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        throw new ChannelRejectedError('The webhook body is not JSON', 'rejected');
      }
      return { events: normaliseGateway(body) };
    }
    const params = Object.fromEntries(new URLSearchParams(req.body.toString('utf8')));
    verifyTwilioSignature(need(ctx.account.secrets.authToken, 'secrets.authToken'), req.url, params, req.headers['x-twilio-signature']);
    // Twilio waits for TwiML: an empty <Response/> sends no automatic reply
    return { events: normaliseTwilio(params), response: { contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' } };
  },

  async send(ctx, m) {
    if (isHttp(ctx)) {
      const r = await gatewaySend(ctx.fetch, { sendUrl: need(ctx.account.config.sendUrl, 'config.sendUrl'), apiKey: need(ctx.account.secrets.apiKey, 'secrets.apiKey'), callbackUrl: ctx.account.webhookUrl }, m);
      return { providerMessageId: r.id };
    }
    const r = await twilioOf(ctx).send({ to: m.chatId, from: need(ctx.account.config.from, 'config.from'), body: m.text ?? '', ...(ctx.account.webhookUrl ? { statusCallback: ctx.account.webhookUrl } : {}) });
    return { providerMessageId: r.sid };
  },
});
