import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, waitFor, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { FakeTelegram, type FakeBot } from '@atrium/plugin-messaging-telegram/testing';

/**
 * Sign-in with Telegram through the kernel's auth-provider extension point, and reminders, both
 * through the real messaging plugin and its Telegram adapter, against the fake Bot API
 * over real HTTP: the job queues a reminder with Confirm / Cancel buttons to the client's contact;
 * the client's press confirms the booking once even when pressed twice; a press from someone the
 * reminder did not go to changes nothing; a client without a contact is recorded as skipped.
 */
const plugins = ['salon', 'messaging', 'messaging-telegram'].map((d) => path.resolve(import.meta.dirname, '../..', d));
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let tg: FakeTelegram;
let bot: FakeBot;
const ids: Record<string, string> = {};

const runJob = (name: string) =>
  tk.kernel.broker.call('salon.$system.runJob', { name, data: {}, jobId: crypto.randomUUID() }, { meta: { system: true, tenantId: owner.tenantId, requestId: `job:${name}` } }) as Promise<any>;
const key = () => ({ headers: { 'idempotency-key': crypto.randomUUID() } });
async function ok(r: Promise<{ status: number; body: any }>, status = 200) {
  const res = await r;
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}
let booked = 0;
/** A booking a few hours from now (outside any hours: this master has none), its 2-hour reminder due now. */
async function bookDue(clientId: string, due = true) {
  const startsAt = new Date(Math.ceil((Date.now() + (3 + booked++) * 3_600_000) / 60_000) * 60_000).toISOString();
  const b = await ok(owner.post('/api/salon/bookings', { items: [{ serviceId: ids.service, staffId: ids.master, startsAt }], clientId, outsideHours: true }, key()), 201);
  const id = b.bookings[0].id as string;
  if (due) await sys.query(`update salon.reminder set due_at = now() where booking_id = $1`, [id]);
  return id;
}

beforeAll(async () => {
  tg = await FakeTelegram.start();
  tk = await createTestKernel({
    plugins,
    tenants: [{ name: 'Salon Bota', owner: 'owner@bota.test', enable: ['messaging', 'messaging-telegram', 'salon'] }],
    config: { outbound: { allow: { 'messaging-telegram': [tg.baseUrl] } } },
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  owner = await tk.as('owner@bota.test');
  await ok(owner.put('/api/plugins/messaging/settings', { settings: { publicBaseUrl: tk.url } }));
  bot = tg.createBot({ username: 'bota_salon_bot' });
  await ok(owner.post('/api/messaging/accounts', { adapter: 'telegram', channel: 'telegram', name: 'Salon bot', config: { apiBaseUrl: tg.baseUrl }, secrets: { botToken: bot.token } }), 201);
  ids.master = (await ok(owner.post('/api/salon/staff', { name: 'Aigerim' }, key()), 201)).id;
  ids.service = (await ok(owner.post('/api/salon/services', { name: 'Brows', durationMin: 45, price: 500_000 }, key()), 201)).id;
  await ok(owner.put(`/api/salon/staff/${ids.master}/services`, { services: [{ serviceId: ids.service }] }));
}, 180_000);

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
  await tg?.close();
});

