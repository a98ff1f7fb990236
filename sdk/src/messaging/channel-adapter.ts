/**
 * @atrium/sdk/messaging — the contract between the provider-neutral messaging core
 * (`@atrium/plugin-messaging`, plugin id `messaging`) and channel adapter plugins.
 *
 * An adapter is an ordinary plugin whose id is `messaging-<key>` (`messaging-telegram`), which
 * `provides: ["messaging-channel", "messaging:<channel>"…]`, depends on `messaging`, and registers
 * the service `defineChannelAdapter()` returns. That service is named `channel`, so its actions are
 * `messaging-<key>.channel.<operation>`; the core calls them through the broker (its manifest
 * allowlists `messaging-*`). None has a REST route, none holds a database transaction: every
 * operation is a call to the provider (or a computation), and the core records intents before and
 * results after it in transactions of its own.
 *
 * Accounts. A tenant may connect several accounts of one channel (two bots, two WhatsApp numbers),
 * so account credentials are not plugin settings: the core keeps each account's `config` (plain,
 * validated by `configSchema`) and its secrets sealed by THIS plugin (`seal`, encrypted with a key
 * only this plugin's `ctx.secrets` can use, bound to the tenant). The core stores the sealed blob
 * and hands it back with every call; it never sees a token.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { AtriumError, ValidationError } from '../errors.ts';
import { defineAction, defineService, type ActionContext, type Logger, type ServiceDefinition } from '../plugin.ts';
import { compileSchema, type SchemaCheck } from './schema-check.ts';

export const MESSAGING_PLUGIN_ID = 'messaging';
/** Every adapter plugin provides this capability (and `messaging:<channel>` for each channel it serves). */
export const CHANNEL_ADAPTER_CAPABILITY = 'messaging-channel';
/** The service name every adapter plugin registers. */
export const ADAPTER_SERVICE = 'channel';

/** The channels the core knows; each maps to the identity kind its contacts are reached by. */
export type ChannelKind = 'telegram' | 'whatsapp' | 'facebook' | 'instagram' | 'email' | 'sms';
export const CHANNEL_KINDS: readonly ChannelKind[] = ['telegram', 'whatsapp', 'facebook', 'instagram', 'email', 'sms'];

/**
 * How a contact is reached: Telegram user id, WhatsApp phone (E.164), Facebook/Instagram
 * page-scoped id, e-mail address, phone (E.164, SMS).
 */
export type IdentityKind = 'telegram' | 'whatsapp' | 'facebook' | 'instagram' | 'email' | 'phone';
export const IDENTITY_KINDS: readonly IdentityKind[] = ['telegram', 'whatsapp', 'facebook', 'instagram', 'email', 'phone'];
export const IDENTITY_OF_CHANNEL: Readonly<Record<ChannelKind, IdentityKind>> = {
  telegram: 'telegram', whatsapp: 'whatsapp', facebook: 'facebook', instagram: 'instagram', email: 'email', sms: 'phone',
};

/** Delivery states of an outgoing message, in the order a provider reports them. */
export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';
export const DELIVERY_RANK: Readonly<Record<DeliveryStatus, number>> = { sent: 1, delivered: 2, read: 3, failed: 4 };

// ---- limits --------------------------------------------------------------------------------

export interface ChannelLimits {
  /** Longest text one provider message may carry (characters as the provider counts them; longer texts are split). */
  textMaxLength: number;
  /** Longest caption of a media message (Telegram: 1024); the rest of the text goes in a following message. */
  captionMaxLength?: number;
  /** Inline buttons: how many, how long their labels; null = the channel has none (text fallback). */
  buttons: { max: number; textMaxLength: number; urls: boolean } | null;
  /** Media the channel accepts (`image/*` wildcards allowed), and how many files one provider message carries; null = none. */
  media: { mimeTypes: readonly string[]; maxBytes: number; perMessage: number } | null;
  /**
   * Sending pace. `perSecond`/`burst`: the account as a whole (Telegram ≈ 30/s per bot);
   * `perChatPerSecond`/`perChatBurst`: one chat (Telegram ≈ 1/s, short bursts tolerated).
   */
  rate: { perSecond: number; burst: number; perChatPerSecond?: number; perChatBurst?: number };
  /**
   * A customer-service window: free-form messages only within `hours` of the contact's last
   * message; outside it only a provider-approved template (WhatsApp Cloud 24 h). null = none.
   */
  window: { hours: number } | null;
  /** Whether the provider has approved templates of its own (WhatsApp `template` messages). */
  providerTemplates: boolean;
  /** Subject line and HTML body (e-mail). */
  rich?: { subject: boolean; html: boolean };
  /**
   * The provider de-duplicates sends by our message id (an idempotency key, our reference): a send
   * whose outcome was lost may safely be repeated. Without it such a message is left `unknown`.
   */
  dedupesByMessageId?: boolean;
}

