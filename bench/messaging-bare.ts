/**
 * The anchor of the messaging benchmarks (messaging.bench.ts): the same two jobs written by hand on
 * node:http + pg + jose — what a developer who knows these libraries would write to take WhatsApp
 * Cloud webhooks and to send Telegram replies, with nothing of the platform in between. It runs in
 * its own process, on the kernel's database as the request role (`atrium_app`, RLS on), with the
 * kernel's pool size, over the same Unix socket; its tables live in `bare_messaging` (created by
 * the bench, `SCHEMA` below).
 *
 *   POST /inbound/<tenant>/<account>  X-Hub-Signature-256 checked (HMAC-SHA256 of the raw body with
 *        the app secret, constant time) → one pipelined transaction: the (account, event id) claim
 *        (a duplicate stops there), identity + contact found or created, conversation opened or
 *        bumped (unread, last inbound), the message (unique provider id per account), an outbox row
 *        → `{ ok, stored, duplicates }`. A relay (a loop in this process, `FOR UPDATE SKIP LOCKED`
 *        batches) marks outbox rows published and hands them to an in-process consumer that counts
 *        them: `GET /dispatched`.
 *   POST /send  `{ conversationId, text }` with a bearer JWT (verified like the platform's, cached
 *        per token) → one transaction: the message (queued) and its outbox row; 201; then, in the
 *        same process right after the answer (no durable queue: a crash loses the send — the
 *        platform's BullMQ queue does not), the Bot API's sendMessage, then status `sent`.
 *
 * Run: `node bench/messaging-bare.ts '<json Args>'` → prints `{"port":N}`; `GET /cpu` answers this
 * process's CPU time in ms.
 */
import crypto from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { jwtVerify } from 'jose';
import { pipelineRows, type PipelineStep } from '../kernel/src/db/pipelined-query.ts';

type Args = { appUrl: string; poolMax: number; secret: string; appSecret: string; telegramApi: string; botToken: string };

/** The anchor's tables (the bench creates them as the owner and grants them to the request role). */
export const SCHEMA = (appRole: string) => `
create schema if not exists bare_messaging;
create table bare_messaging.inbound_event (tenant_id uuid not null, account_id uuid not null, event_id text not null, claim uuid not null, primary key (tenant_id, account_id, event_id));
create table bare_messaging.contact (tenant_id uuid not null, id uuid not null, name text, primary key (tenant_id, id));
create table bare_messaging.identity (tenant_id uuid not null, id uuid not null, kind text not null, value text not null, contact_id uuid not null, name text, primary key (tenant_id, id), unique (tenant_id, kind, value));
create table bare_messaging.conversation (tenant_id uuid not null, id uuid not null, account_id uuid not null, contact_id uuid not null, status text not null default 'open',
  unread integer not null default 0, last_inbound_at timestamptz, updated_at timestamptz not null default now(), primary key (tenant_id, id), unique (tenant_id, account_id, contact_id));
create table bare_messaging.message (tenant_id uuid not null, id uuid not null, account_id uuid not null, conversation_id uuid not null, direction text not null, text text,
  provider_id text, status text not null, created_at timestamptz not null default now(), primary key (tenant_id, id), unique (tenant_id, account_id, provider_id));
create table bare_messaging.outbox (id bigint generated always as identity primary key, tenant_id uuid not null, name text not null, payload jsonb not null, published_at timestamptz);
create index on bare_messaging.outbox (id) where published_at is null;
${['inbound_event', 'contact', 'identity', 'conversation', 'message', 'outbox'].map((t) => `
alter table bare_messaging.${t} enable row level security;
alter table bare_messaging.${t} force row level security;
create policy ${t}_tenant on bare_messaging.${t} using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid) with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`).join('')}
grant usage on schema bare_messaging to ${appRole};
grant select, insert, update on all tables in schema bare_messaging to ${appRole};
`;

const CFG = `select set_config('app.tenant_id', $1::text, true)`;

