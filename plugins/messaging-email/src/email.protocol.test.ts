// SMTP out and IMAP in against real servers: the SDK's SMTP capture and a private Dovecot (IDLE).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { ChannelAuthError, ChannelRejectedError, ChannelUnavailableError } from '@atrium/sdk/messaging';
import { checkMailHost } from './mail-hosts.ts';
import { closeImap, pollImap, imapAttachment, type ImapSettings } from './imap.ts';
import { mapSmtpError, sendMail, type SmtpSettings } from './smtp.ts';
import { startDovecot, startSmtpServer, type Dovecot } from './testing/index.ts';

let dovecot: Dovecot;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let imap: ImapSettings;
const USER = { user: 'shop@salon.test', password: 'mail-pass-123' };

/** A message arriving in the mailbox, as the mail server's delivery puts it there (IMAP APPEND). */
async function deliver(raw: string): Promise<void> {
  const c = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: USER.user, pass: USER.password }, logger: false });
  await c.connect();
  await c.append('INBOX', raw.replace(/\n/g, '\r\n'));
  await c.logout();
}

const mail = (o: { id: string; from?: string; subject?: string; body?: string; inReplyTo?: string; references?: string; attachment?: boolean }) => [
  `From: ${o.from ?? 'Дана <dana@customer.test>'}`,
  'To: shop@salon.test',
  `Subject: ${o.subject ?? 'Запись'}`,
  `Message-ID: ${o.id}`,
  ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`] : []),
  ...(o.references ? [`References: ${o.references}`] : []),
  'MIME-Version: 1.0',
  ...(o.attachment
    ? ['Content-Type: multipart/mixed; boundary="b1"', '', '--b1', 'Content-Type: text/plain; charset=utf-8', '', o.body ?? 'Здравствуйте', '--b1', 'Content-Type: application/pdf; name="invoice.pdf"', 'Content-Disposition: attachment; filename="invoice.pdf"', 'Content-Transfer-Encoding: base64', '', Buffer.from('%PDF-1.4 test').toString('base64'), '--b1--']
    : ['Content-Type: text/plain; charset=utf-8', '', o.body ?? 'Здравствуйте']),
  '',
].join('\n');

beforeAll(async () => {
  dovecot = await startDovecot([USER]);
  smtp = await startSmtpServer([USER]);
  process.env.ATRIUM_EMAIL_ALLOWED_HOSTS = '127.0.0.1';
  imap = { host: dovecot.host, port: dovecot.port, secure: false, user: USER.user, password: USER.password, mailbox: 'INBOX', rejectUnauthorized: true };
});
afterAll(async () => {
  await closeImap('acc-1');
  await dovecot?.stop();
  await smtp?.stop();
  delete process.env.ATRIUM_EMAIL_ALLOWED_HOSTS;
});

describe('IMAP in (a real Dovecot)', () => {
  it('starts at the mailbox\'s end, then takes each new message once, parsed, with its thread references', async () => {
    await deliver(mail({ id: '<old@customer.test>', body: 'before the account was connected' }));
    const first = await pollImap('acc-1', imap, null, 0);
    expect(first.events).toEqual([]);
    await deliver(mail({ id: '<m1@customer.test>', subject: 'Re: Запись на завтра', body: 'Да, подходит', inReplyTo: '<ours.0@salon.test>', references: '<root@salon.test> <ours.0@salon.test>', attachment: true }));
    const r = await pollImap('acc-1', imap, first.cursor, 0);
    expect(r.events).toHaveLength(1);
    expect(r.events[0]).toMatchObject({
      type: 'message', eventId: '<m1@customer.test>', providerMessageId: '<m1@customer.test>', chatId: 'dana@customer.test',
      from: { kind: 'email', id: 'dana@customer.test', name: 'Дана' }, subject: 'Re: Запись на завтра', text: 'Да, подходит',
      threadRefs: ['<ours.0@salon.test>', '<root@salon.test>'], attachments: [{ name: 'invoice.pdf', mimeType: 'application/pdf' }],
    });
    const att = await imapAttachment('acc-1', imap, (r.events[0] as any).attachments[0].ref);
    expect(att!.data.toString()).toBe('%PDF-1.4 test');
    const again = await pollImap('acc-1', imap, r.cursor, 0);
    expect(again.events).toEqual([]);
    expect(again.cursor).toBe(r.cursor);
  });

  it('IDLE: a poll waiting for news returns when a message arrives (not at the end of its wait)', async () => {
    const start = await pollImap('acc-1', imap, null, 0);
    const waiting = pollImap('acc-1', imap, start.cursor, 600_000);
    await new Promise((r) => setTimeout(r, 500));
    await deliver(mail({ id: '<idle@customer.test>', body: 'пришло во время IDLE' }));
    const r = await waiting;
    expect(r.events.map((e: any) => e.text)).toEqual(['пришло во время IDLE']);
  }, 30_000);

  it('a wrong password is refused by the server', async () => {
    await expect(pollImap('acc-2', { ...imap, password: 'nope' }, null, 0)).rejects.toThrow();
    await closeImap('acc-2');
  });
});

describe('SMTP out', () => {
  const s = (): SmtpSettings => ({ host: '127.0.0.1', port: smtp.port, secure: false, user: USER.user, password: USER.password, from: 'shop@salon.test', fromName: 'Салон', rejectUnauthorized: true });

  it('sends with our Message-ID, In-Reply-To and References so the customer\'s client threads it', async () => {
    const r = await sendMail(s(), { messageId: 'msg-1', part: 0, chatId: 'dana@customer.test', subject: 'Re: Запись на завтра', text: 'Ждём вас в 10:00', threadRefs: ['<m1@customer.test>', '<root@salon.test>'], media: [{ name: 'map.png', mimeType: 'image/png', data: Buffer.from('png').toString('base64') }] });
    expect(r.messageId).toBe('<msg-1.0@salon.test>');
    const got = await smtp.waitFor('dana@customer.test');
    expect(got.user).toBe(USER.user);
    const p = await simpleParser(got.raw);
    expect(p.messageId).toBe('<msg-1.0@salon.test>');
    expect(p.inReplyTo).toBe('<m1@customer.test>');
    expect(p.references).toEqual(['<root@salon.test>', '<m1@customer.test>']);
    expect(p.subject).toBe('Re: Запись на завтра');
    expect(p.text?.trim()).toBe('Ждём вас в 10:00');
    expect(p.attachments.map((a) => a.filename)).toEqual(['map.png']);
    expect((p.from as any).value[0]).toMatchObject({ address: 'shop@salon.test', name: 'Салон' });
  });

  it('a wrong SMTP password is refused (535) and becomes an auth failure', async () => {
    const e = await sendMail({ ...s(), password: 'wrong' }, { messageId: 'msg-2', part: 0, chatId: 'x@y.test', text: 'x' }).catch((x) => x);
    expect(mapSmtpError(e)).toBeInstanceOf(ChannelAuthError);
  });

  it('maps SMTP failures: 5xx final, 4xx and refused connections transient, a timeout unknown, auth', () => {
    expect(mapSmtpError({ code: 'EENVELOPE', responseCode: 550, response: '550 No such user' })).toMatchObject({ reason: 'invalid_recipient' });
    expect(mapSmtpError({ code: 'EMESSAGE', responseCode: 552, response: '552 Too big' })).toBeInstanceOf(ChannelRejectedError);
    expect((mapSmtpError({ code: 'EENVELOPE', responseCode: 451 }) as ChannelUnavailableError).outcome).toBe('not_sent');
    expect((mapSmtpError({ code: 'ECONNECTION', message: 'refused' }) as ChannelUnavailableError).outcome).toBe('not_sent');
    expect((mapSmtpError({ code: 'ETIMEDOUT', message: 'timeout' }) as ChannelUnavailableError).outcome).toBe('unknown');
    expect(mapSmtpError({ code: 'EAUTH', response: '535 bad' })).toBeInstanceOf(ChannelAuthError);
  });

  it('only mail servers the operator allows (SMTP and IMAP are outside the HTTP allowlist)', () => {
    expect(() => checkMailHost('config.smtpHost', '10.0.0.5', 25)).toThrow(/not a mail server this platform allows/);
    process.env.ATRIUM_EMAIL_ALLOWED_HOSTS = '*.corp.test, mail.other.test:465';
    try {
      expect(() => checkMailHost('config.smtpHost', 'smtp.corp.test', 587)).not.toThrow();
      expect(() => checkMailHost('config.smtpHost', 'mail.other.test', 465)).not.toThrow();
      expect(() => checkMailHost('config.smtpHost', 'mail.other.test', 25)).toThrow();
    } finally {
      process.env.ATRIUM_EMAIL_ALLOWED_HOSTS = '127.0.0.1';
    }
  });
});
