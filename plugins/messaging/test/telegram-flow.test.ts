// The messaging core with the Telegram adapter against the fake Bot API, over real HTTP, with a
// real kernel (PostgreSQL, Redis, BullMQ): inbound exactly once, signatures, replies, buttons,
// retry_after, opt-out, tenant isolation, and long polling when there is no public URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '@atrium/sdk/testing';
import { FakeTelegram, type FakeBot } from '@atrium/plugin-messaging-telegram/testing';
import { bootMessaging, conversationOf, createAccount, messagesOf, setMessagingSettings, until, type MessagingKernel } from './fixtures.ts';

let k: MessagingKernel;
let tg: FakeTelegram;
let a: TestClient;
let b: TestClient;
let botA: FakeBot;
let botB: FakeBot;
let accountA: any;
let accountB: any;

beforeAll(async () => {
  tg = await FakeTelegram.start();
  k = await bootMessaging({ tenants: ['A', 'B'], allow: { 'messaging-telegram': [tg.baseUrl] } });
  a = await k.tk.as('owner@a.test');
  b = await k.tk.as('owner@b.test');
  for (const c of [a, b]) await setMessagingSettings(c, { publicBaseUrl: k.tk.url });
  botA = tg.createBot({ username: 'shop_a_bot' });
  botB = tg.createBot({ username: 'shop_b_bot' });
  accountA = await createAccount(a, { adapter: 'telegram', channel: 'telegram', name: 'Shop A', config: { apiBaseUrl: tg.baseUrl }, secrets: { botToken: botA.token } });
  accountB = await createAccount(b, { adapter: 'telegram', channel: 'telegram', name: 'Shop B', config: { apiBaseUrl: tg.baseUrl }, secrets: { botToken: botB.token } });
});
afterAll(async () => {
  await k?.stop();
  await tg?.close();
});

const inboundCount = async (tenantId: string) => Number((await k.sql('select count(*) as n from messaging.message where tenant_id = $1 and direction = $2', [tenantId, 'in']))[0].n);