/** A statement written with `:name` placeholders → its text with $1…$n and the names in that order (each statement binds exactly its own). */
function named(sql: string): { text: string; names: string[] } {
  const names: string[] = [];
  const text = sql.replace(/(?<!:):([a-z]+)\b/g, (_, n: string) => {
    if (!names.includes(n)) names.push(n);
    return `$${names.indexOf(n) + 1}`;
  });
  return { text, names };
}
const bind = (s: { text: string; names: string[] }, v: Record<string, unknown>): PipelineStep => ({ text: s.text, values: s.names.map((n) => v[n]) });

const CLAIMED = `exists (select 1 from bare_messaging.inbound_event e where e.tenant_id = :tenant::uuid and e.account_id = :account::uuid and e.event_id = :event::text and e.claim = :claim::uuid)`;
const IDENTITY = `i.tenant_id = :tenant::uuid and i.kind = 'whatsapp' and i.value = :phone::text`;
/** One inbound message: the claim (a duplicate stops there: the rest is conditional on this transaction's claim), identity, contact, conversation, message, event. */
const INGEST = [
  `insert into bare_messaging.inbound_event (tenant_id, account_id, event_id, claim) values (:tenant::uuid, :account::uuid, :event::text, :claim::uuid) on conflict do nothing returning 1 as fresh`,
  `insert into bare_messaging.identity (tenant_id, id, kind, value, contact_id, name) select :tenant::uuid, :identity::uuid, 'whatsapp', :phone::text, :contact::uuid, :name::text where ${CLAIMED}
     on conflict (tenant_id, kind, value) do update set name = excluded.name where identity.name is distinct from excluded.name`,
  `insert into bare_messaging.contact (tenant_id, id, name) select :tenant::uuid, i.contact_id, :name::text from bare_messaging.identity i where ${IDENTITY} and ${CLAIMED} on conflict do nothing`,
  `insert into bare_messaging.conversation (tenant_id, id, account_id, contact_id, unread, last_inbound_at) select :tenant::uuid, :conversation::uuid, :account::uuid, i.contact_id, 1, now()
     from bare_messaging.identity i where ${IDENTITY} and ${CLAIMED}
     on conflict (tenant_id, account_id, contact_id) do update set unread = conversation.unread + 1, last_inbound_at = now(), status = 'open', updated_at = now()`,
  `insert into bare_messaging.message (tenant_id, id, account_id, conversation_id, direction, text, provider_id, status)
     select :tenant::uuid, :message::uuid, :account::uuid, c.id, 'in', :text::text, :event::text, 'received' from bare_messaging.identity i
     join bare_messaging.conversation c on c.tenant_id = i.tenant_id and c.account_id = :account::uuid and c.contact_id = i.contact_id
     where ${IDENTITY} and ${CLAIMED} on conflict do nothing`,
  `insert into bare_messaging.outbox (tenant_id, name, payload) select m.tenant_id, 'messaging.message.received.v1',
     jsonb_build_object('messageId', m.id, 'conversationId', m.conversation_id, 'accountId', m.account_id, 'text', m.text) from bare_messaging.message m where m.tenant_id = :tenant::uuid and m.id = :message::uuid`,
].map(named);
/** A reply: the message (queued) on the conversation, answering the chat to send to. */
const NEW_OUT = `with c as (
    select c.tenant_id, c.id, c.account_id, i.value as chat from bare_messaging.conversation c
    join bare_messaging.identity i on i.tenant_id = c.tenant_id and i.contact_id = c.contact_id and i.kind = 'telegram'
    where c.tenant_id = $1::uuid and c.id = $2::uuid limit 1),
  m as (insert into bare_messaging.message (tenant_id, id, account_id, conversation_id, direction, text, status) select tenant_id, $3::uuid, account_id, id, 'out', $4::text, 'queued' from c)
  select chat from c`;