// ---- inbound -------------------------------------------------------------------------------

export interface InboundSender {
  kind: IdentityKind;
  /** The identity's value: Telegram user id, E.164 phone, page-scoped id, lower-case e-mail. */
  id: string;
  /** The namespace of page-scoped ids (the Facebook page / Instagram account id); empty when global. */
  scope?: string;
  name?: string;
  username?: string;
  /** Language the provider reports for the person (Telegram `language_code`), BCP 47. */
  locale?: string;
}

export interface InboundAttachment {
  kind: 'image' | 'video' | 'audio' | 'voice' | 'document' | 'sticker' | 'location' | 'contact';
  name?: string;
  mimeType?: string;
  size?: number;
  /** What `fetchMedia` needs to download it later (a Telegram file_id, a media id); absent with `data`. */
  ref?: string;
  /** The bytes, base64, when the provider delivered them inline (e-mail); at most a few MB. */
  data?: string;
  /** A location or contact card as text ("43.238949,76.889709"). */
  text?: string;
}

interface InboundBase {
  /**
   * Unique per account and stable across redeliveries (Telegram update_id, a WhatsApp status's
   * id+status, an e-mail's Message-ID): the core stores each event once.
   */
  eventId: string;
  occurredAt?: string;
}

export interface InboundMessage extends InboundBase {
  type: 'message';
  /** Unique per account (Telegram message ids repeat across chats: the adapter prefixes the chat). */
  providerMessageId: string;
  from: InboundSender;
  /** Where replies go on this account (Telegram chat id, the phone, the PSID, the e-mail address). */
  chatId: string;
  text?: string;
  html?: string;
  subject?: string;
  attachments?: InboundAttachment[];
  /** The provider id of the message this one answers. */
  replyTo?: string;
  /** E-mail threading: Message-IDs from In-Reply-To and References, nearest first. */
  threadRefs?: string[];
  /** Telegram deep link `/start <payload>`. */
  startPayload?: string;
}

export interface InboundStatus extends InboundBase {
  type: 'status';
  providerMessageId: string;
  status: DeliveryStatus;
  error?: { code: string; message: string };
}

export interface InboundButton extends InboundBase {
  type: 'button';
  from: InboundSender;
  chatId: string;
  /** The button's id as we sent it (Telegram callback_data, a WhatsApp reply id). */
  buttonId: string;
  text?: string;
  /** The provider id of the message that carried the button. */
  providerMessageId?: string;
  /** Passed back to `acknowledge` once stored (Telegram callback query id). */
  ack?: Record<string, unknown>;
}

/** The person asked to hear nothing more (or to hear again): bot blocked/unblocked, provider-level STOP. */
export interface InboundConsent extends InboundBase {
  type: 'optout' | 'optin';
  from: InboundSender;
  chatId: string;
  reason: string;
}

/**
 * The account itself changed state at the provider (a WAHA session scanned, logged out, failed): the
 * core records it, so the Channels page shows it without anyone pressing "test connection".
 */
export interface InboundAccountState extends InboundBase {
  type: 'account';
  status: 'connected' | 'pending' | 'error';
  detail?: string;
}

export type InboundEvent = InboundMessage | InboundStatus | InboundButton | InboundConsent | InboundAccountState;

export interface InboundResult {
  events: InboundEvent[];
  /** A body the provider expects back (default JSON `{ ok: true }`). */
  response?: { status?: number; contentType: string; body: string };
}

export interface InboundRequest {
  method: string;
  /** The exact bytes received. */
  body: Buffer;
  contentType: string;
  /** Lower-cased request headers. */
  headers: Record<string, string>;
  query: Record<string, string>;
  /** The full public URL the provider called (Twilio signs it). */
  url: string;
}

export interface PollResult {
  events: InboundEvent[];
  /** Where the next poll starts; the core stores it in the same transaction as the events. */
  cursor: string | null;
}

// ---- outbound ------------------------------------------------------------------------------