describe('connecting a bot', () => {
  it('registers the webhook with a generated secret and shows the account connected; the secret never comes back', async () => {
    expect(accountA).toMatchObject({ status: 'connected', inbound: 'webhook', identity: { username: 'shop_a_bot' }, secretsSet: ['botToken'] });
    expect(botA.webhook!.url).toBe(`${k.tk.url}/api/messaging/inbound/${a.tenantId}/${accountA.id}`);
    expect(botA.webhook!.secret).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(JSON.stringify(accountA)).not.toContain(botA.token);
    expect(JSON.stringify(accountA)).not.toContain(botA.webhook!.secret!);
    const [row] = await k.sql('select sealed from messaging.account where id = $1', [accountA.id]);
    expect(row.sealed).not.toContain(botA.token);
  });

  it('a wrong token leaves the account in error with Telegram\'s reason, and a bad one is a 400 naming the field', async () => {
    const bad = await a.post('/api/messaging/accounts', { adapter: 'telegram', channel: 'telegram', name: 'Typo', config: { apiBaseUrl: tg.baseUrl }, secrets: { botToken: '123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expect(bad.status).toBe(201);
    expect(bad.body.status).toBe('error');
    expect(bad.body.lastError).toContain('CHANNEL_AUTH_FAILED');
    // a base URL the operator did not allow for the adapter is never called (SSRF)
    const elsewhere = await a.post('/api/messaging/accounts', { adapter: 'telegram', channel: 'telegram', name: 'Elsewhere', config: { apiBaseUrl: 'http://169.254.169.254' }, secrets: { botToken: botA.token } });
    expect(elsewhere.body.status).toBe('error');
    expect(elsewhere.body.lastError).toContain('OUTBOUND_NOT_ALLOWED');
    const invalid = await a.post('/api/messaging/accounts', { adapter: 'telegram', channel: 'telegram', name: 'Nope', secrets: { botToken: 'nope' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.fields.map((f: any) => f.field)).toContain('secrets.botToken');
  });
});

describe('inbound', () => {
  it('a message from the fake Telegram appears in the inbox with its contact, once', async () => {
    const user = tg.user({ first_name: 'Айгерим', username: 'aigerim', language_code: 'kk' });
    tg.userSends(botA, user, { text: 'Сәлеметсіз бе! Есть запись на завтра?' });
    const conv = await until('the conversation', () => conversationOf(a, 'aigerim'));
    expect(conv).toMatchObject({ status: 'open', unread: 1, contact: { name: 'Айгерим', locale: 'kk' }, identity: { kind: 'telegram', value: String(user.id), username: 'aigerim' } });
    const [m] = await messagesOf(a, conv.id);
    expect(m).toMatchObject({ direction: 'in', text: 'Сәлеметсіз бе! Есть запись на завтра?', status: 'received' });
    const events = await k.sql(`select payload from kernel.outbox where tenant_id = $1 and name = 'messaging.message.received.v1'`, [a.tenantId]);
    expect(events.map((e) => e.payload.messageId)).toContain(m.id);
  });

  it('the same update delivered 5 times, concurrently, is one message', async () => {
    tg.autoDeliver = false;
    try {
      const user = tg.user({ username: 'dup_user' });
      const u = tg.userSends(botA, user, { text: 'once, please' });
      const before = await inboundCount(a.tenantId);
      const results = await tg.deliver(botA, u, { times: 5, concurrent: true });
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const again = await tg.deliver(botA, u, { times: 2 });
      expect(again.map((r) => r.status)).toEqual([200, 200]);
      expect(await inboundCount(a.tenantId)).toBe(before + 1);
      const [ev] = await k.sql('select count(*)::int as n from messaging.inbound_event where tenant_id = $1 and event_id = $2', [a.tenantId, String(u.update_id)]);
      expect(ev.n).toBe(1);
      botA.pending.length = 0;
    } finally {
      tg.autoDeliver = true;
    }
  });

  it('a bad or missing secret is 401 and stores nothing', async () => {
    tg.autoDeliver = false;
    try {
      const u = tg.userSends(botA, tg.user({ username: 'forger' }), { text: 'let me in' });
      const before = await inboundCount(a.tenantId);
      const [wrong] = await tg.deliver(botA, u, { secret: 'wrong' });
      const [missing] = await tg.deliver(botA, u, { secret: 'missing' });
      expect([wrong!.status, missing!.status]).toEqual([401, 401]);
      expect(await inboundCount(a.tenantId)).toBe(before);
      const [ev] = await k.sql('select count(*)::int as n from messaging.inbound_event where tenant_id = $1 and event_id = $2', [a.tenantId, String(u.update_id)]);
      expect(ev.n).toBe(0);
      botA.pending.length = 0;
    } finally {
      tg.autoDeliver = true;
    }
  });

  it('tenant A\'s webhook URL and secret can never put a message into tenant B', async () => {
    tg.autoDeliver = false;
    try {
      const u = tg.userSends(botA, tg.user({ username: 'crosser' }), { text: 'into B?' });
      const beforeB = await inboundCount(b.tenantId);
      // A's account under B's tenant id: not found (the account is looked up under B's RLS)
      const [swapped] = await tg.deliver(botA, u, { url: `${k.tk.url}/api/messaging/inbound/${b.tenantId}/${accountA.id}` });
      expect(swapped!.status).toBe(404);
      // B's URL with A's secret: B's account has its own secret
      const [wrongSecret] = await tg.deliver(botA, u, { url: `${k.tk.url}/api/messaging/inbound/${b.tenantId}/${accountB.id}` });
      expect(wrongSecret!.status).toBe(401);
      expect(await inboundCount(b.tenantId)).toBe(beforeB);
      const [leak] = await k.sql(`select count(*)::int as n from messaging.message m join messaging.account acc on acc.tenant_id = m.tenant_id and acc.id = m.account_id where m.tenant_id = $1 and m.body = 'into B?'`, [b.tenantId]);
      expect(leak.n).toBe(0);
      botA.pending.length = 0;
    } finally {
      tg.autoDeliver = true;
    }
  });
});

describe('outbound', () => {
  it('a reply reaches the fake as sendMessage and the message becomes sent', async () => {
    const user = tg.user({ username: 'replyme' });
    tg.userSends(botA, user, { text: 'Сколько стоит стрижка?' });
    const conv = await until('the conversation', () => conversationOf(a, 'replyme'));
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Стрижка — 5 000 ₸' }, { headers: { 'Idempotency-Key': 'reply-1' } });
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('queued');
    await until('the fake got it', () => botA.sent.find((m) => m.chat.id === user.id && m.text === 'Стрижка — 5 000 ₸'));
    const sent = await until('sent', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'sent'));
    expect(sent.sentAt).toBeTruthy();
    // the same Idempotency-Key again: the same message, not a second send
    const again = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Стрижка — 5 000 ₸' }, { headers: { 'Idempotency-Key': 'reply-1' } });
    expect(again.body.id).toBe(r.body.id);
    await new Promise((res) => setTimeout(res, 300));
    expect(botA.sent.filter((m) => m.text === 'Стрижка — 5 000 ₸')).toHaveLength(1);
  });

  it('a 429 with retry_after is retried after the delay and delivered once', async () => {
    const user = tg.user({ username: 'slowdown' });
    tg.userSends(botA, user, { text: 'hi' });
    const conv = await until('the conversation', () => conversationOf(a, 'slowdown'));
    tg.rateLimitNext(1, 2);
    const started = Date.now();
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'after the pause' });
    expect(r.status).toBe(201);
    await until('queued again with a not-before', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'queued' && m.notBefore));
    const sent = await until('sent', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'sent'), 30_000);
    expect(new Date(sent.sentAt).getTime() - started).toBeGreaterThanOrEqual(1900);
    expect(botA.sent.filter((m) => m.text === 'after the pause')).toHaveLength(1);
    const attempts = tg.calls.filter((c) => c.method === 'sendMessage' && c.params.text === 'after the pause');
    expect(attempts).toHaveLength(2);
  });

  it('five replies to one chat at once are paced to Telegram\'s per-chat limit: each goes once, none is refused with a 429', async () => {
    const user = tg.user({ username: 'chatty' });
    tg.userSends(botA, user, { text: 'Можно несколько вопросов?' });
    const conv = await until('the conversation', () => conversationOf(a, 'chatty'));
    const texts = ['Первый ответ', 'Второй ответ', 'Третий ответ', 'Четвёртый ответ', 'Пятый ответ'];
    const ids = await Promise.all(texts.map(async (text) => {
      const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text });
      expect(r.status).toBe(201);
      return r.body.id as string;
    }));
    await until('all sent', async () => {
      const ms = await messagesOf(a, conv.id);
      return ids.every((id) => ms.find((m) => m.id === id)?.status === 'sent');
    }, 30_000);
    // the fake answers 429 beyond a burst of three a chat then one a second: a refused call would be tried again
    const calls = tg.calls.filter((c) => c.method === 'sendMessage' && texts.includes(String(c.params.text)));
    expect(calls).toHaveLength(5);
    const at = calls.map((c) => c.at).sort((x, y) => x - y);
    expect(at[3]! - at[0]!).toBeGreaterThanOrEqual(900);
  });

  it('a send whose answer was lost is left "unknown" and never sent again by itself', async () => {
    const user = tg.user({ username: 'lostanswer' });
    tg.userSends(botA, user, { text: 'hi' });
    const conv = await until('the conversation', () => conversationOf(a, 'lostanswer'));
    tg.dropAnswersNext(1);
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'did it arrive?' });
    const unknown = await until('unknown', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'unknown'));
    expect(unknown.error).toMatchObject({ code: 'CHANNEL_UNAVAILABLE', reason: 'unknown_outcome' });
    // Telegram did carry it out: a resend would deliver it twice
    expect(botA.sent.filter((m) => m.text === 'did it arrive?')).toHaveLength(1);
    await new Promise((res) => setTimeout(res, 500));
    expect(botA.sent.filter((m) => m.text === 'did it arrive?')).toHaveLength(1);
    // a person may decide to send it again
    const retry = await a.post(`/api/messaging/outbound/messages/${r.body.id}/retry`);
    expect(retry.status).toBe(200);
    await until('sent', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'sent'));
    expect(botA.sent.filter((m) => m.text === 'did it arrive?')).toHaveLength(2);
  });

  it('buttons go as an inline keyboard; a press comes back as a button message, is acknowledged, and published', async () => {
    const user = tg.user({ username: 'presser' });
    tg.userSends(botA, user, { text: 'запишите меня' });
    const conv = await until('the conversation', () => conversationOf(a, 'presser'));
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Завтра в 10:00?', buttons: [{ id: 'confirm:42', text: 'Да' }, { id: 'cancel:42', text: 'Нет' }] });
    const sent = await until('sent with a keyboard', () => botA.sent.find((m) => m.text === 'Завтра в 10:00?'));
    // a person sees the message once it is sent; the press then refers to a send we recorded
    await until('recorded as sent', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'sent'));
    expect(sent.reply_markup!.inline_keyboard.flat().map((x) => x.callback_data)).toEqual(['confirm:42', 'cancel:42']);
    tg.userPresses(botA, user, sent.message_id, 'confirm:42');
    const press = await until('the press', async () => (await messagesOf(a, conv.id)).find((m) => m.kind === 'button'));
    expect(press).toMatchObject({ direction: 'in', buttonId: 'confirm:42', text: 'Да', replyToId: r.body.id });
    await until('answerCallbackQuery', () => tg.calls.find((c) => c.method === 'answerCallbackQuery'));
    const [ev] = await k.sql(`select payload from kernel.outbox where tenant_id = $1 and name = 'messaging.button.pressed.v1' order by created_at desc limit 1`, [a.tenantId]);
    expect(ev.payload).toMatchObject({ buttonId: 'confirm:42', replyToMessageId: r.body.id, conversationId: conv.id });
  });

  it('STOP opts the person out: a send is refused with OPTED_OUT; START opts them back in', async () => {
    const user = tg.user({ username: 'stopper' });
    tg.userSends(botA, user, { text: 'hello' });
    const conv = await until('the conversation', () => conversationOf(a, 'stopper'));
    tg.userSends(botA, user, { text: 'СТОП' });
    await until('opted out', async () => (await conversationOf(a, 'stopper'))?.identity.consent === 'opted_out');
    const refused = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'promo!' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('OPTED_OUT');
    tg.userSends(botA, user, { text: 'start' });
    await until('opted in', async () => (await conversationOf(a, 'stopper'))?.identity.consent === 'granted');
    expect((await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'welcome back' })).status).toBe(201);
  });

  it('a person who blocks the bot is opted out by Telegram\'s update; a message already queued fails as blocked', async () => {
    const user = tg.user({ username: 'blocker' });
    tg.userSends(botA, user, { text: 'hi' });
    const conv = await until('the conversation', () => conversationOf(a, 'blocker'));
    botA.chat(user).blocked = true;
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'are you there?' });
    const failed = await until('failed', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'failed'));
    expect(failed.error).toMatchObject({ code: 'CHANNEL_REJECTED', reason: 'blocked' });
    tg.userBlocks(botA, user);
    await until('opted out', async () => (await conversationOf(a, 'blocker'))?.identity.consent === 'opted_out');
  });

  it('a long text is split at sentence boundaries into messages Telegram accepts', async () => {
    const user = tg.user({ username: 'longread' });
    tg.userSends(botA, user, { text: 'расскажите подробнее' });
    const conv = await until('the conversation', () => conversationOf(a, 'longread'));
    const sentence = 'Это одно предложение про наши услуги и цены. ';
    const text = sentence.repeat(150).trim();
    const r = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text });
    expect(r.body.parts).toBe(2);
    await until('sent', async () => (await messagesOf(a, conv.id)).find((m) => m.id === r.body.id && m.status === 'sent'), 30_000);
    const parts = botA.sent.filter((m) => m.chat.id === user.id && m.text?.startsWith('Это'));
    expect(parts).toHaveLength(2);
    expect(parts.every((p) => p.text!.length <= 4096 && p.text!.endsWith('.'))).toBe(true);
    expect(parts.map((p) => p.text).join(' ')).toBe(text);
  });
});

