// The messaging core with the Meta adapter (Messenger and Instagram Direct) against the fake Graph
// API: the handshake, X-Hub-Signature-256, page-scoped identities, quick replies and postbacks,
// delivery (and Instagram's read) events, and the 24-hour window on both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '@atrium/sdk/testing';
import meta from '@atrium/plugin-messaging-meta';
import { FakeMeta, type FakePage } from '@atrium/plugin-messaging-meta/testing';
import { bootMessaging, createAccount, messagesOf, setMessagingSettings, settled, until, type MessagingKernel } from './fixtures.ts';

let k: MessagingKernel;
let fb: FakeMeta;
let a: TestClient;
let page: FakePage;
let insta: FakePage;
let pageAccount: any;
let igAccount: any;

const conversationOfIdentity = async (value: string) => {
  const rows = await k.sql('select c.id from messaging.conversation c join messaging.identity i on i.tenant_id = c.tenant_id and i.id = c.identity_id where i.value = $1', [value]);
  return rows[0] ? (await a.get(`/api/messaging/conversations/${rows[0].id}`)).body : null;
};

beforeAll(async () => {
  fb = await FakeMeta.start();
  k = await bootMessaging({ tenants: ['A'], adapters: [meta], adapterIds: ['messaging-meta'], allow: { 'messaging-meta': [fb.baseUrl] } });
  a = await k.tk.as('owner@a.test');
  await setMessagingSettings(a, { publicBaseUrl: k.tk.url });
  page = fb.addPage({ name: 'Salon Aigerim' });
  insta = fb.addPage({ name: 'salon.aigerim', channel: 'instagram' });
  pageAccount = await createAccount(a, { adapter: 'meta', channel: 'facebook', name: 'Salon page', config: { pageId: page.id, verifyToken: 'page-verify-123', apiBaseUrl: fb.baseUrl }, secrets: { pageAccessToken: page.token, appSecret: page.appSecret } });
  igAccount = await createAccount(a, { adapter: 'meta', channel: 'instagram', name: 'Salon Instagram', config: { pageId: insta.id, verifyToken: 'ig-verify-1234', apiBaseUrl: fb.baseUrl }, secrets: { pageAccessToken: insta.token, appSecret: insta.appSecret } });
  expect(await fb.subscribe(page, pageAccount.webhookUrl, 'page-verify-123')).toBe(true);
  expect(await fb.subscribe(insta, igAccount.webhookUrl, 'ig-verify-1234')).toBe(true);
});
afterAll(async () => {
  await k?.stop();
  await fb?.close();
});

describe('Messenger', () => {
  it('connects with the page token; a wrong verify token fails the handshake', async () => {
    expect(pageAccount).toMatchObject({ status: 'connected', identity: { name: 'Salon Aigerim' }, note: 'meta-dashboard' });
    expect(await fb.subscribe(page, pageAccount.webhookUrl, 'not-it-at-all')).toBe(false);
    page.webhook = pageAccount.webhookUrl;
  });

  it('stores signed messages once, page-scoped; refuses unsigned ones; a reply with quick replies is delivered', async () => {
    const bad = await fb.userSends(page, { text: 'forged' }, { signature: 'wrong' });
    expect(bad.results[0]!.status).toBe(401);
    expect(await conversationOfIdentity(bad.psid)).toBeNull();
    const ok = await fb.userSends(page, { text: 'Здравствуйте, можно записаться?' }, { times: 3, concurrent: true });
    expect(ok.results.map((r) => r.status)).toEqual([200, 200, 200]);
    const conv = await until('conversation', () => conversationOfIdentity(ok.psid));
    expect(conv.identity).toMatchObject({ kind: 'facebook', value: ok.psid });
    const [identity] = await k.sql('select scope from messaging.identity where value = $1', [ok.psid]);
    expect(identity.scope).toBe(page.id);
    expect((await messagesOf(a, conv.id)).filter((m) => m.direction === 'in')).toHaveLength(1);
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Когда удобно?', buttons: [{ id: 'slot:10', text: '10:00' }, { id: 'slot:12', text: '12:00' }] });
    expect(r.status).toBe(201);
    expect((await settled(a, conv.id, r.body.id, (m) => m.status !== 'sent')).status).toBe('delivered');
    const sent = fb.sent.find((s) => s.body.message?.text === 'Когда удобно?')!;
    expect(sent.body.message.quick_replies.map((q: any) => q.payload)).toEqual(['slot:10', 'slot:12']);
    // the echo Meta sends of our own message is not stored as theirs
    expect((await messagesOf(a, conv.id)).filter((m) => m.direction === 'in')).toHaveLength(1);
    await fb.userSends(page, { psid: ok.psid, text: '10:00', quickReply: 'slot:10' });
    await until('the answer', async () => (await messagesOf(a, conv.id)).find((m) => m.kind === 'button' && m.buttonId === 'slot:10'));
  });

  it('outside the 24-hour window: 422 WINDOW_CLOSED before sending; Meta\'s own refusal (2018278) fails the message', async () => {
    const ok = await fb.userSends(page, { text: 'hi' });
    const conv = await until('conversation', () => conversationOfIdentity(ok.psid));
    await k.sql(`update messaging.conversation set last_inbound_at = now() - interval '2 days' where id = $1`, [conv.id]);
    const refused = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'promo' });
    expect(refused.body.error?.code).toBe('WINDOW_CLOSED');
    await k.sql(`update messaging.conversation set last_inbound_at = now() where id = $1`, [conv.id]);
    fb.setLastInbound(page, ok.psid, 30);
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'late' });
    const failed = await settled(a, conv.id, r.body.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'WINDOW_CLOSED', reason: 'window_closed' } });
  });
});

describe('Instagram Direct', () => {
  it('receives, replies (1000 characters at most per message) and shows read', async () => {
    const ok = await fb.userSends(insta, { text: 'Сколько стоит окрашивание?' });
    const conv = await until('conversation', () => conversationOfIdentity(ok.psid));
    expect(conv).toMatchObject({ account: { channel: 'instagram' }, identity: { kind: 'instagram' } });
    const long = 'Окрашивание зависит от длины волос и выбранной техники. '.repeat(30).trim();
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: long });
    expect(r.body.parts).toBe(2);
    expect((await settled(a, conv.id, r.body.id, (m) => m.status !== 'sent')).status).toBe('delivered');
    const mids = fb.sent.filter((s) => s.pageId === insta.id && s.to === ok.psid).map((s) => s.mid);
    expect(mids).toHaveLength(2);
    for (const mid of mids) await fb.read(mid);
    expect((await settled(a, conv.id, r.body.id, (m) => m.status === 'read')).status).toBe('read');
  });
});
