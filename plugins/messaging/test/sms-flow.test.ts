// The messaging core with the SMS adapter against the fake Twilio and the fake generic gateway:
// connecting points the number's SMS URL at the account, signed inbound (X-Twilio-Signature over
// the public URL; the gateway's timestamped HMAC), status callbacks as ticks, STOP honoured on both
// sides, and a lost answer on the gateway (which de-duplicates by our reference) sent again once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '@atrium/sdk/testing';
import sms from '@atrium/plugin-messaging-sms';
import { FakeSmsGateway, FakeTwilio, type FakeTwilioAccount } from '@atrium/plugin-messaging-sms/testing';
import { bootMessaging, createAccount, messagesOf, setMessagingSettings, settled, until, type MessagingKernel } from './fixtures.ts';

let k: MessagingKernel;
let twilio: FakeTwilio;
let gw: FakeSmsGateway;
let a: TestClient;
let tw: FakeTwilioAccount;
let twAccount: any;
let gwAccount: any;

const conversationOfPhone = async (phone: string) => {
  const rows = await k.sql(`select c.id from messaging.conversation c join messaging.identity i on i.tenant_id = c.tenant_id and i.id = c.identity_id where i.kind = 'phone' and i.value = $1 and c.account_id = any($2::uuid[])`, [phone, [twAccount?.id, gwAccount?.id].filter(Boolean)]);
  return rows[0] ? (await a.get(`/api/messaging/conversations/${rows[0].id}`)).body : null;
};

beforeAll(async () => {
  twilio = await FakeTwilio.start();
  gw = await FakeSmsGateway.start();
  k = await bootMessaging({ tenants: ['A'], adapters: [sms], adapterIds: ['messaging-sms'], allow: { 'messaging-sms': [twilio.baseUrl, gw.baseUrl] } });
  a = await k.tk.as('owner@a.test');
  await setMessagingSettings(a, { publicBaseUrl: k.tk.url });
  tw = twilio.addAccount('+15005550006');
  twAccount = await createAccount(a, { adapter: 'sms', channel: 'sms', name: 'Twilio number', isDefault: true, config: { provider: 'twilio', accountSid: tw.sid, from: '+15005550006', apiBaseUrl: twilio.baseUrl }, secrets: { authToken: tw.authToken } });
  gwAccount = await createAccount(a, { adapter: 'sms', channel: 'sms', name: 'Local gateway', config: { provider: 'http', sendUrl: gw.sendUrl }, secrets: { apiKey: gw.apiKey, signingSecret: gw.signingSecret } });
  gw.inboundUrl = gwAccount.webhookUrl;
});
afterAll(async () => {
  await k?.stop();
  await twilio?.close();
  await gw?.close();
});

describe('Twilio', () => {
  it('connecting checks the credentials and points the number\'s SMS URL at this account', () => {
    expect(twAccount).toMatchObject({ status: 'connected', inbound: 'webhook', identity: { username: '+15005550006' } });
    expect(tw.numbers[0]!.smsUrl).toBe(twAccount.webhookUrl);
  });

  it('signed SMS are stored once (wrong or missing signature: 401); Twilio gets an empty TwiML answer', async () => {
    const bad = await twilio.userSends(tw, '+77011112233', 'forged', { signature: 'wrong' });
    const none = await twilio.userSends(tw, '+77011112233', 'forged', { signature: 'missing' });
    expect([bad.results[0]!.status, none.results[0]!.status]).toEqual([401, 401]);
    const ok = await twilio.userSends(tw, '+77011112233', 'Здравствуйте, есть запись на завтра?', { times: 3 });
    expect(ok.results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(ok.results[0]!.body).toContain('<Response></Response>');
    const conv = await until('conversation', () => conversationOfPhone('+77011112233'));
    expect((await messagesOf(a, conv.id)).map((m) => m.text)).toEqual(['Здравствуйте, есть запись на завтра?']);
  });

  it('a reply is sent with a status callback; the callbacks become ticks', async () => {
    const conv = await conversationOfPhone('+77011112233');
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Да, в 10:00. Ответьте STOP, чтобы отписаться.' });
    expect((await settled(a, conv.id, r.body.id, (m) => m.status !== 'sent')).status).toBe('delivered');
    expect(twilio.sent.at(-1)).toMatchObject({ to: '+77011112233', from: '+15005550006', callback: twAccount.webhookUrl });
  });

  it('STOP: the person is opted out (Twilio refuses them too), a send is refused before Twilio is asked', async () => {
    await twilio.userSends(tw, '+77011112233', 'STOP');
    const conv = await until('opted out', async () => {
      const c = await conversationOfPhone('+77011112233');
      return c?.identity.consent === 'opted_out' ? c : null;
    });
    const before = twilio.sent.length;
    const refused = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'promo' });
    expect(refused.body.error.code).toBe('OPTED_OUT');
    expect(twilio.sent.length).toBe(before);
  });
});

describe('the generic gateway', () => {
  it('stores signed inbound SMS; a stale, wrong or missing signature is 401', async () => {
    expect((await gw.userSends('+77012223344', 'x', { signature: 'stale' })).status).toBe(401);
    expect((await gw.userSends('+77012223344', 'x', { signature: 'wrong' })).status).toBe(401);
    expect((await gw.userSends('+77012223344', 'x', { signature: 'missing' })).status).toBe(401);
    expect((await gw.userSends('+77012223344', 'Салем!')).status).toBe(200);
    const conv = await until('conversation', () => conversationOfPhone('+77012223344'));
    expect(conv.account.name).toBe('Local gateway');
  });

  it('a send whose answer was lost is sent again with the same reference: the gateway keeps it one SMS', async () => {
    const conv = await conversationOfPhone('+77012223344');
    gw.dropAnswersNext(1);
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Ждём вас!' });
    expect((await settled(a, conv.id, r.body.id, (m) => m.status !== 'sent')).status).toBe('delivered');
    const copies = gw.sent.filter((s) => s.text === 'Ждём вас!');
    expect(copies).toHaveLength(1);
    expect(copies[0]!.reference).toBe(`${r.body.id}:0`);
    // it was asked twice, under the same reference
    expect(gw.received.filter((q) => q.path === '/send' && q.text.includes('Ждём вас!'))).toHaveLength(2);
  });
});