export interface OutboundButton {
  /** Comes back as `InboundButton.buttonId`; at most 64 bytes (Telegram callback_data). */
  id: string;
  text: string;
  /** A link button instead of a reply button. */
  url?: string;
}

export interface OutboundMedia {
  name: string;
  mimeType: string;
  /** base64 */
  data: string;
  caption?: string;
}

/** One provider message. The core has already split long text, rendered templates, checked windows. */
export interface OutboundMessage {
  /** Our message id (stable across retries: providers with idempotency get it). */
  messageId: string;
  /** Index of this part when the core split a long message (0 for the first). */
  part: number;
  chatId: string;
  text?: string;
  html?: string;
  subject?: string;
  buttons?: OutboundButton[];
  /** Files of this part (at most `limits.media.perMessage`); the caption rides on the first. */
  media?: OutboundMedia[];
  /** A provider-approved template (WhatsApp): its name, language and ordered parameters. */
  providerTemplate?: { name: string; language: string; parameters: { type: 'text'; text: string }[] };
  /** The provider id of the message this answers. */
  replyTo?: string;
  /** E-mail: Message-IDs to put in In-Reply-To / References, nearest first. */
  threadRefs?: string[];
}

export interface SendResult {
  /** Unique per account; status updates refer to it. */
  providerMessageId: string;
  /** What the provider already knows (most answer `sent`). */
  status?: DeliveryStatus;
  /** E-mail: the Message-ID header we sent, so replies thread. */
  threadRef?: string;
}

// ---- accounts ------------------------------------------------------------------------------

export interface AdapterAccount<C, S> {
  id: string;
  channel: ChannelKind;
  config: C;
  secrets: S;
  /** This account's public webhook URL (built by the core), or null when the platform has no public URL. */
  webhookUrl: string | null;
}

export interface AdapterContext<C, S> {
  readonly tenantId: string;
  readonly account: AdapterAccount<C, S>;
  readonly logger: Logger;
  /**
   * HTTP to the provider: the adapter plugin's outbound fetch (base URLs the operator allows for it
   * only). Use it for every request, with the base URL from the account's config.
   */
  readonly fetch: typeof globalThis.fetch;
}

export interface ConnectResult<S> {
  /** `connected`: ready to send and receive; `pending`: waits for the user (scan a QR code). */
  status: 'connected' | 'pending';
  /** How messages come in: pushed to the webhook URL, pulled by `poll`, or not at all. */
  inbound: 'webhook' | 'polling' | 'none';
  /** Who the account is at the provider (bot username, phone number, page name). */
  identity?: { id?: string; name?: string; username?: string };
  /** Secrets to keep from now on (merged over the current ones), e.g. a webhook secret generated here. */
  secrets?: Partial<S>;
  /** Shown to the user (e.g. where to paste the webhook URL). */
  note?: string;
  /** A QR code to show (WAHA), as a data URL or the text to encode. */
  qr?: { value: string; kind: 'data-url' | 'text' };
}

export interface SessionState {
  status: 'connected' | 'pending' | 'failed' | 'stopped';
  qr?: { value: string; kind: 'data-url' | 'text' };
  detail?: string;
}

