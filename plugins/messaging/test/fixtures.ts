// Shared by the messaging tests: a real kernel with the core and the adapter plugins, a fake
// provider, and waiting for conditions (never for fixed times).
import pg from 'pg';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import messaging from '../src/index.ts';
import telegram from '@atrium/plugin-messaging-telegram';

export { messaging, telegram };

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type MessagingKernel = { tk: TestKernel; sql<T = any>(text: string, params?: unknown[]): Promise<T[]>; stop(): Promise<void> };

/** A kernel with messaging + the given adapters enabled for each tenant, and an owner-role SQL client for checks. */
export async function bootMessaging(o: { tenants: string[]; adapters?: any[]; adapterIds?: string[]; allow?: Record<string, string[]>; config?: Record<string, unknown> }): Promise<MessagingKernel> {
  const adapters = o.adapters ?? [telegram];
  const ids = o.adapterIds ?? ['messaging-telegram'];
  const tk = await createTestKernel({
    plugins: [messaging, ...adapters],
    tenants: o.tenants.map((name) => ({ name, enable: ['messaging', ...ids] })),
    // the fakes' base URLs, as an operator allows a sandbox (outbound.allow.<plugin id>)
    config: { ...(o.config ?? {}), ...(o.allow ? { outbound: { allow: o.allow } } : {}) },
  });
  const db = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await db.connect();
  return {
    tk,
    sql: async (text, params = []) => (await db.query(text, params as any[])).rows,
    async stop() {
      await db.end().catch(() => {});
      await tk.stop();
    },
  };
}

export async function setMessagingSettings(c: TestClient, settings: Record<string, unknown>): Promise<void> {
  const r = await c.put('/api/plugins/messaging/settings', { settings });
  if (r.status !== 200) throw new Error(`settings: ${r.status} ${JSON.stringify(r.body)}`);
}

export async function createAccount(c: TestClient, body: Record<string, unknown>): Promise<any> {
  const r = await c.post('/api/messaging/accounts', body);
  if (r.status !== 201) throw new Error(`create account: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** The one conversation of a contact identity value (a Telegram user id, a phone). */
export async function conversationOf(c: TestClient, q: string): Promise<any> {
  const r = await c.get('/api/messaging/conversations', { query: { q } });
  return r.body.items?.[0] ?? null;
}

export async function messagesOf(c: TestClient, conversationId: string): Promise<any[]> {
  const r = await c.get(`/api/messaging/conversations/${conversationId}/messages`, { query: { limit: 200 } });
  if (r.status !== 200) throw new Error(`messages: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.items;
}

/** Waits until a message is no longer on its way (queued/sending) and answers it, whatever it became. */
export async function settled(c: TestClient, conversationId: string, messageId: string, until2: (m: any) => boolean = () => true): Promise<any> {
  let last: any = null;
  try {
    return await until(`message ${messageId} to settle`, async () => {
      last = (await messagesOf(c, conversationId)).find((m) => m.id === messageId);
      return last && !['queued', 'sending'].includes(last.status) && until2(last) ? last : null;
    }, 30_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last seen: ${JSON.stringify(last)}`);
  }
}
