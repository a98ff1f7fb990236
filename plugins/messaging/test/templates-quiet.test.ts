// Templates (checked on save and on send, previewed, rendered in the contact's language) and quiet
// hours (non-urgent sends wait until they end), with a real kernel and the fake Telegram over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '@atrium/sdk/testing';
import { FakeTelegram, type FakeBot } from '@atrium/plugin-messaging-telegram/testing';
import { quietUntil } from '../src/domain/quiet-hours.ts';
import { bootMessaging, conversationOf, createAccount, messagesOf, setMessagingSettings, settled, until, type MessagingKernel } from './fixtures.ts';

let k: MessagingKernel;
let tg: FakeTelegram;
let a: TestClient;
let bot: FakeBot;
let conv: any;

const REMINDER = {
  name: 'visit_reminder',
  variables: [{ name: 'name', type: 'text' }, { name: 'at', type: 'datetime' }, { name: 'price', type: 'money' }],
  variants: [
    { channel: '*', locale: 'ru', body: '{{name}}, ждём вас {{at}}. Стоимость: {{price}}' },
    { channel: '*', locale: 'en', body: '{{name}}, see you on {{at}}. Price: {{price}}' },
  ],
};

beforeAll(async () => {
  tg = await FakeTelegram.start();
  k = await bootMessaging({ tenants: ['A'], allow: { 'messaging-telegram': [tg.baseUrl] } });
  a = await k.tk.as('owner@a.test');
  await setMessagingSettings(a, { publicBaseUrl: k.tk.url, timeZone: 'Asia/Tashkent' });
  bot = tg.createBot({ username: 'templates_bot' });
  await createAccount(a, { adapter: 'telegram', channel: 'telegram', name: 'Salon', config: { apiBaseUrl: tg.baseUrl }, secrets: { botToken: bot.token } });
  tg.userSends(bot, tg.user({ id: 710_000_001, first_name: 'Жанна' }), { text: 'Здравствуйте' });
  conv = await until('the conversation', () => conversationOf(a, '710000001'));
});
afterAll(async () => {
  await k?.stop();
  await tg?.close();
});

const sentTexts = () => tg.calls.filter((c) => c.method === 'sendMessage').map((c) => String(c.params.text));