describe('the inbox', () => {
  it('resolve, assign, label (optimistic version), unread counts; a stale version is a 409', async () => {
    const user = tg.user({ username: 'organised' });
    tg.userSends(botA, user, { text: 'one' });
    tg.userSends(botA, user, { text: 'two' });
    const conv = await until('two unread', async () => {
      const c = await conversationOf(a, 'organised');
      return c?.unread === 2 ? c : null;
    });
    const counts = (await a.get('/api/messaging/conversations/counts')).body;
    expect(counts.unread).toBeGreaterThanOrEqual(1);
    const upd = await a.patch(`/api/messaging/conversations/${conv.id}`, { version: conv.version, status: 'resolved', assigneeId: a.userId, labels: ['vip', 'vip', 'booking'] });
    expect(upd.status, JSON.stringify(upd.body)).toBe(200);
    expect(upd.body).toMatchObject({ status: 'resolved', assigneeId: a.userId, labels: ['vip', 'booking'] });
    const stale = await a.patch(`/api/messaging/conversations/${conv.id}`, { version: conv.version, status: 'open' });
    expect(stale.status).toBe(409);
    expect((await a.get('/api/messaging/conversations', { query: { status: 'resolved', assignee: 'me', label: 'vip' } })).body.items.map((c: any) => c.id)).toEqual([conv.id]);
    expect((await a.post(`/api/messaging/conversations/${conv.id}/read`)).status).toBe(200);
    expect((await a.get(`/api/messaging/conversations/${conv.id}`)).body.unread).toBe(0);
    // a new message reopens it
    tg.userSends(botA, user, { text: 'three' });
    await until('reopened', async () => (await a.get(`/api/messaging/conversations/${conv.id}`)).body.status === 'open');
  });
});

