// Contacts and retention with a real kernel and the fake Telegram over real HTTP: merging two
// contacts keeps every conversation (and new messages still land in them), splitting moves an
// identity with its conversation to a new contact; retention deletes old bodies and attachments
// (the kernel file too), keeps the rows, records the run and audits it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '@atrium/sdk/testing';
import { FakeTelegram, type FakeBot } from '@atrium/plugin-messaging-telegram/testing';
import { bootMessaging, conversationOf, createAccount, messagesOf, setMessagingSettings, settled, until, type MessagingKernel } from './fixtures.ts';

let k: MessagingKernel;
let tg: FakeTelegram;
let a: TestClient;
let bot: FakeBot;

beforeAll(async () => {
  tg = await FakeTelegram.start();
  k = await bootMessaging({ tenants: ['A'], allow: { 'messaging-telegram': [tg.baseUrl] } });
  a = await k.tk.as('owner@a.test');
  await setMessagingSettings(a, { publicBaseUrl: k.tk.url });
  bot = tg.createBot({ username: 'contacts_bot' });
  await createAccount(a, { adapter: 'telegram', channel: 'telegram', name: 'Shop', config: { apiBaseUrl: tg.baseUrl }, secrets: { botToken: bot.token } });
});
afterAll(async () => {
  await k?.stop();
  await tg?.close();
});

/** A person writes to the bot; answers their conversation once the message is in. */
async function writes(userId: number, name: string, text: string): Promise<any> {
  const user = tg.user({ id: userId, first_name: name });
  tg.userSends(bot, user, { text });
  // after a merge, a search by one number finds every thread of the contact: look in each
  return until(`${name}'s message`, async () => {
    const r = await a.get('/api/messaging/conversations', { query: { q: String(userId) } });
    for (const conv of r.body.items ?? []) if ((await messagesOf(a, conv.id)).some((m) => m.text === text)) return conv;
    return null;
  }, 60_000);
}

