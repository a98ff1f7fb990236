// The messaging core with the WhatsApp adapter against the fake Cloud API and the fake WAHA, over
// real HTTP: the 24-hour window (422 WINDOW_CLOSED for free text, approved templates still go),
// signed webhooks (X-Hub-Signature-256; WAHA's X-Webhook-Hmac), the verification handshake,
// delivery statuses up to "read", a failure Meta reports afterwards, reply buttons, and WAHA's QR flow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '@atrium/sdk/testing';
import whatsapp from '@atrium/plugin-messaging-whatsapp';
import { FakeWaha, FakeWhatsAppCloud, type CloudNumber } from '@atrium/plugin-messaging-whatsapp/testing';
import { bootMessaging, conversationOf, createAccount, messagesOf, setMessagingSettings, settled, until, type MessagingKernel } from './fixtures.ts';

let k: MessagingKernel;
let cloud: FakeWhatsAppCloud;
let waha: FakeWaha;
let a: TestClient;
let number: CloudNumber;
let account: any;
const VERIFY = 'verify-me-please-123';

beforeAll(async () => {
  cloud = await FakeWhatsAppCloud.start();
  waha = await FakeWaha.start();
  k = await bootMessaging({ tenants: ['A'], adapters: [whatsapp], adapterIds: ['messaging-whatsapp'], allow: { 'messaging-whatsapp': [cloud.baseUrl, waha.baseUrl] } });
  a = await k.tk.as('owner@a.test');
  await setMessagingSettings(a, { publicBaseUrl: k.tk.url });
  number = cloud.addNumber({ name: 'Salon Aigerim' });
  cloud.approveTemplate({ name: 'appointment_reminder', language: 'ru', params: 2 });
  account = await createAccount(a, {
    adapter: 'whatsapp', channel: 'whatsapp', name: 'Salon WhatsApp',
    config: { provider: 'cloud', phoneNumberId: number.id, verifyToken: VERIFY, apiBaseUrl: cloud.baseUrl },
    secrets: { accessToken: number.token, appSecret: number.appSecret },
  });
});
afterAll(async () => {
  await k?.stop();
  await cloud?.close();
  await waha?.close();
});

const inbound = async () => Number((await k.sql(`select count(*) as n from messaging.message where tenant_id = $1 and direction = 'in'`, [a.tenantId]))[0].n);

describe('WhatsApp Cloud API', () => {
  it('connects (the number\'s name from Meta) and passes Meta\'s GET handshake only with its verify token', async () => {
    expect(account).toMatchObject({ status: 'connected', inbound: 'webhook', identity: { name: 'Salon Aigerim' } });
    expect(await cloud.subscribe(number, account.webhookUrl, 'wrong-token')).toBe(false);
    expect(await cloud.subscribe(number, account.webhookUrl, VERIFY)).toBe(true);
  });

  it('a bad or missing X-Hub-Signature-256 is 401 and stores nothing; duplicates store once', async () => {
    const before = await inbound();
    const wrong = await cloud.userSends(number, '77011112233', { text: 'forged' }, { signature: 'wrong' });
    const missing = await cloud.userSends(number, '77011112233', { text: 'forged' }, { signature: 'missing' });
    expect([wrong.results[0]!.status, missing.results[0]!.status]).toEqual([401, 401]);
    expect(await inbound()).toBe(before);
    const dup = await cloud.userSends(number, '77011112233', { text: 'Здравствуйте', name: 'Асель' }, { times: 5, concurrent: true });
    expect(dup.results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await inbound()).toBe(before + 1);
    const conv = await conversationOf(a, '+7701111');
    expect(conv).toMatchObject({ contact: { name: 'Асель' }, identity: { kind: 'whatsapp', value: '+77011112233' } });
    expect(new Date(conv.windowClosesAt).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
  });

  it('within the window a reply goes out and its ticks follow Meta\'s statuses: sent → delivered → read', async () => {
    const conv = await conversationOf(a, '+77011112233');
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Добрый день! Чем помочь?' });
    expect(r.status).toBe(201);
    const delivered = await until('delivered', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'delivered'));
    expect(delivered.deliveredAt).toBeTruthy();
    const wamid = cloud.sent.find((s) => s.body.text?.body === 'Добрый день! Чем помочь?')!.id;
    await cloud.read(wamid);
    await until('read', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'read'));
    const events = await k.sql(`select payload->>'status' as status from kernel.outbox where tenant_id = $1 and name = 'messaging.message.delivered.v1' and payload->>'messageId' = $2 order by created_at`, [a.tenantId, r.body.id]);
    expect(events.map((e) => e.status)).toEqual(['delivered', 'read']);
  });

  it('the 24-hour window: free text is refused with 422 WINDOW_CLOSED; an approved template still goes', async () => {
    const conv = await conversationOf(a, '+77011112233');
    await k.sql(`update messaging.conversation set last_inbound_at = now() - interval '25 hours' where id = $1`, [conv.id]);
    cloud.setLastInbound(number, '77011112233', 25);
    const refused = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Напоминаем о записи' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('WINDOW_CLOSED');
    expect(refused.body.error.details).toMatchObject({ windowHours: 24 });
    const sentBefore = cloud.sent.length;
    // a template with a WhatsApp-approved variant is allowed; its variables go as the template's parameters
    const t = await a.post('/api/messaging/templates', {
      name: 'appointment_reminder', variables: [{ name: 'name', type: 'text' }, { name: 'at', type: 'datetime' }],
      variants: [{ channel: 'whatsapp', locale: 'ru', body: '{{name}}, напоминаем: запись {{at}}', providerTemplate: { name: 'appointment_reminder', language: 'ru' } }, { channel: '*', locale: 'ru', body: '{{name}}, напоминаем: запись {{at}}' }],
    });
    expect(t.status, JSON.stringify(t.body)).toBe(201);
    const ok = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { template: { name: 'appointment_reminder', variables: { name: 'Асель', at: '2025-03-01T05:00:00Z' }, locale: 'ru' } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect((await settled(a, conv.id, ok.body.id, (m) => m.status !== 'sent')).status).toBe('delivered');
    const sent = cloud.sent.slice(sentBefore);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ type: 'template', template: { name: 'appointment_reminder', language: { code: 'ru' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Асель' }, { type: 'text' }] }] } });
  });

  it('a failure Meta reports afterwards (re-engagement, 131047) marks the message failed with its error', async () => {
    // our record says the window is open, Meta's says it is not (a customer who wrote on another number)
    const { wamid } = await cloud.userSends(number, '77012223344', { text: 'hi' });
    void wamid;
    const conv = await until('conversation', () => conversationOf(a, '+77012223344'));
    cloud.setLastInbound(number, '77012223344', 30);
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'late answer' });
    const failed = await settled(a, conv.id, r.body.id, (m) => m.status !== 'sent');
    expect(failed.status).toBe('failed');
    expect(failed.error.code).toBe('131047');
    const [ev] = await k.sql(`select payload from kernel.outbox where tenant_id = $1 and name = 'messaging.message.failed.v1' and payload->>'messageId' = $2`, [a.tenantId, r.body.id]);
    expect(ev.payload.code).toBe('131047');
  });

  it('reply buttons go as an interactive message (3 at most, 20 characters); a press comes back as a button event', async () => {
    const conv = await conversationOf(a, '+77011112233');
    await k.sql(`update messaging.conversation set last_inbound_at = now() where id = $1`, [conv.id]);
    cloud.setLastInbound(number, '77011112233', 0);
    const tooMany = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Выберите', buttons: [1, 2, 3, 4].map((i) => ({ id: `b${i}`, text: `B${i}` })) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.fields[0].field).toBe('buttons');
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Подтвердите запись', buttons: [{ id: 'yes:7', text: 'Да' }, { id: 'no:7', text: 'Нет' }] });
    expect(r.status).toBe(201);
    await until('sent', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status !== 'queued' && m.status !== 'sending'));
    const s = cloud.sent.find((x) => x.body.interactive?.body?.text === 'Подтвердите запись')!;
    expect(s.body.interactive.action.buttons.map((b: any) => b.reply.id)).toEqual(['yes:7', 'no:7']);
    await cloud.userSends(number, '77011112233', { button: { id: 'yes:7', title: 'Да' }, replyTo: s.id });
    const press = await until('the press', async () => (await messagesOf(a, conv.id)).find((m) => m.kind === 'button' && m.buttonId === 'yes:7'));
    expect(press.replyToId).toBe(r.body.id);
  });
});

