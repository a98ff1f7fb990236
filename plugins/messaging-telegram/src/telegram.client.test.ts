import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelAuthError, ChannelRateLimitedError, ChannelRejectedError, ChannelUnavailableError } from '@atrium/sdk/messaging';
import { TelegramApiError, TelegramClient, TelegramNetworkError } from './telegram.client.ts';
import { mapTelegramError, secretMatches } from './telegram.adapter.ts';
import { normaliseUpdate, startPayload } from './telegram.updates.ts';
import { FakeTelegram } from './testing/index.ts';

let tg: FakeTelegram;
beforeAll(async () => {
  tg = await FakeTelegram.start();
});
afterAll(() => tg?.close());

const clientFor = (token: string) => new TelegramClient({ token, baseUrl: tg.baseUrl, timeoutMs: 3000 });
const mapped = async (p: Promise<unknown>) => mapTelegramError(await p.then(() => null, (e) => e));

describe('Telegram Bot API client against the fake', () => {
  it('answers getMe for a known token, 401 for an unknown one and 404 for a malformed one', async () => {
    const bot = tg.createBot({ username: 'shop_bot' });
    expect((await clientFor(bot.token).getMe()).username).toBe('shop_bot');
    const unknown = await clientFor('123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA').getMe().catch((e) => e);
    expect(unknown).toBeInstanceOf(TelegramApiError);
    expect(unknown.errorCode).toBe(401);
    expect(mapTelegramError(unknown)).toBeInstanceOf(ChannelAuthError);
    expect((await clientFor('not-a-token').getMe().catch((e) => e)).errorCode).toBe(404);
  });

  it('long polling: waits for an update, confirms it with the next offset, and refuses while a webhook is set', async () => {
    const bot = tg.createBot();
    const c = clientFor(bot.token);
    const user = tg.user({ first_name: 'Дана', username: 'dana' });
    const waiting = c.getUpdates({ timeout: 5 });
    await new Promise((r) => setTimeout(r, 100));
    tg.userSends(bot, user, { text: 'Здравствуйте' });
    const [u] = await waiting;
    expect(u!.message!.text).toBe('Здравствуйте');
    // not confirmed yet: the same update again
    expect((await c.getUpdates({ timeout: 0 }))[0]!.update_id).toBe(u!.update_id);
    expect(await c.getUpdates({ offset: u!.update_id + 1, timeout: 0 })).toEqual([]);
    await c.setWebhook({ url: 'http://127.0.0.1:1/hook', secret_token: 'abc_DEF-123' });
    const conflict = await c.getUpdates({ timeout: 0 }).catch((e) => e);
    expect(conflict.errorCode).toBe(409);
    expect(conflict.description).toContain('webhook is active');
    expect((await c.setWebhook({ url: 'http://127.0.0.1:1/hook', secret_token: 'bad token!' }).catch((e) => e)).errorCode).toBe(400);
    await c.deleteWebhook();
  });

  it('a second poller ends the first with 409 (one bot instance only)', async () => {
    const bot = tg.createBot();
    const first = clientFor(bot.token).getUpdates({ timeout: 5 }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 100));
    const second = clientFor(bot.token).getUpdates({ timeout: 1 });
    expect((await first).description).toContain('terminated by other getUpdates request');
    expect(await second).toEqual([]);
  });

  it('sendMessage: buttons, replies, and Telegram\'s refusals in the core\'s terms', async () => {
    const bot = tg.createBot();
    const c = clientFor(bot.token);
    const user = tg.user();
    expect(mapTelegramError(await c.sendMessage({ chat_id: user.id, text: 'hi' }).catch((e) => e))).toMatchObject({ reason: 'invalid_recipient' });
    tg.userSends(bot, user, { text: '/start booking-42' });
    const m = await c.sendMessage({ chat_id: user.id, text: 'Choose', reply_markup: { inline_keyboard: [[{ text: 'Yes', callback_data: 'yes' }]] } });
    expect(bot.sent.at(-1)!.reply_markup!.inline_keyboard[0]![0]!.callback_data).toBe('yes');
    expect(m.chat.id).toBe(user.id);
    expect(await mapped(c.sendMessage({ chat_id: user.id, text: 'x'.repeat(4097) }))).toMatchObject({ reason: 'too_large' });
    expect(await mapped(c.sendMessage({ chat_id: user.id, text: 'x', reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'd'.repeat(65) }]] } }))).toBeInstanceOf(ChannelRejectedError);
    tg.userBlocks(bot, user);
    expect(await mapped(c.sendMessage({ chat_id: user.id, text: 'still there?' }))).toMatchObject({ reason: 'blocked' });
  });

  it('429 Too Many Requests carries retry_after, which becomes ChannelRateLimitedError', async () => {
    const bot = tg.createBot();
    const user = tg.user();
    tg.userSends(bot, user, { text: 'hi' });
    tg.rateLimitNext(1, 7);
    const e = await clientFor(bot.token).sendMessage({ chat_id: user.id, text: 'a' }).catch((x) => x);
    expect(e.retryAfter).toBe(7);
    const m = mapTelegramError(e) as ChannelRateLimitedError;
    expect(m).toBeInstanceOf(ChannelRateLimitedError);
    expect(m.retryAfterSeconds).toBe(7);
  });

  it('enforces about one message a second per chat (a burst of three passes)', async () => {
    const bot = tg.createBot();
    const user = tg.user();
    tg.userSends(bot, user, { text: 'hi' });
    const c = clientFor(bot.token);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => c.sendMessage({ chat_id: user.id, text: `m${i}` }).then(() => 'ok', (e) => e.errorCode)));
    expect(results.filter((r) => r === 'ok')).toHaveLength(3);
    expect(results.filter((r) => r === 429)).toHaveLength(2);
  });

  it('uploads files as multipart, with a caption; files come back through getFile', async () => {
    const bot = tg.createBot();
    const user = tg.user();
    tg.userSends(bot, user, { photo: { data: Buffer.from('jpeg bytes'), caption: 'мой чек' } });
    const sent = await clientFor(bot.token).sendFile('sendDocument', 'document', { chat_id: user.id, file: { name: 'invoice.pdf', mimeType: 'application/pdf', data: Buffer.from('%PDF-1.4') }, caption: 'Счёт' });
    expect(sent.document!.file_name).toBe('invoice.pdf');
    expect(sent.caption).toBe('Счёт');
    const f = await clientFor(bot.token).getFile(sent.document!.file_id);
    expect((await clientFor(bot.token).download(f.file_path!)).toString()).toBe('%PDF-1.4');
  });

  it('network failures say whether the request may have been carried out', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const freePort = (closed.address() as any).port;
    await new Promise((r) => closed.close(r));
    const refused = await new TelegramClient({ token: '1:x', baseUrl: `http://127.0.0.1:${freePort}`, timeoutMs: 1000 }).getMe().catch((e) => e);
    expect(refused).toBeInstanceOf(TelegramNetworkError);
    expect((mapTelegramError(refused) as ChannelUnavailableError).outcome).toBe('not_sent');
    const hang = createServer(() => {});
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', () => r()));
    const port = (hang.address() as any).port;
    const timedOut = await new TelegramClient({ token: '1:x', baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 }).sendMessage({ chat_id: 1, text: 'x' }).catch((e) => e);
    expect((mapTelegramError(timedOut) as ChannelUnavailableError).outcome).toBe('unknown');
    expect(timedOut.message).not.toContain('1:x');
    hang.closeAllConnections();
    hang.close();
  });
});