describe('long polling (no public URL: the embedded default)', () => {
  it('receives through getUpdates, confirms only what was stored, and replies', async () => {
    const c = await k.tk.signup('Poller', 'owner@poller.test');
    expect((await c.post('/api/plugins/messaging/enable')).status).toBe(200);
    expect((await c.post('/api/plugins/messaging-telegram/enable')).status).toBe(200);
    const bot = tg.createBot({ username: 'poll_bot' });
    const acc = await createAccount(c, { adapter: 'telegram', channel: 'telegram', name: 'Poll bot', config: { apiBaseUrl: tg.baseUrl }, secrets: { botToken: bot.token } });
    expect(acc).toMatchObject({ status: 'connected', inbound: 'polling', webhookUrl: null });
    expect(bot.webhook).toBeNull();
    const user = tg.user({ username: 'polled' });
    tg.userSends(bot, user, { text: 'через getUpdates' });
    const conv = await until('the conversation', () => conversationOf(c, 'polled'));
    expect((await messagesOf(c, conv.id))[0].text).toBe('через getUpdates');
    // confirmed with the next offset once stored
    await until('confirmed', () => bot.pending.length === 0);
    const [row] = await k.sql('select poll_cursor from messaging.account where id = $1', [acc.id]);
    expect(Number(row.poll_cursor)).toBeGreaterThan(0);
    await c.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'ответ' });
    await until('the reply', () => bot.sent.find((m) => m.text === 'ответ'));
  });
});