export interface ChannelAdapterDefinition<CS extends TSchema = TSchema, SS extends TSchema = TSchema> {
  /** `telegram` for plugin `messaging-telegram`. */
  key: string;
  displayName: string;
  /** The channels this adapter serves (Meta: facebook and instagram); an account picks one. */
  channels: readonly ChannelKind[];
  /** The account's plain settings (base URL, mode, phone number id …), TypeBox. */
  configSchema: CS;
  /** The account's secrets (tokens, passwords), TypeBox; kept sealed, never returned to the UI. */
  secretsSchema: SS;
  /** Limits, possibly depending on the account's config (WAHA has no 24-hour window, Cloud API has). */
  limits(config: Static<CS>, channel: ChannelKind): ChannelLimits;
  /** Whether the adapter can receive by `poll` (a machine without a public URL). */
  polling?: boolean;
  /**
   * Checks the credentials and prepares inbound delivery: register the webhook (with a secret
   * generated here and returned in `secrets`) or clear it for polling. Called when an account is
   * connected and by "test connection". The core receives the result with the account's `limits`
   * added (from `limits()`), and the secrets re-sealed.
   */
  connect(ctx: AdapterContext<Static<CS>, Static<SS>>): Promise<ConnectResult<Static<SS>>>;
  /** Undo `connect` at the provider (delete the webhook, stop the session). */
  disconnect?(ctx: AdapterContext<Static<CS>, Static<SS>>): Promise<void>;
  /** Verify the request (throw `InboundSignatureError`: 401, nothing stored) and normalise its events. */
  verifyWebhook?(ctx: AdapterContext<Static<CS>, Static<SS>>, req: InboundRequest): Promise<InboundResult> | InboundResult;
  /** A GET the provider sends to prove the URL (Meta's hub.challenge): answer or throw. */
  challenge?(ctx: AdapterContext<Static<CS>, Static<SS>>, query: Record<string, string>): { contentType: string; body: string };
  /** Pull new events after `cursor`, waiting up to `waitMs` for some (long polling, IMAP IDLE). */
  poll?(ctx: AdapterContext<Static<CS>, Static<SS>>, input: { cursor: string | null; waitMs: number }): Promise<PollResult>;
  /** Send one provider message. Throw the errors below; anything else counts as transient. */
  send(ctx: AdapterContext<Static<CS>, Static<SS>>, message: OutboundMessage): Promise<SendResult>;
  /** After an inbound event was stored (Telegram: answer the callback query so the button stops spinning). */
  acknowledge?(ctx: AdapterContext<Static<CS>, Static<SS>>, event: InboundEvent): Promise<void>;
  /** Download an inbound attachment by its `ref`. */
  fetchMedia?(ctx: AdapterContext<Static<CS>, Static<SS>>, ref: string): Promise<{ data: Buffer; mimeType: string; name?: string }>;
  /** Session-based providers (WAHA): its state and QR code. */
  session?(ctx: AdapterContext<Static<CS>, Static<SS>>): Promise<SessionState>;
  /** Maps provider errors to the errors below; the default treats unknown errors as transient. */
  mapError?(e: unknown): unknown;
}

// ---- errors --------------------------------------------------------------------------------

/** A webhook that does not prove it came from the provider: 401, nothing stored. */
export class InboundSignatureError extends AtriumError {
  readonly reason: string;
  constructor(reason: string, message = 'Webhook signature verification failed') {
    super(`${message} (${reason})`, 401, 'WEBHOOK_SIGNATURE_INVALID', { details: { reason } });
    this.name = 'InboundSignatureError';
    this.reason = reason;
  }
}