describe('templates', () => {
  it('saving checks the template: a placeholder not declared, a variable declared twice, two variants for one channel and locale — 400 naming each field', async () => {
    const r = await a.post('/api/messaging/templates', {
      name: 'broken', variables: [{ name: 'name', type: 'text' }, { name: 'name', type: 'number' }],
      variants: [{ channel: '*', locale: 'ru', body: 'Привет, {{name}}! Код {{code}}' }, { channel: '*', locale: 'ru', body: 'Ещё один' }],
    });
    expect(r.status).toBe(400);
    expect(r.body.error.fields.map((f: any) => f.field).sort()).toEqual(['variables.1.name', 'variants.0.body', 'variants.1']);
    const badType = await a.post('/api/messaging/templates', { name: 'broken2', variables: [{ name: 'x', type: 'colour' }], variants: [{ channel: '*', locale: 'ru', body: '{{x}}' }] });
    expect(badType.status).toBe(400);
    expect(JSON.stringify(badType.body)).toContain('variables.0.type');
    expect((await a.get('/api/messaging/templates')).body.items.map((t: any) => t.name)).not.toContain('broken');
  });

  it('preview renders in the chosen language (date in the tenant\'s time zone, money) and lists what a send would refuse', async () => {
    const saved = await a.post('/api/messaging/templates', REMINDER);
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const values = { name: 'Жанна', at: '2025-03-01T05:00:00Z', price: { amount: 1500000, currency: 'KZT' } };
    const ru = await a.post('/api/messaging/templates/preview', { id: saved.body.id, channel: 'telegram', locale: 'ru', values });
    expect(ru.status, JSON.stringify(ru.body)).toBe(200);
    // 05:00 UTC is 10:00 in Tashkent; 15 000 tenge with the Russian grouping (ICU writes the sign as ₸ or KZT, by version)
    expect(ru.body.text).toMatch(/^Жанна, ждём вас 1 марта 2025 г\.,? (в )?10:00\. Стоимость: 15\s000,00\s(₸|KZT)$/);
    expect(ru.body.problems).toEqual([]);
    const en = await a.post('/api/messaging/templates/preview', { id: saved.body.id, channel: 'telegram', locale: 'en', values });
    expect(en.body.text).toContain('1 March 2025');
    const bad = await a.post('/api/messaging/templates/preview', { id: saved.body.id, channel: 'telegram', locale: 'ru', values: { name: 'Жанна', at: 'завтра' } });
    expect(bad.status, JSON.stringify(bad.body)).toBe(200);
    expect(bad.body.problems.map((p: any) => p.field).sort()).toEqual(['values.at', 'values.price']);
    // a value that is not of its type is shown as given (formatting it used to fail the preview with a 500)
    expect(bad.body.text).toBe('Жанна, ждём вас завтра. Стоимость: ');
  });

  it('a send checks the values: a missing or mistyped variable is a 400 naming it and nothing is queued; valid values go out rendered', async () => {
    const before = (await messagesOf(a, conv.id)).length;
    const bad = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { template: { name: 'visit_reminder', locale: 'ru', variables: { name: 'Жанна', at: 'завтра в 10' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: any) => f.field).sort()).toEqual(['template.variables.at', 'template.variables.price']);
    expect((await messagesOf(a, conv.id)).length).toBe(before);

    const ok = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { template: { name: 'visit_reminder', locale: 'ru', variables: { name: 'Жанна', at: '2025-03-01T05:00:00Z', price: { amount: 1500000, currency: 'KZT' } } } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect((await settled(a, conv.id, ok.body.id)).status).toBe('sent');
    expect(sentTexts().some((t) => t.startsWith('Жанна, ждём вас 1 марта 2025'))).toBe(true);
  });
});

describe('quiet hours', () => {
  it('quietUntil: inside the quiet period (spanning midnight, local time) it answers its end; outside, or switched off, nothing', () => {
    const night = { enabled: true, start: '21:00', end: '09:00' };
    // Tashkent is UTC+5: 17:30 UTC is 22:30 there, quiet until 09:00 local = 04:00 UTC next day
    expect(quietUntil(night, 'Asia/Tashkent', new Date('2025-03-01T17:30:00Z'))?.toISOString()).toBe('2025-03-02T04:00:00.000Z');
    expect(quietUntil(night, 'Asia/Tashkent', new Date('2025-03-01T02:15:30Z'))?.toISOString()).toBe('2025-03-01T04:00:00.000Z');
    expect(quietUntil(night, 'Asia/Tashkent', new Date('2025-03-01T05:00:00Z'))).toBeNull();
    expect(quietUntil({ ...night, enabled: false }, 'Asia/Tashkent', new Date('2025-03-01T17:30:00Z'))).toBeNull();
  });

  it('a non-urgent send in quiet hours waits until they end; a reply (urgent) still goes now', async () => {
    // quiet from an hour ago to an hour from now, on Tashkent's clock
    const hhmm = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Tashkent', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(Date.now() + ms));
    await setMessagingSettings(a, { publicBaseUrl: k.tk.url, timeZone: 'Asia/Tashkent', quietHours: { enabled: true, start: hhmm(-3600_000), end: hhmm(3600_000) } });
    const later = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Акция недели: скидка 10 %', urgent: false });
    expect(later.status, JSON.stringify(later.body)).toBe(201);
    const [row] = await k.sql(`select status, not_before from messaging.message where tenant_id = $1 and id = $2`, [a.tenantId, later.body.id]);
    const wait = new Date(row.not_before).getTime() - Date.now();
    expect(wait).toBeGreaterThan(55 * 60_000);
    expect(wait).toBeLessThanOrEqual(60 * 60_000);

    const now = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Да, запись на 10:00 свободна' });
    expect(now.status).toBe(201);
    expect((await settled(a, conv.id, now.body.id)).status).toBe('sent');
    expect(sentTexts()).toContain('Да, запись на 10:00 свободна');
    // the quiet one is still waiting, and Telegram never got it
    expect((await messagesOf(a, conv.id)).find((m) => m.id === later.body.id).status).toBe('queued');
    expect(sentTexts()).not.toContain('Акция недели: скидка 10 %');
  });
});