const contact = async (id: string) => {
  const r = await a.get(`/api/messaging/contacts/${id}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

describe('merge and split', { timeout: 180_000 }, () => {
  it('merging keeps every conversation and message; the other contact points at the kept one; new messages land in the same threads', async () => {
    const c1 = await writes(700_000_001, 'Айгерим', 'Здравствуйте, это с телефона');
    const c2 = await writes(700_000_002, 'Айгерим (рабочий)', 'А это с рабочего аккаунта');
    expect(c1.contact.id).not.toBe(c2.contact.id);

    const self = await a.post(`/api/messaging/contacts/${c1.contact.id}/merge`, { otherId: c1.contact.id });
    expect(self.status).toBe(400);
    expect(JSON.stringify(self.body)).toContain('otherId');

    const merged = await a.post(`/api/messaging/contacts/${c1.contact.id}/merge`, { otherId: c2.contact.id });
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
    expect(merged.body.identities.map((i: any) => i.value).sort()).toEqual(['700000001', '700000002']);
    expect(merged.body.conversations.map((c: any) => c.id).sort()).toEqual([c1.id, c2.id].sort());
    expect((await contact(c2.contact.id)).mergedInto).toBe(c1.contact.id);
    // both threads keep their messages
    expect((await messagesOf(a, c1.id)).map((m) => m.text)).toContain('Здравствуйте, это с телефона');
    expect((await messagesOf(a, c2.id)).map((m) => m.text)).toContain('А это с рабочего аккаунта');
    // the merged contact's next message joins its old conversation, now under the kept contact
    const again = await writes(700_000_002, 'Айгерим (рабочий)', 'Ещё вопрос');
    expect(again.id).toBe(c2.id);
    expect(again.contact.id).toBe(c1.contact.id);
    // merging a merged contact again is refused
    const twice = await a.post(`/api/messaging/contacts/${c1.contact.id}/merge`, { otherId: c2.contact.id });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('ALREADY_MERGED');
    const audit = await k.sql(`select action from kernel.audit where tenant_id = $1 and action like 'messaging.contacts.merge%'`, [a.tenantId]);
    expect(audit.length).toBeGreaterThan(0);
  });

  it('splitting moves an identity with its conversation to a new contact; a contact keeps at least one identity', async () => {
    // (a search by one of the numbers finds both threads now: they belong to one contact)
    const kept = await contact((await conversationOf(a, '700000001')).contact.id);
    const work = kept.identities.find((i: any) => i.value === '700000002');
    const threadOf = (identityId: string) => kept.conversations.find((c: any) => c.identityId === identityId).id;
    const [phoneThread, workThread] = [threadOf(kept.identities.find((i: any) => i.value === '700000001').id), threadOf(work.id)];
    const all = await a.post(`/api/messaging/contacts/${kept.id}/split`, { identityIds: kept.identities.map((i: any) => i.id), name: 'Всё' });
    expect(all.status).toBe(422);
    expect(all.body.error.code).toBe('SPLIT_ALL');
    const foreign = await a.post(`/api/messaging/contacts/${kept.id}/split`, { identityIds: ['00000000-0000-4000-8000-000000000000'], name: 'Чужой' });
    expect(foreign.status).toBe(400);
    expect(JSON.stringify(foreign.body)).toContain('identityIds.0');

    const split = await a.post(`/api/messaging/contacts/${kept.id}/split`, { identityIds: [work.id], name: 'Айгерим — работа' });
    expect(split.status, JSON.stringify(split.body)).toBe(201);
    expect(split.body.identities.map((i: any) => i.id)).toEqual([work.id]);
    expect(split.body.conversations.map((c: any) => c.id)).toEqual([workThread]);
    expect((await messagesOf(a, workThread)).map((m) => m.text)).toEqual(expect.arrayContaining(['А это с рабочего аккаунта', 'Ещё вопрос']));
    expect((await contact(kept.id)).conversations.map((c: any) => c.id)).toEqual([phoneThread]);
    expect((await conversationOf(a, '700000002')).contact.id).toBe(split.body.id);
  });
});

describe('retention', () => {
  it('off by default: a run deletes nothing and records no run', async () => {
    const r = await a.post('/api/messaging/retention/run', {});
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ skipped: 'retention off' });
  });

  it('deletes bodies and attachments (the kernel file too) of messages older than the TTL, keeps newer ones and the rows, records and audits the run', async () => {
    const conv = await writes(700_000_003, 'Данияр', 'Старое сообщение с адресом');
    const up = await a.request('POST', '/api/files', { query: { name: 'invoice.pdf' }, raw: '%PDF-1.4 old invoice', headers: { 'content-type': 'application/pdf' } });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const sent = await a.post(`/api/messaging/conversations/${conv.id}/messages`, { text: 'Счёт во вложении', attachments: [{ fileId: up.body.id, name: 'invoice.pdf', mimeType: 'application/pdf' }] });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    await settled(a, conv.id, sent.body.id);
    // the two messages so far are 40 days old; a new one is not
    await k.sql(`update messaging.message set created_at = now() - interval '40 days' where tenant_id = $1 and conversation_id = $2`, [a.tenantId, conv.id]);
    await writes(700_000_003, 'Данияр', 'Свежее сообщение');
    await setMessagingSettings(a, { publicBaseUrl: k.tk.url, retentionDays: 30 });

    const run = await a.post('/api/messaging/retention/run', {});
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body).toMatchObject({ ttlDays: 30, messages: 2, attachments: 1 });
    const messages = await messagesOf(a, conv.id);
    const old = messages.filter((m) => m.purgedAt);
    expect(old).toHaveLength(2);
    for (const m of old) expect(m).toMatchObject({ text: null, attachments: [] });
    expect(messages.find((m) => !m.purgedAt)).toMatchObject({ text: 'Свежее сообщение' });
    expect((await a.get(`/api/files/${up.body.id}`)).status).toBe(404);
    // nothing left to delete the second time
    expect((await a.post('/api/messaging/retention/run', {})).body).toMatchObject({ messages: 0, attachments: 0 });

    const runs = await a.get('/api/messaging/retention/runs');
    expect(runs.body).toMatchObject({ total: 2, retentionDays: 30 });
    expect(runs.body.items[1]).toMatchObject({ id: run.body.id, ttlDays: 30, messages: 2, attachments: 1 });
    const audit = await k.sql(`select target_id from kernel.audit where tenant_id = $1 and action = 'messaging.retention.run'`, [a.tenantId]);
    expect(audit.map((r) => r.target_id)).toContain(run.body.id);
  });
});