describe('updates', () => {
  it('normalises messages (deep link, photo), button presses and blocking', () => {
    const user = { id: 42, is_bot: false, first_name: 'Олжас', username: 'olzhas', language_code: 'kk' };
    const chat = { id: 42, type: 'private' as const };
    const [msg] = normaliseUpdate({ update_id: 1, message: { message_id: 5, date: 1_700_000_000, chat, from: user, text: '/start promo_2024' } });
    expect(msg).toMatchObject({ type: 'message', eventId: '1', providerMessageId: '42:5', chatId: '42', startPayload: 'promo_2024', from: { kind: 'telegram', id: '42', name: 'Олжас', username: 'olzhas', locale: 'kk' } });
    const [photo] = normaliseUpdate({ update_id: 2, message: { message_id: 6, date: 1, chat, from: user, caption: 'чек', photo: [{ file_id: 's', file_unique_id: 's', width: 10, height: 10 }, { file_id: 'l', file_unique_id: 'l', width: 90, height: 90 }] } });
    expect(photo).toMatchObject({ text: 'чек', attachments: [{ kind: 'image', ref: 'l' }] });
    const [btn] = normaliseUpdate({ update_id: 3, callback_query: { id: 'q1', from: user, chat_instance: 'x', data: 'yes', message: { message_id: 7, date: 1, chat, reply_markup: { inline_keyboard: [[{ text: 'Да', callback_data: 'yes' }]] } } } });
    expect(btn).toMatchObject({ type: 'button', buttonId: 'yes', text: 'Да', providerMessageId: '42:7', ack: { callbackQueryId: 'q1' } });
    const [blocked] = normaliseUpdate({ update_id: 4, my_chat_member: { chat, from: user, date: 1, old_chat_member: { status: 'member', user }, new_chat_member: { status: 'kicked', user } } });
    expect(blocked).toMatchObject({ type: 'optout', reason: 'blocked the bot' });
    expect(normaliseUpdate({ update_id: 5, edited_message: { message_id: 5, date: 1, chat, from: user, text: 'edited' } })).toEqual([]);
    expect(startPayload('/start@shop_bot abc')).toBe('abc');
    expect(startPayload('/start')).toBeUndefined();
  });

  it('compares the webhook secret in constant time and refuses a missing one', () => {
    expect(secretMatches('abc', 'abc')).toBe(true);
    expect(secretMatches('abd', 'abc')).toBe(false);
    expect(secretMatches('abcd', 'abc')).toBe(false);
    expect(secretMatches(undefined, 'abc')).toBe(false);
    expect(secretMatches('abc', undefined)).toBe(false);
  });
});
