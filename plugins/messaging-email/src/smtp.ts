// SMTP out with nodemailer: one pooled transport per account settings, our own Message-ID on every
// message (replies thread by it), In-Reply-To / References from the conversation, attachments.
import crypto from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { ChannelAuthError, ChannelRejectedError, ChannelUnavailableError, type OutboundMessage } from '@atrium/sdk/messaging';
import { checkMailHost } from './mail-hosts.ts';

export type SmtpSettings = { host: string; port: number; secure: boolean; user: string; password: string; from: string; fromName?: string; rejectUnauthorized: boolean };

const transports = new Map<string, Transporter>();

function transport(s: SmtpSettings): Transporter {
  checkMailHost('config.smtpHost', s.host, s.port);
  const key = crypto.createHash('sha256').update(JSON.stringify(s)).digest('hex');
  let t = transports.get(key);
  if (!t) {
    if (transports.size > 200) transports.clear();
    t = nodemailer.createTransport({
      host: s.host, port: s.port, secure: s.secure, auth: s.user ? { user: s.user, pass: s.password } : undefined,
      pool: true, maxConnections: 2, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000, tls: { rejectUnauthorized: s.rejectUnauthorized },
    });
    transports.set(key, t);
  }
  return t;
}

export async function checkSmtp(s: SmtpSettings): Promise<void> {
  await transport(s).verify();
}

/** Our Message-ID for one part of a message: stable, so a person's reply finds the conversation. */
export const ourMessageId = (m: Pick<OutboundMessage, 'messageId' | 'part'>, from: string) => `<${m.messageId}.${m.part}@${from.split('@')[1] ?? 'atrium.local'}>`;

export async function sendMail(s: SmtpSettings, m: OutboundMessage): Promise<{ messageId: string }> {
  const id = ourMessageId(m, s.from);
  const refs = m.threadRefs ?? [];
  const info = await transport(s).sendMail({
    from: s.fromName ? { name: s.fromName, address: s.from } : s.from,
    to: m.chatId,
    subject: m.subject ?? '',
    text: m.text ?? '',
    ...(m.html ? { html: m.html } : {}),
    messageId: id,
    ...(refs.length ? { inReplyTo: refs[0], references: [...refs].reverse() } : {}),
    attachments: (m.media ?? []).map((f) => ({ filename: f.name, contentType: f.mimeType, content: Buffer.from(f.data, 'base64') })),
  });
  return { messageId: info.messageId || id };
}

/** nodemailer's errors in the core's terms: 5xx refusals are final, 4xx and connection failures transient. */
export function mapSmtpError(e: any): unknown {
  const code: string | undefined = e?.code;
  const status: number | undefined = e?.responseCode;
  if (code === 'EAUTH') return new ChannelAuthError(`SMTP login failed: ${e.response ?? e.message}`);
  if (status && status >= 500) return new ChannelRejectedError(`SMTP: ${e.response ?? e.message}`, code === 'EENVELOPE' ? 'invalid_recipient' : 'rejected', status);
  if (status && status >= 400) return new ChannelUnavailableError(`SMTP: ${e.response ?? e.message}`, 'not_sent');
  if (code === 'ECONNECTION' || code === 'EDNS' || code === 'ETLS') return new ChannelUnavailableError(`SMTP: ${e.message}`, 'not_sent');
  if (code === 'ETIMEDOUT' || code === 'ESOCKET') return new ChannelUnavailableError(`SMTP: ${e.message}`, 'unknown');
  return undefined;
}