/** The provider asks us to slow down: retry after `retryAfterSeconds` (Telegram `retry_after`, HTTP Retry-After). */
export class ChannelRateLimitedError extends AtriumError {
  readonly retryAfterSeconds: number;
  constructor(retryAfterSeconds: number, message = 'The channel asks to slow down') {
    super(message, 429, 'CHANNEL_RATE_LIMITED', { details: { retryAfterSeconds } });
    this.name = 'ChannelRateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * The provider refused this message for good (blocked by the user, no such chat, bad template):
 * never retried. `reason` says why in the core's terms.
 */
export class ChannelRejectedError extends AtriumError {
  readonly reason: RejectReason;
  readonly providerCode: string | null;
  constructor(message: string, reason: RejectReason = 'rejected', providerCode: string | number | null = null) {
    super(message, 422, reason === 'window_closed' ? 'WINDOW_CLOSED' : 'CHANNEL_REJECTED', { details: { reason, providerCode: providerCode === null ? null : String(providerCode) } });
    this.name = 'ChannelRejectedError';
    this.reason = reason;
    this.providerCode = providerCode === null ? null : String(providerCode);
  }
}

export type RejectReason = 'rejected' | 'blocked' | 'invalid_recipient' | 'window_closed' | 'template' | 'too_large' | 'unsupported';

/** The account's credentials no longer work (revoked token): the core marks the account failed. */
export class ChannelAuthError extends AtriumError {
  constructor(message: string) {
    super(message, 422, 'CHANNEL_AUTH_FAILED');
    this.name = 'ChannelAuthError';
  }
}

/**
 * The provider could not be reached or failed (502). `outcome` says whether the message may have
 * gone out all the same: `not_sent` (the provider answered with an error, the connection was
 * refused) is retried; `unknown` (a timeout, a connection cut after the request was written) is
 * not — a resend could deliver it twice — unless the provider de-duplicates by our message id
 * (`ChannelLimits.dedupesByMessageId`). Errors the adapter does not map are `unknown`.
 */
export class ChannelUnavailableError extends AtriumError {
  readonly outcome: 'not_sent' | 'unknown';
  constructor(message: string, outcome: 'not_sent' | 'unknown' = 'unknown', details?: Record<string, unknown>) {
    super(message, 502, 'CHANNEL_UNAVAILABLE', { details: { outcome, ...(details ?? {}) } });
    this.name = 'ChannelUnavailableError';
    this.outcome = outcome;
  }
}

export type AdapterOperation = 'describe' | 'seal' | 'connect' | 'disconnect' | 'verifyWebhook' | 'challenge' | 'poll' | 'send' | 'acknowledge' | 'fetchMedia' | 'session';

/** `messaging-telegram.channel.send` for (`telegram`, `send`). */
export function adapterAction(key: string, op: AdapterOperation): string {
  return `${MESSAGING_PLUGIN_ID}-${key}.${ADAPTER_SERVICE}.${op}`;
}

/** What `describe` answers: everything the core and the admin need to know about an adapter. */
export interface AdapterDescription {
  key: string;
  pluginId: string;
  displayName: string;
  channels: readonly ChannelKind[];
  polling: boolean;
  webhooks: boolean;
  sessions: boolean;
  /** JSON Schemas (TypeBox) of the account form: plain fields and write-only secrets. */
  configSchema: unknown;
  secretsSchema: unknown;
}

/** An account as the core hands it to the adapter's actions. */
export interface SealedAccount {
  id: string;
  channel: ChannelKind;
  config: Record<string, unknown>;
  sealed: string | null;
  webhookUrl: string | null;
}

const Loose = Type.Object({}, { additionalProperties: true });

/** The kernel's allowlisted outbound fetch where the platform provides one (`ctx.fetch`), else the global one. */
function outboundFetch(ctx: ActionContext<any>): typeof globalThis.fetch {
  const own = (ctx as { fetch?: typeof globalThis.fetch }).fetch;
  return typeof own === 'function' ? own.bind(ctx) : globalThis.fetch;
}

/**
 * Builds the `channel` service of an adapter plugin: internal actions without REST routes and
 * without a database transaction, reachable only through the broker by plugins that allowlist
 * them (the messaging core).
 */
export function defineChannelAdapter<CS extends TSchema, SS extends TSchema>(def: ChannelAdapterDefinition<CS, SS>): ServiceDefinition {
  const pluginId = `${MESSAGING_PLUGIN_ID}-${def.key}`;
  const checkConfig: SchemaCheck = compileSchema(def.configSchema);
  const checkSecrets: SchemaCheck = compileSchema(def.secretsSchema);
  type C = Static<CS>;
  type S = Static<SS>;

  const accountOf = (ctx: ActionContext<any>): AdapterAccount<C, S> => {
    const a = (ctx.params as { account?: SealedAccount }).account;
    if (!a || typeof a.id !== 'string') throw new ValidationError('account is required', [{ field: 'account', code: 'required', message: 'is required' }]);
    const config = { ...(a.config ?? {}) } as C;
    const bad = checkConfig(config);
    if (bad.length) throw new ValidationError('The account settings are not valid', bad.map((f) => ({ ...f, field: `config.${f.field}` })));
    const secrets = (a.sealed ? ctx.secrets.open(a.sealed) : {}) as S;
    return { id: a.id, channel: a.channel, config, secrets, webhookUrl: a.webhookUrl ?? null };
  };
  const context = (ctx: ActionContext<any>): AdapterContext<C, S> => ({ tenantId: ctx.tenantId, account: accountOf(ctx), logger: ctx.logger, fetch: outboundFetch(ctx) });
  const mapError = (e: unknown): unknown => {
    if (e instanceof AtriumError) return e;
    const mapped = def.mapError?.(e);
    if (mapped instanceof AtriumError) return mapped;
    return new ChannelUnavailableError(`${def.displayName}: ${(e as Error)?.message ?? String(e)}`);
  };
  const guarded = <R>(fn: (ctx: ActionContext<any>) => Promise<R> | R) => async (ctx: ActionContext<any>) => {
    try {
      return await fn(ctx);
    } catch (e) {
      throw mapError(e);
    }
  };
  const unsupported = (op: string) => new ChannelRejectedError(`${def.displayName} does not support ${op}`, 'unsupported');
  // no transaction: every operation is a call to the provider or a computation
  const op = <R>(fn: (ctx: ActionContext<any>) => Promise<R> | R) => defineAction({ permission: 'internal', params: Loose, mutates: false, transaction: false, handler: guarded(fn) });

  const seal = (ctx: ActionContext<any>, secrets: Record<string, unknown>): string => ctx.secrets.seal(secrets);

  return defineService({
    name: ADAPTER_SERVICE,
    actions: {
      describe: op(async () => {
        const out: AdapterDescription = {
          key: def.key, pluginId, displayName: def.displayName, channels: def.channels,
          polling: !!def.poll && def.polling !== false, webhooks: !!def.verifyWebhook, sessions: !!def.session,
          configSchema: def.configSchema, secretsSchema: def.secretsSchema,
        };
        return out;
      }),
      /**
       * Validates config and secrets of an account being saved and seals the secrets: fields left
       * out (or empty) keep the previous value, `null` clears one.
       */
      seal: op(async (ctx) => {
        const p = ctx.params as { config?: Record<string, unknown>; secrets?: Record<string, unknown>; previous?: string | null };
        const config = p.config ?? {};
        const previous = p.previous ? ctx.secrets.open(p.previous) : {};
        const merged: Record<string, unknown> = { ...previous };
        for (const [k, v] of Object.entries(p.secrets ?? {})) {
          if (v === null) delete merged[k];
          else if (v !== undefined && v !== '') merged[k] = v;
        }
        const fields = [
          ...checkConfig(config).map((f) => ({ ...f, field: `config.${f.field}` })),
          ...checkSecrets(merged).map((f) => ({ ...f, field: `secrets.${f.field}` })),
        ];
        if (fields.length) throw new ValidationError('The account settings are not valid', fields);
        return { sealed: Object.keys(merged).length ? seal(ctx, merged) : null, secretsSet: Object.keys(merged) };
      }),
      connect: op(async (ctx) => {
        const actx = context(ctx);
        const r = await def.connect(actx);
        const { secrets, ...rest } = r;
        const sealed = secrets ? seal(ctx, { ...(actx.account.secrets as object), ...secrets }) : undefined;
        // the account's limits travel with the connection: the core paces, splits and checks windows by them
        return { ...rest, limits: def.limits(actx.account.config, actx.account.channel), ...(sealed ? { sealed } : {}) };
      }),
      disconnect: op(async (ctx) => {
        if (def.disconnect) await def.disconnect(context(ctx));
        return { ok: true };
      }),
      verifyWebhook: op(async (ctx) => {
        if (!def.verifyWebhook) throw unsupported('webhooks');
        const p = ctx.params as { body?: string; contentType?: string; headers?: Record<string, string>; query?: Record<string, string>; method?: string; url?: string };
        const req: InboundRequest = {
          method: String(p.method ?? 'POST'), body: Buffer.from(String(p.body ?? ''), 'base64'), contentType: String(p.contentType ?? ''),
          headers: p.headers ?? {}, query: p.query ?? {}, url: String(p.url ?? ''),
        };
        return def.verifyWebhook(context(ctx), req);
      }),
      challenge: op(async (ctx) => {
        if (!def.challenge) throw unsupported('webhook verification');
        return def.challenge(context(ctx), (ctx.params as { query?: Record<string, string> }).query ?? {});
      }),
      poll: op(async (ctx) => {
        if (!def.poll) throw unsupported('polling');
        const p = ctx.params as { cursor?: string | null; waitMs?: number };
        return def.poll(context(ctx), { cursor: p.cursor ?? null, waitMs: Math.max(0, Math.min(Number(p.waitMs ?? 0), 50_000)) });
      }),
      send: op(async (ctx) => def.send(context(ctx), (ctx.params as { message: OutboundMessage }).message)),
      acknowledge: op(async (ctx) => {
        if (def.acknowledge) await def.acknowledge(context(ctx), (ctx.params as { event: InboundEvent }).event);
        return { ok: true };
      }),
      fetchMedia: op(async (ctx) => {
        if (!def.fetchMedia) throw unsupported('media download');
        const r = await def.fetchMedia(context(ctx), String((ctx.params as { ref?: string }).ref ?? ''));
        return { data: r.data.toString('base64'), mimeType: r.mimeType, name: r.name };
      }),
      session: op(async (ctx) => {
        if (!def.session) throw unsupported('sessions');
        return def.session(context(ctx));
      }),
    },
  });
}

export { splitText, type SplitOptions } from './text-split.ts';
export * from './meta-graph.ts';
export { compileSchema, type SchemaCheck } from './schema-check.ts';