describe('reminders through messaging', () => {
  it('a reminder with buttons reaches the client in Telegram; Confirm pressed twice confirms once', async () => {
    const user = tg.user({ username: 'dana_kz', language_code: 'kk' });
    tg.userSends(bot, user, { text: 'Сәлем' });
    const conv = await waitFor('the conversation', async () => (await owner.get('/api/messaging/conversations', { query: { q: 'dana_kz' } })).body.items?.[0], 30_000);
    ids.client = (await ok(owner.post('/api/salon/clients', { name: 'Dana', locale: 'kk', contactId: conv.contact.id }, key()), 201)).id;
    const bookingId = await bookDue(ids.client);

    // (the job also runs every minute by itself: what counts is what reaches Telegram, once)
    await runJob('sendReminders');
    const sent = await waitFor('the reminder in Telegram', () => bot.sent.find((m) => m.reply_markup?.inline_keyboard.flat().some((b) => b.callback_data === `salon:confirm:${bookingId}`)), 30_000);
    expect(sent.text).toMatch(/^Еске салу: Brows, шебер Aigerim/);
    expect(sent.reply_markup!.inline_keyboard.flat().map((b) => b.text)).toEqual(['Растау', 'Болдырмау']);
    const [rem] = (await sys.query(`select status, message_id from salon.reminder where booking_id = $1`, [bookingId])).rows;
    expect(rem.status).toBe('sent');
    // the job again: nothing is due any more, nothing goes twice
    await runJob('sendReminders');
    expect(bot.sent.filter((m) => m.reply_markup?.inline_keyboard.flat().some((b) => b.callback_data === `salon:confirm:${bookingId}`))).toHaveLength(1);
    // the message is recorded as sent before a person can press its buttons
    await waitFor('the reminder recorded as sent', async () => (await sys.query(`select 1 from messaging.message where id = $1 and status = 'sent'`, [rem.message_id])).rowCount, 30_000);

    tg.userPresses(bot, user, sent.message_id, `salon:confirm:${bookingId}`);
    tg.userPresses(bot, user, sent.message_id, `salon:confirm:${bookingId}`);
    await waitFor('two presses recorded', async () => Number((await sys.query(`select count(*) as n from messaging.message where kind = 'button' and button_id = $1`, [`salon:confirm:${bookingId}`])).rows[0].n) === 2, 30_000);
    await tk.drainEvents();
    await waitFor('confirmed', async () => (await ok(owner.get(`/api/salon/bookings/${bookingId}`))).status === 'confirmed', 30_000);
    await tk.drainEvents();
    const changes = (await sys.query(`select payload from kernel.outbox where name = 'salon.booking.status-changed.v1' and payload->>'id' = $1`, [bookingId])).rows;
    expect(changes.map((r) => r.payload)).toEqual([{ id: bookingId, chainId: expect.any(String), from: 'booked', to: 'confirmed', by: 'client' }]);
  });

  it('a press from someone the reminder did not go to changes nothing', async () => {
    const bookingId = await bookDue(ids.client, false);
    const stranger = tg.user({ username: 'stranger' });
    tg.userSends(bot, stranger, { text: 'hi' });
    const conv = await waitFor('the stranger\'s conversation', async () => (await owner.get('/api/messaging/conversations', { query: { q: 'stranger' } })).body.items?.[0], 30_000);
    // the booking's button id under a message to someone else (as if copied by hand)
    const forged = await ok(owner.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Press me', buttons: [{ id: `salon:cancel:${bookingId}`, text: 'X' }] }), 201);
    const msg = await waitFor('sent to the stranger', () => bot.sent.find((m) => m.text === 'Press me'), 30_000);
    await waitFor('recorded as sent', async () => (await sys.query(`select 1 from messaging.message where id = $1 and status = 'sent'`, [forged.id])).rowCount, 30_000);
    tg.userPresses(bot, stranger, msg.message_id, `salon:cancel:${bookingId}`);
    await waitFor('the press recorded', async () => (await sys.query(`select 1 from messaging.message where kind = 'button' and button_id = $1`, [`salon:cancel:${bookingId}`])).rowCount, 30_000);
    await tk.drainEvents();
    expect((await ok(owner.get(`/api/salon/bookings/${bookingId}`))).status).toBe('booked');
  });

  it('a client without a contact, or a cancelled booking: the reminder is skipped with the reason', async () => {
    const nobody = (await ok(owner.post('/api/salon/clients', { name: 'No contact' }, key()), 201)).id;
    const a = await bookDue(nobody);
    const b = await bookDue(ids.client);
    await ok(owner.post(`/api/salon/bookings/${b}/cancel`, {}));
    // the cancelled booking's reminder was dropped when it was cancelled; the job skips the other
    await runJob('sendReminders');
    const rows = (await sys.query(`select booking_id, status, note from salon.reminder where booking_id = any($1)`, [[a, b]])).rows;
    expect(rows.find((r) => r.booking_id === a)).toMatchObject({ status: 'skipped', note: 'the client has no contact' });
    expect(rows.find((r) => r.booking_id === b)).toMatchObject({ status: 'skipped', note: 'cancelled' });
  });
});

/** The bot's message whose keyboard holds this button, once messaging recorded it as sent. */
async function sentWithButton(id: string) {
  const m = await waitFor(`a message with ${id}`, () => bot.sent.find((x) => x.reply_markup?.inline_keyboard.flat().some((b) => b.callback_data === id)), 30_000);
  await waitFor('recorded as sent', async () => (await sys.query(`select 1 from messaging.message where direction = 'out' and status = 'sent' and buttons::text like $1`, [`%${id}%`])).rowCount, 30_000);
  return m;
}
const presses = async (id: string) => Number((await sys.query(`select count(*) as n from messaging.message where kind = 'button' and button_id = $1`, [id])).rows[0].n);
const claim = (a: { attemptId: string; secret: string }) => tk.anonymous().post(`/api/auth/providers/attempts/${a.attemptId}`, { secret: a.secret });
const codeOf = (url: string) => url.split('?start=login_')[1]!;

describe('sign-in with Telegram (the kernel\'s auth-provider extension point)', () => {
  const anna = () => tg.user({ id: 424242, username: 'anna_owner', language_code: 'ru' });

  it('is offered once the bot is set; a user links their Telegram, then signs in with it, once', async () => {
    expect((await tk.anonymous().post('/api/auth/providers/salon.telegram/start', { tenantId: owner.tenantId })).body.error.code).toBe('TELEGRAM_BOT_NOT_SET');
    await ok(owner.put('/api/plugins/salon/settings', { settings: { telegramBot: 'bota_salon_bot' } }));
    expect((await ok(tk.anonymous().get('/api/auth/providers', { query: { tenantId: owner.tenantId } }))).items).toEqual([{ id: 'salon.telegram', identity: 'telegram', label: expect.objectContaining({ en: 'Telegram' }), icon: 'send' }]);

    // linking, from the profile page
    const link = await ok(owner.post('/api/auth/providers/salon.telegram/start', { purpose: 'link', locale: 'ru' }), 201);
    expect(link.url).toMatch(/^https:\/\/t\.me\/bota_salon_bot\?start=login_[A-Za-z0-9_-]{22}$/);
    const user = anna();
    tg.userSends(bot, user, { text: `/start login_${codeOf(link.url)}` });
    const ask = await sentWithButton(`salon:auth:ok:${codeOf(link.url)}`);
    expect(ask.text).toMatch(/^Привязать этот аккаунт Telegram к пользователю owner/);
    tg.userPresses(bot, user, ask.message_id, `salon:auth:ok:${codeOf(link.url)}`);
    await waitFor('the press', async () => (await presses(`salon:auth:ok:${codeOf(link.url)}`)) === 1, 30_000);
    await tk.drainEvents();
    expect((await claim(link)).body).toMatchObject({ status: 'linked', identity: { identity: 'telegram', display: '@anna_owner' } });
    expect((await ok(owner.get('/api/me/identities'))).items).toMatchObject([{ identity: 'telegram', provider: 'salon.telegram' }]);

    // signing in, from the login page: Confirm pressed twice, the session goes to the browser once
    const login = await ok(tk.anonymous().post('/api/auth/providers/salon.telegram/start', { tenantId: owner.tenantId, locale: 'ru' }), 201);
    expect((await claim(login)).body.status).toBe('pending');
    tg.userSends(bot, user, { text: `/start login_${codeOf(login.url)}` });
    const ask2 = await sentWithButton(`salon:auth:ok:${codeOf(login.url)}`);
    expect(ask2.text).toMatch(/^Войти в Salon Bota как owner/);
    tg.userPresses(bot, user, ask2.message_id, `salon:auth:ok:${codeOf(login.url)}`);
    tg.userPresses(bot, user, ask2.message_id, `salon:auth:ok:${codeOf(login.url)}`);
    await waitFor('both presses', async () => (await presses(`salon:auth:ok:${codeOf(login.url)}`)) === 2, 30_000);
    await tk.drainEvents();
    const signedIn = await claim(login);
    expect(signedIn.body).toMatchObject({ status: 'signed-in', user: { id: owner.userId }, tenant: { id: owner.tenantId } });
    const me = await tk.anonymous().get('/api/me', { headers: { authorization: `Bearer ${signedIn.body.accessToken}` } });
    expect(me.body.user.id).toBe(owner.userId);
    const again = await claim(login);
    expect([again.status, again.body.error.code]).toEqual([409, 'AUTH_ATTEMPT_USED']);
    await waitFor('the second press told', () => bot.sent.find((m) => m.text === 'Готово: вы вошли. Вернитесь в браузер.'), 30_000);
    await waitFor('the second press told', () => bot.sent.find((m) => m.text === 'На этот запрос входа уже ответили.'), 30_000);
  });

  it('a Telegram account nobody linked is told so; an expired code signs nobody in', async () => {
    const stranger = tg.user({ id: 777001, username: 'not_linked', language_code: 'ru' });
    const a = await ok(tk.anonymous().post('/api/auth/providers/salon.telegram/start', { tenantId: owner.tenantId }), 201);
    tg.userSends(bot, stranger, { text: `/start login_${codeOf(a.url)}` });
    await waitFor('told it is not linked', () => bot.sent.find((m) => m.text?.startsWith('Этот аккаунт Telegram не привязан ни к одному пользователю Salon Bota')), 30_000);
    expect((await claim(a)).body.status).toBe('pending');

    const b = await ok(tk.anonymous().post('/api/auth/providers/salon.telegram/start', { tenantId: owner.tenantId }), 201);
    await sys.query(`update kernel.auth_attempt set expires_at = now() - interval '1 second' where id = $1`, [b.attemptId]);
    tg.userSends(bot, anna(), { text: `/start login_${codeOf(b.url)}` });
    await waitFor('told it expired', () => bot.sent.find((m) => m.text === 'Срок действия ссылки для входа истёк. Начните заново в браузере.'), 30_000);
    expect((await claim(b)).body.error.code).toBe('AUTH_ATTEMPT_EXPIRED');
  });
});

