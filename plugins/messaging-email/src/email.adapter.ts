// The e-mail channel adapter: an account is a mailbox — SMTP to send, IMAP (optional) to receive.
import { Type } from '@atrium/sdk';
import { defineChannelAdapter, type AdapterContext, type ChannelLimits } from '@atrium/sdk/messaging';
import { checkImap, closeImap, imapAttachment, pollImap, type ImapSettings } from './imap.ts';
import { checkSmtp, mapSmtpError, sendMail, type SmtpSettings } from './smtp.ts';

const Host = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.-]+$' });
const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const EmailConfig = Type.Object({
  fromAddress: Type.String({ format: 'email', maxLength: 254 }),
  fromName: Type.Optional(Type.String({ maxLength: 120 })),
  /** The login for SMTP and IMAP (most providers: the address itself). */
  username: Type.String({ minLength: 1, maxLength: 254 }),
  smtpHost: Host,
  smtpPort: Type.Optional(Port),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it (587). */
  smtpSecure: Type.Optional(Type.Boolean()),
  /** Without an IMAP server the account only sends. */
  imapHost: Type.Optional(Host),
  imapPort: Type.Optional(Port),
  imapSecure: Type.Optional(Type.Boolean()),
  mailbox: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  /** Accept a self-signed certificate (a company's own server). */
  allowSelfSigned: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export const EmailSecrets = Type.Object({ password: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false });

type Config = { fromAddress: string; fromName?: string; username: string; smtpHost: string; smtpPort?: number; smtpSecure?: boolean; imapHost?: string; imapPort?: number; imapSecure?: boolean; mailbox?: string; allowSelfSigned?: boolean };
type Secrets = { password: string };
type Ctx = AdapterContext<Config, Secrets>;

/** One message per send (no splitting), subject and HTML, up to 10 files of 20 MB, no buttons (they go as lines). */
export const EMAIL_LIMITS: ChannelLimits = {
  textMaxLength: 100_000,
  buttons: null,
  media: { mimeTypes: ['image/*', 'application/*', 'text/*', 'audio/*', 'video/*'], maxBytes: 20 * 1024 * 1024, perMessage: 10 },
  rate: { perSecond: 5, burst: 10 },
  window: null,
  providerTemplates: false,
  rich: { subject: true, html: true },
};

const smtpOf = (ctx: Ctx): SmtpSettings => {
  const c = ctx.account.config;
  return { host: c.smtpHost, port: c.smtpPort ?? (c.smtpSecure ? 465 : 587), secure: c.smtpSecure ?? false, user: c.username, password: ctx.account.secrets.password, from: c.fromAddress, fromName: c.fromName, rejectUnauthorized: !c.allowSelfSigned };
};
const imapOf = (ctx: Ctx): ImapSettings | null => {
  const c = ctx.account.config;
  if (!c.imapHost) return null;
  return { host: c.imapHost, port: c.imapPort ?? (c.imapSecure === false ? 143 : 993), secure: c.imapSecure ?? true, user: c.username, password: ctx.account.secrets.password, mailbox: c.mailbox ?? 'INBOX', rejectUnauthorized: !c.allowSelfSigned };
};

export const emailAdapter = defineChannelAdapter({
  key: 'email',
  displayName: 'E-mail',
  channels: ['email'],
  configSchema: EmailConfig,
  secretsSchema: EmailSecrets,
  limits: () => EMAIL_LIMITS,
  polling: true,
  mapError: mapSmtpError,

  async connect(ctx) {
    await checkSmtp(smtpOf(ctx));
    const imap = imapOf(ctx);
    if (imap) await checkImap(ctx.account.id, imap);
    return { status: 'connected', inbound: imap ? 'polling' : 'none', identity: { name: ctx.account.config.fromName ?? ctx.account.config.fromAddress, username: ctx.account.config.fromAddress } };
  },

  async disconnect(ctx) {
    await closeImap(ctx.account.id);
  },

  async poll(ctx, input) {
    const imap = imapOf(ctx);
    if (!imap) return { events: [], cursor: input.cursor };
    try {
      return await pollImap(ctx.account.id, imap, input.cursor, input.waitMs);
    } catch (e) {
      // a broken connection is opened again on the next poll
      await closeImap(ctx.account.id);
      throw e;
    }
  },

  async send(ctx, m) {
    const r = await sendMail(smtpOf(ctx), m);
    return { providerMessageId: r.messageId, threadRef: r.messageId };
  },

  async fetchMedia(ctx, ref) {
    const imap = imapOf(ctx);
    const a = imap ? await imapAttachment(ctx.account.id, imap, ref) : null;
    if (!a) throw new Error('The message is no longer in the mailbox');
    return a;
  },
});
