// The messaging core with the e-mail adapter against a real Dovecot (IMAP, IDLE) and a real SMTP
// server (the SDK's capture): a mailbox connected by SMTP/IMAP settings polls through its worker,
// a customer's mail becomes a conversation, the reply goes out threaded (Re: subject, In-Reply-To,
// References), and the customer's answer to it — even from another address — joins the same thread.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import type { TestClient } from '@atrium/sdk/testing';
import email from '@atrium/plugin-messaging-email';
import { startDovecot, startSmtpServer, type Dovecot } from '@atrium/plugin-messaging-email/testing';
import { bootMessaging, createAccount, messagesOf, settled, until, type MessagingKernel } from './fixtures.ts';

let k: MessagingKernel;
let dovecot: Dovecot;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let a: TestClient;
let account: any;
const BOX = { user: 'hello@salon.test', password: 'mailbox-pass-1' };

async function deliver(lines: string[]): Promise<void> {
  const c = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: BOX.user, pass: BOX.password }, logger: false });
  await c.connect();
  await c.append('INBOX', `${lines.join('\r\n')}\r\n`);
  await c.logout();
}

const conversationOfAddress = async (address: string) => {
  const rows = await k.sql(`select c.id from messaging.conversation c join messaging.identity i on i.tenant_id = c.tenant_id and i.id = c.identity_id where i.value = $1`, [address]);
  return rows[0] ? (await a.get(`/api/messaging/conversations/${rows[0].id}`)).body : null;
};

beforeAll(async () => {
  dovecot = await startDovecot([BOX]);
  smtp = await startSmtpServer([BOX]);
  process.env.ATRIUM_EMAIL_ALLOWED_HOSTS = '127.0.0.1';
  k = await bootMessaging({ tenants: ['A'], adapters: [email], adapterIds: ['messaging-email'] });
  a = await k.tk.as('owner@a.test');
  account = await createAccount(a, {
    adapter: 'email', channel: 'email', name: 'Salon mailbox',
    config: { fromAddress: BOX.user, fromName: 'Салон Айгерим', username: BOX.user, smtpHost: '127.0.0.1', smtpPort: smtp.port, imapHost: dovecot.host, imapPort: dovecot.port, imapSecure: false },
    secrets: { password: BOX.password },
  });
});
afterAll(async () => {
  await k?.stop();
  await dovecot?.stop();
  await smtp?.stop();
  delete process.env.ATRIUM_EMAIL_ALLOWED_HOSTS;
});

describe('e-mail through a real IMAP and SMTP server', () => {
  it('connects (SMTP checked, IMAP logged in) and receives by polling', () => {
    expect(account).toMatchObject({ status: 'connected', inbound: 'polling', identity: { username: BOX.user } });
  });

  it('a mail host the operator did not allow leaves the account in error', async () => {
    const r = await a.post('/api/messaging/accounts', { adapter: 'email', channel: 'email', name: 'Elsewhere', config: { fromAddress: 'x@y.test', username: 'x', smtpHost: '10.1.2.3' }, secrets: { password: 'p' } });
    expect(r.body).toMatchObject({ status: 'error' });
    expect(r.body.lastError).toContain('MAIL_HOST_NOT_ALLOWED');
  });

  it('a customer\'s mail becomes a conversation; the reply is threaded; their answer joins it, even from another address', async () => {
    // the worker starts at the mailbox's end: wait until it has a cursor, then the customer writes
    await until('the poller\'s first cursor', async () => (await k.sql('select poll_cursor from messaging.account where id = $1', [account.id]))[0].poll_cursor);
    await deliver(['From: Дана Серикова <dana@customer.test>', 'To: hello@salon.test', 'Subject: Запись на маникюр', 'Message-ID: <first@customer.test>', 'Content-Type: text/plain; charset=utf-8', '', 'Здравствуйте! Можно в субботу?']);
    const conv = await until('the conversation', () => conversationOfAddress('dana@customer.test'));
    expect(conv).toMatchObject({ contact: { name: 'Дана Серикова' }, identity: { kind: 'email' } });
    const [m] = await messagesOf(a, conv.id);
    expect(m).toMatchObject({ direction: 'in', subject: 'Запись на маникюр', text: 'Здравствуйте! Можно в субботу?' });

    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Да, в субботу в 11:00.' });
    expect((await settled(a, conv.id, r.body.id)).status).toBe('sent');
    const sent = await simpleParser((await smtp.waitFor('dana@customer.test')).raw);
    expect(sent.subject).toBe('Re: Запись на маникюр');
    expect(sent.inReplyTo).toBe('<first@customer.test>');
    expect(sent.messageId).toBe(`<${r.body.id}.0@salon.test>`);
    expect(smtp.mails.find((x) => x.to.includes('dana@customer.test'))!.user).toBe(BOX.user);

    // her colleague answers our mail from another address: it joins this thread by References
    await deliver(['From: Asel <asel@customer.test>', 'To: hello@salon.test', 'Subject: Re: Запись на маникюр', 'Message-ID: <second@customer.test>', `In-Reply-To: ${sent.messageId}`, `References: <first@customer.test> ${sent.messageId}`, 'Content-Type: text/plain; charset=utf-8', '', 'Дана просила передать: придёт.']);
    await until('the answer in the same thread', async () => (await messagesOf(a, conv.id)).find((x) => x.text === 'Дана просила передать: придёт.'));
    expect(await conversationOfAddress('asel@customer.test')).toBeNull();
  });

  it('the same mail seen twice (a re-delivered copy) is one message', async () => {
    const conv = await conversationOfAddress('dana@customer.test');
    const before = (await messagesOf(a, conv.id)).length;
    const uidOf = async () => Number(String((await k.sql('select poll_cursor from messaging.account where id = $1', [account.id]))[0].poll_cursor).split(':')[1]);
    const lastUid = await uidOf();
    const copy = ['From: Дана Серикова <dana@customer.test>', 'To: hello@salon.test', 'Subject: Спасибо', 'Message-ID: <thanks@customer.test>', 'Content-Type: text/plain; charset=utf-8', '', 'Спасибо!'];
    await deliver(copy);
    await deliver(copy);
    await until('the thanks', async () => (await messagesOf(a, conv.id)).find((x) => x.text === 'Спасибо!'));
    // both copies were polled (the cursor moved past them)
    await until('both polled', async () => (await uidOf()) >= lastUid + 2);
    expect((await messagesOf(a, conv.id)).length).toBe(before + 1);
  });
});