describe('WAHA (WhatsApp Web)', () => {
  let wahaAccount: any;

  it('connecting starts the session with a signed webhook and shows the QR code; scanning connects the account', async () => {
    wahaAccount = await createAccount(a, {
      adapter: 'whatsapp', channel: 'whatsapp', name: 'Salon phone', config: { provider: 'waha', apiBaseUrl: waha.baseUrl, session: 'salon' }, secrets: { apiKey: 'waha-test-key' },
    });
    expect(wahaAccount).toMatchObject({ status: 'pending', inbound: 'webhook' });
    expect(wahaAccount.qr.value).toMatch(/^data:image\/png;base64,/);
    const s = waha.sessions.get('salon')!;
    expect(s.webhooks[0]).toMatchObject({ url: wahaAccount.webhookUrl, events: ['message', 'message.ack', 'session.status'] });
    expect(s.webhooks[0]!.hmac!.key.length).toBeGreaterThanOrEqual(32);
    const session = await a.get(`/api/messaging/accounts/${wahaAccount.id}/session`);
    expect(session.body).toMatchObject({ status: 'pending', qr: { kind: 'data-url' } });
    await waha.scan('salon');
    await until('connected', async () => (await a.get(`/api/messaging/accounts/${wahaAccount.id}`)).body.status === 'connected');
  });

  it('receives signed messages only (wrong or missing HMAC → 401), once; replies go through sendText with acks as ticks', async () => {
    const before = await inbound();
    const wrong = await waha.userSends('salon', '77013334455', 'forged', { signature: 'wrong' });
    const missing = await waha.userSends('salon', '77013334455', 'forged', { signature: 'missing' });
    expect([wrong.results[0]!.status, missing.results[0]!.status]).toEqual([401, 401]);
    const ok = await waha.userSends('salon', '77013334455', 'Салем! Есть окошко на пятницу?', { pushName: 'Жанар', times: 3, concurrent: true });
    expect(ok.results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await inbound()).toBe(before + 1);
    const conv = await until('conversation', () => conversationOf(a, '+77013334455'));
    expect(conv).toMatchObject({ account: { name: 'Salon phone' }, windowClosesAt: null });
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Есть, в 15:00', buttons: [{ id: 'ok', text: 'Записаться' }] });
    expect(r.status).toBe(201);
    await until('delivered', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'delivered'));
    const sent = waha.sent.find((x) => x.body.text?.startsWith('Есть, в 15:00'))!;
    // WhatsApp Web has no buttons: they go as numbered lines
    expect(sent.body).toMatchObject({ session: 'salon', chatId: '77013334455@c.us' });
    expect(sent.body.text).toContain('1. Записаться');
    await waha.read(sent.id);
    await until('read', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'read'));
  });

  it('a failed session shows on the account', async () => {
    await waha.fail('salon');
    await until('error', async () => (await a.get(`/api/messaging/accounts/${wahaAccount.id}`)).body.status === 'error');
  });
});