const OUT_EVENT = `insert into bare_messaging.outbox (tenant_id, name, payload) values ($1::uuid, 'messaging.message.queued.v1', jsonb_build_object('messageId', $2::uuid))`;
const MARK_SENT = `update bare_messaging.message set status = 'sent', provider_id = $3::text where tenant_id = $1::uuid and id = $2::uuid`;
const RELAY = `update bare_messaging.outbox set published_at = now() where id in (
  select id from bare_messaging.outbox where published_at is null and tenant_id = $1::uuid order by id limit 500 for update skip locked) returning name, payload->>'messageId' as message_id`;

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function createMessagingBare(args: Args) {
  const socketHost = new URL(args.appUrl).searchParams.get('host') ?? undefined;
  const pool = new pg.Pool({ connectionString: args.appUrl, host: socketHost, max: args.poolMax });
  pool.on('error', () => {});
  const key = crypto.webcrypto.subtle.importKey('raw', new Uint8Array(crypto.hkdfSync('sha256', args.secret, 'atrium', 'jwt-access', 32)), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const verified = new Map<string, { tenantId: string; exp: number }>();
  const dispatched = { count: 0, duplicates: 0, seen: new Set<string>() };
  const tenants = new Set<string>();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  async function authenticate(req: IncomingMessage): Promise<string> {
    const h = req.headers.authorization;
    if (!h?.startsWith('Bearer ')) throw new HttpError(401, 'UNAUTHORIZED', 'Sign in first');
    const token = h.slice(7);
    const hit = verified.get(token);
    if (hit && hit.exp > Date.now()) return hit.tenantId;
    try {
      const { payload } = await jwtVerify(token, await key, { issuer: 'atrium', algorithms: ['HS256'] });
      verified.set(token, { tenantId: String(payload.tid), exp: (payload.exp ?? 0) * 1000 });
      return String(payload.tid);
    } catch {
      throw new HttpError(401, 'INVALID_TOKEN', 'Invalid access token');
    }
  }

  async function transaction(tenantId: string, steps: PipelineStep[]): Promise<any[][]> {
    const client = await pool.connect();
    try {
      return (await pipelineRows(client, [{ text: 'begin' }, { text: CFG, values: [tenantId] }, ...steps, { text: 'commit' }])).slice(2);
    } catch (e) {
      await client.query('rollback').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  function verifySignature(body: Buffer, header: string | string[] | undefined): void {
    const m = typeof header === 'string' ? /^sha256=([0-9a-f]{64})$/i.exec(header.trim()) : null;
    if (!m) throw new HttpError(401, 'WEBHOOK_SIGNATURE_INVALID', 'X-Hub-Signature-256 is missing or malformed');
    const expected = crypto.createHmac('sha256', args.appSecret).update(body).digest();
    if (!crypto.timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'))) throw new HttpError(401, 'WEBHOOK_SIGNATURE_INVALID', 'X-Hub-Signature-256 does not match');
  }

  async function inbound(tenantId: string, accountId: string, req: IncomingMessage): Promise<[number, unknown]> {
    const body = await readBody(req);
    verifySignature(body, req.headers['x-hub-signature-256']);
    tenants.add(tenantId);
    const doc = JSON.parse(body.toString('utf8'));
    let stored = 0;
    let duplicates = 0;
    for (const entry of doc.entry ?? []) {
      for (const change of entry.changes ?? []) {
        const v = change.value ?? {};
        const name = v.contacts?.[0]?.profile?.name ?? null;
        for (const msg of v.messages ?? []) {
          const v = {
            tenant: tenantId, account: accountId, event: msg.id, claim: crypto.randomUUID(), phone: `+${msg.from}`, name, text: msg.text?.body ?? null,
            identity: crypto.randomUUID(), contact: crypto.randomUUID(), conversation: crypto.randomUUID(), message: crypto.randomUUID(),
          };
          const rows = await transaction(tenantId, INGEST.map((st) => bind(st, v)));
          if (rows[0]!.length) stored++;
          else duplicates++;
        }
      }
    }
    return [200, { ok: true, stored, duplicates }];
  }

  async function sendOne(tenantId: string, req: IncomingMessage): Promise<[number, unknown]> {
    const body = JSON.parse((await readBody(req)).toString('utf8'));
    if (typeof body?.conversationId !== 'string' || typeof body.text !== 'string' || !body.text || body.text.length > 4096) throw new HttpError(400, 'VALIDATION', 'conversationId and text (1–4096 characters) are required');
    const id = crypto.randomUUID();
    const [created] = await transaction(tenantId, [{ text: NEW_OUT, values: [tenantId, body.conversationId, id, body.text] }, { text: OUT_EVENT, values: [tenantId, id] }]);
    if (!created!.length) throw new HttpError(404, 'NOT_FOUND', 'No such conversation');
    const chat = created![0].chat;
    // after the answer: the provider call and the status
    setImmediate(() => void deliver(tenantId, id, chat, body.text).catch((e) => console.error('[messaging-bare] send failed', e)));
    return [201, { id, status: 'queued' }];
  }

  async function deliver(tenantId: string, id: string, chat: string, text: string): Promise<void> {
    const payload = Buffer.from(JSON.stringify({ chat_id: chat, text }));
    const answer = await new Promise<any>((resolve, reject) => {
      const r = http.request(`${args.telegramApi}/bot${args.botToken}/sendMessage`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': payload.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.on('error', reject);
      });
      r.on('error', reject);
      r.end(payload);
    });
    if (!answer.ok) throw new Error(`sendMessage: ${answer.description}`);
    // Telegram numbers messages per chat: the provider id is the pair
    await transaction(tenantId, [{ text: MARK_SENT, values: [tenantId, id, `${chat}:${answer.result.message_id}`] }]);
  }

  /** The outbox relay and its consumer: batches of unpublished rows, marked published, counted. */
  let relaying = true;
  const relay = (async () => {
    while (relaying) {
      let n = 0;
      for (const t of tenants) {
        const [rows] = await transaction(t, [{ text: RELAY, values: [t] }]).catch(() => [[]]);
        for (const r of rows!) {
          if (r.name !== 'messaging.message.received.v1') continue;
          if (dispatched.seen.has(r.message_id)) dispatched.duplicates++;
          else dispatched.seen.add(r.message_id);
          dispatched.count++;
        }
        n += rows!.length;
      }
      if (n < 500) await new Promise((r) => setTimeout(r, 10));
    }
  })();

  async function route(req: IncomingMessage, url: URL): Promise<[number, unknown]> {
    if (url.pathname === '/cpu') {
      const u = process.cpuUsage();
      return [200, { ms: (u.user + u.system) / 1000 }];
    }
    if (url.pathname === '/dispatched') return [200, { count: dispatched.count, duplicates: dispatched.duplicates }];
    const m = /^\/inbound\/([0-9a-f-]{36})\/([0-9a-f-]{36})$/.exec(url.pathname);
    if (m && req.method === 'POST') return inbound(m[1]!, m[2]!, req);
    if (url.pathname === '/send' && req.method === 'POST') return sendOne(await authenticate(req), req);
    throw new HttpError(404, 'NOT_FOUND', 'No such route');
  }

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    route(req, new URL(req.url ?? '/', 'http://localhost')).then(([status, body]) => reply(res, status, body), (e) => {
      if (e instanceof HttpError) return reply(res, e.status, { error: { code: e.code, message: e.message } });
      console.error(e);
      reply(res, 500, { error: { code: 'INTERNAL', message: 'Internal error' } });
    });
  });
  server.keepAliveTimeout = 65_000;
  return {
    server,
    async close() {
      relaying = false;
      await relay;
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      agent.destroy();
      await pool.end();
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 1024 * 1024) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than 1 MB');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Starts the anchor in a child process; `dispatched()` and `cpuMs()` ask it. */
export async function startMessagingBare(args: Args) {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'messaging-bare.ts'), JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`messaging bare stack exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  return {
    url,
    async dispatched(): Promise<{ count: number; duplicates: number }> {
      return (await fetch(`${url}/dispatched`)).json() as Promise<{ count: number; duplicates: number }>;
    },
    async cpuMs(): Promise<number> {
      return ((await (await fetch(`${url}/cpu`)).json()) as { ms: number }).ms;
    },
    async stop() {
      process.off('exit', kill);
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    },
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!) && process.argv[2]) {
  const stack = createMessagingBare(JSON.parse(process.argv[2]));
  stack.server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (stack.server.address() as any).port })));
  process.on('SIGTERM', () => void stack.close().then(() => process.exit(0)));
}
