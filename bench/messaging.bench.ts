/**
 * Messaging (issue 15), each against the same work written by hand (messaging-bare.ts: node:http +
 * pg + jose, same database role with RLS, pool size and socket) in the same run:
 *
 *   messaging.inbound.throughput  WhatsApp Cloud webhooks signed with X-Hub-Signature-256 (20 % of
 *        them delivered twice, shuffled, 16 concurrent senders in a child process) → verified by the
 *        adapter → stored exactly once (identity, contact, conversation, message) → event
 *        `messaging.message.received.v1` dispatched to a subscriber (a bench plugin that counts what
 *        it is handed, through the outbox relay and BullMQ, exactly as other plugins get it). Per
 *        second, from the first request until the last message is dispatched. Anchor
 *        `bare.messaging.inbound` (HMAC check, one pipelined transaction, its own outbox relay and
 *        in-process consumer). The windows alternate A B B A, each with its own fresh updates.
 *        Also: duplicates stored or dispatched (must be 0), non-200 answers, CPU per webhook.
 *   messaging.send.latency.p95  `POST /api/messaging/conversations/<id>/messages` → the fake Telegram
 *        Bot API receives `sendMessage` (the platform queues the send in BullMQ and paces it per
 *        account and per chat). Open loop, 20 sends a second over 40 chats (under Telegram's one a
 *        second per chat). Anchor `bare.messaging.send.latency.p95` (one transaction, 201, then the
 *        call right away in the same process — no durable queue).
 *
 * The fakes (FakeWhatsAppCloud, FakeTelegram) run in this process, over real HTTP. The goals:
 * ≥ 500 webhooks/s with 0 duplicates, send p95 ≤ 50 ms.
 *
 * Knobs: BENCH_MSG_WEBHOOKS (unique webhooks per inbound window, default 1500), BENCH_MSG_SENDS
 * (sends per latency window, default 100), BENCH_MSG_CONCURRENCY (webhook senders, default 16).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { definePlugin, defineSubscriber } from '@atrium/sdk';
import { hubSignature } from '@atrium/sdk/messaging';
import messaging from '../plugins/messaging/src/index.ts';
import whatsapp from '@atrium/plugin-messaging-whatsapp';
import telegram from '@atrium/plugin-messaging-telegram';
import { FakeWhatsAppCloud } from '@atrium/plugin-messaging-whatsapp/testing';
import { FakeTelegram } from '@atrium/plugin-messaging-telegram/testing';
import { percentile, round, runAsScript, serverCpuMs, startBenchEnv, startBenchKernel, type BenchResult } from './bench-env.ts';
import { SCHEMA, startMessagingBare } from './messaging-bare.ts';

const WEBHOOKS = Number(process.env.BENCH_MSG_WEBHOOKS ?? 1500);
const SENDS = Number(process.env.BENCH_MSG_SENDS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_MSG_CONCURRENCY ?? 16);
const DUP_RATE = 0.2;
const SENDERS = 300; // distinct WhatsApp customers writing in
const CHATS = 40;
const SEND_RATE = 20;
const DEADLINE_MS = 60_000;

/** What the bench subscriber was handed (message ids), in this process. */
const received = { count: 0, duplicates: 0, seen: new Set<string>() };
const benchInbox = definePlugin({
  manifest: { id: 'bench-inbox', version: '0.1.0', displayName: { en: 'Bench inbox' }, engines: { sdk: '^1.0.0' }, events: { subscribes: ['messaging.message.received.v1'] } } as any,
  subscribers: {
    'messaging.message.received.v1': defineSubscriber<{ messageId: string }>({
      async handler(ctx) {
        if (received.seen.has(ctx.event.payload.messageId)) received.duplicates++;
        else received.seen.add(ctx.event.payload.messageId);
        received.count++;
      },
    }),
  },
});

// ── the webhook sender (a child process, as the provider sends from elsewhere) ─────────────────
type Delivery = { body: string; signature: string };
type SendArgs = { url: string; concurrency: number; deadlineMs: number; deliveries: Delivery[] };
type SendResult = { startedAt: number; endedAt: number; latencies: number[]; statuses: [number, number][]; duplicatesAnswered: number };

async function sendWebhooks(args: SendArgs): Promise<SendResult> {
  const url = new URL(args.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: args.concurrency });
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let duplicatesAnswered = 0;
  let next = 0;
  const post = (d: Delivery) => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const body = Buffer.from(d.body, 'utf8');
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-hub-signature-256': d.signature } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  const startedAt = Date.now();
  process.stdout.write('started\n');
  const worker = async () => {
    while (next < args.deliveries.length && Date.now() - startedAt < args.deadlineMs) {
      const t = performance.now();
      const res = await post(args.deliveries[next++]!);
      latencies.push(performance.now() - t);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) duplicatesAnswered += (JSON.parse(res.text) as { duplicates?: number }).duplicates ?? 0;
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  agent.destroy();
  return { startedAt, endedAt: Date.now(), latencies, statuses: [...statuses], duplicatesAnswered };
}

/** Runs the sender in a child process; resolves when it has sent everything. `onStarted`: its first request. */
function sendFromChild(args: SendArgs, onStarted: () => void): Promise<SendResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-messaging-bench-'));
  const file = path.join(dir, 'deliveries.json');
  fs.writeFileSync(file, JSON.stringify(args));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [import.meta.filename, '--send', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('started\n')) onStarted();
    });
    p.on('exit', (code) => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop()!));
      else reject(new Error(`webhook sender exited ${code}`));
    });
  });
}

// ── the bench ────────────────────────────────────────────────────────────────────────────────
export default async function run(): Promise<BenchResult[]> {
  const cloud = await FakeWhatsAppCloud.start();
  const tg = await FakeTelegram.start();
  const env = await startBenchEnv();
  const kernel = await startBenchKernel(env, [messaging, whatsapp, telegram, benchInbox], { allow: { 'messaging-whatsapp': [cloud.baseUrl], 'messaging-telegram': [tg.baseUrl] } });
  const sys = new pg.Client({ connectionString: env.pgUrl.replace(/\/[^/]*$/, '/atrium_bench') });
  let bare: Awaited<ReturnType<typeof startMessagingBare>> | undefined;
  const results: BenchResult[] = [];
  try {
    await sys.connect();
    const api = async (method: string, p: string, body?: unknown, token?: string) => {
      const r = await fetch(kernel.url + p, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = (await r.json()) as any;
      if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(json)}`);
      return json;
    };
    const s = await api('POST', '/api/auth/signup', { tenantName: 'Bench', email: 'owner@bench.test', password: 'bench-password' });
    const token: string = s.accessToken;
    const tenantId: string = s.tenant.id;
    for (const id of ['messaging', 'messaging-whatsapp', 'messaging-telegram', 'bench-inbox']) await api('POST', `/api/plugins/${id}/enable`, {}, token);
    await api('PUT', '/api/plugins/messaging/settings', { settings: { publicBaseUrl: kernel.url } }, token);
    const number = cloud.addNumber({ name: 'Bench shop' });
    const wa = await api('POST', '/api/messaging/accounts', {
      adapter: 'whatsapp', channel: 'whatsapp', name: 'Bench WhatsApp',
      config: { provider: 'cloud', phoneNumberId: number.id, verifyToken: 'bench-verify-token', apiBaseUrl: cloud.baseUrl },
      secrets: { accessToken: number.token, appSecret: number.appSecret },
    }, token);
    const bot = tg.createBot({ username: 'bench_bot' });
    // the anchor sends through a bot of its own: Telegram's per-chat limit is per bot, and the two must not eat each other's
    const bareBot = tg.createBot({ username: 'bench_bare_bot' });
    const tgAccount = await api('POST', '/api/messaging/accounts', { adapter: 'telegram', channel: 'telegram', name: 'Bench bot', config: { apiBaseUrl: tg.baseUrl }, secrets: { botToken: bot.token } }, token);

    // the anchor's tables, as the owner; it works as the request role
    const appRole = decodeURIComponent(new URL(kernel.databaseUrls.app).username);
    await sys.query(SCHEMA(appRole));
    bare = await startMessagingBare({ appUrl: kernel.databaseUrls.app, poolMax: kernel.config.database.poolMax, secret: kernel.config.auth.jwtSecret!, appSecret: number.appSecret, telegramApi: tg.baseUrl, botToken: bareBot.token });
    const bareUrl = bare.url;

    // ── inbound ──────────────────────────────────────────────────────────────────────────────
    let plans = 0;
    /** `n` fresh customer messages, each once plus a share twice, shuffled and signed. */
    const plan = (n: number): Delivery[] => {
      const tag = `${++plans}`;
      const bodies = Array.from({ length: n }, (_, i) => {
        const from = String(77010000000 + ((i * 7919) % SENDERS));
        const msg = { from, id: `wamid.bench${tag}.${i}.${crypto.randomBytes(6).toString('hex')}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: `Здравствуйте! Заказ ${tag}-${i}` } };
        return JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
          messaging_product: 'whatsapp', metadata: { display_phone_number: number.display.replace(/\D/g, ''), phone_number_id: number.id },
          contacts: [{ profile: { name: `Клиент ${from.slice(-3)}` }, wa_id: from }], messages: [msg] } }] }] });
      });
      const order = bodies.map((_, i) => i);
      for (let i = 0; i < n; i++) if (Math.random() < DUP_RATE) order.push(i);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      return order.map((i) => ({ body: bodies[i]!, signature: hubSignature(bodies[i]!, number.appSecret) }));
    };
    const redisPort = new URL(env.redisUrl).port;
    type Window = { perSecond: number; latencies: number[]; non200: number; duplicatesAnswered: number; cpuMs: number; redisMs: number; ownMs: number; n: number };
    /** Sends `n` fresh webhooks (+ duplicates) to `url`; done when `dispatched()` has grown by n. */
    const inboundWindow = async (url: string, n: number, dispatched: () => Promise<number>, ownCpu: () => Promise<number>): Promise<Window> => {
      const deliveries = plan(n);
      const before = await dispatched();
      const cpu0 = { own: await ownCpu(), servers: serverCpuMs(env.dir, redisPort), redis: serverCpuMs(env.dir, redisPort, 'redis') };
      let markStarted!: () => void;
      const started = new Promise<void>((res) => (markStarted = res));
      const sending = sendFromChild({ url, concurrency: CONCURRENCY, deadlineMs: DEADLINE_MS, deliveries }, () => markStarted());
      await Promise.race([started, sending]);
      const t0 = Date.now();
      while (Date.now() - t0 < DEADLINE_MS + 10_000 && (await dispatched()) - before < n) await new Promise((r) => setTimeout(r, 20));
      const tDone = Date.now();
      const sent = await sending;
      const ownMs = (await ownCpu()) - cpu0.own;
      const cpuMs = ownMs + serverCpuMs(env.dir, redisPort) - cpu0.servers;
      const redisMs = serverCpuMs(env.dir, redisPort, 'redis') - cpu0.redis;
      const got = (await dispatched()) - before;
      const non200 = sent.statuses.filter(([st]) => st !== 200).reduce((a, [, c]) => a + c, 0);
      if (got < n || non200) console.error(`[messaging] ${url}: ${got} of ${n} dispatched; answers by status ${JSON.stringify(sent.statuses)}`);
      return { perSecond: got / ((tDone - sent.startedAt) / 1000), latencies: sent.latencies, non200, duplicatesAnswered: sent.duplicatesAnswered, cpuMs, redisMs, ownMs, n: got };
    };
    const kernelCpu = async () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
    const sides = {
      bare: () => inboundWindow(`${bareUrl}/inbound/${tenantId}/${wa.id}`, WEBHOOKS, async () => (await bare!.dispatched()).count, () => bare!.cpuMs()),
      atrium: () => inboundWindow(wa.webhookUrl, WEBHOOKS, async () => received.count, kernelCpu),
    };
    // warm-up (JIT, pools, plans), then planner statistics as autovacuum keeps them, then A B B A
    await inboundWindow(`${bareUrl}/inbound/${tenantId}/${wa.id}`, 300, async () => (await bare!.dispatched()).count, () => bare!.cpuMs());
    await inboundWindow(wa.webhookUrl, 300, async () => received.count, kernelCpu);
    await sys.query('analyze');
    const windows: Record<'bare' | 'atrium', Window[]> = { bare: [], atrium: [] };
    for (const side of ['bare', 'atrium', 'atrium', 'bare'] as const) windows[side].push(await sides[side]());
    const total = (ws: Window[]) => {
      const n = ws.reduce((a, w) => a + w.n, 0);
      return {
        perSecond: n / ws.reduce((a, w) => a + w.n / w.perSecond, 0), n,
        ackP95: percentile(ws.flatMap((w) => w.latencies).sort((x, y) => x - y), 95),
        non200: ws.reduce((a, w) => a + w.non200, 0), cpuPerWebhook: ws.reduce((a, w) => a + w.cpuMs, 0) / Math.max(1, n),
        // the same CPU split: the server process, PostgreSQL, Redis
        cpuSplit: (['ownMs', 'redisMs'] as const).map((k) => ws.reduce((a, w) => a + w[k], 0) / Math.max(1, n)),
      };
    };
    const [bIn, aIn] = [total(windows.bare), total(windows.atrium)];
    const uniqueSent = 300 + 2 * WEBHOOKS;
    const [{ n: storedIn }] = (await sys.query(`select count(*)::int as n from messaging.message where tenant_id = $1 and account_id = $2 and direction = 'in'`, [tenantId, wa.id])).rows;
    const bareDispatch = await bare.dispatched();
    results.push({ metric: 'bare.messaging.inbound', value: round(bIn.perSecond, 1), unit: 'webhooks/s' });
    results.push({ metric: 'bare.messaging.inbound.ack_p95', value: round(bIn.ackP95, 1), unit: 'ms' });
    results.push({ metric: 'bare.messaging.inbound.cpu_per_webhook', value: round(bIn.cpuPerWebhook, 3), unit: 'ms' });
    results.push({ metric: 'messaging.inbound.throughput', value: round(aIn.perSecond, 1), unit: 'webhooks/s', anchor: 'bare.messaging.inbound', anchorValue: round(bIn.perSecond, 1) });
    results.push({ metric: 'messaging.inbound.throughput.goal', value: round(aIn.perSecond, 1), unit: 'webhooks/s', anchor: 'goal (issue 15): ≥ 500 webhooks/s', anchorValue: 500 });
    results.push({ metric: 'messaging.inbound.ack_p95', value: round(aIn.ackP95, 1), unit: 'ms', anchor: 'bare.messaging.inbound.ack_p95', anchorValue: round(bIn.ackP95, 1) });
    // CPU of the server process + PostgreSQL + Redis per webhook (in the platform's process: also the fakes, idle here); ratio bare / platform
    results.push({ metric: 'messaging.inbound.cpu_per_webhook', value: round(aIn.cpuPerWebhook, 3), unit: 'ms', anchor: 'bare.messaging.inbound.cpu_per_webhook', anchorValue: round(bIn.cpuPerWebhook, 3), ratio: round(bIn.cpuPerWebhook / aIn.cpuPerWebhook, 3) });
    // the CPU per webhook split: the server process (in the platform's: also the idle fakes), PostgreSQL, Redis
    const split = (t: typeof aIn) => ({ process: t.cpuSplit[0]!, postgres: t.cpuPerWebhook - t.cpuSplit[0]! - t.cpuSplit[1]!, redis: t.cpuSplit[1]! });
    const [bSplit, aSplit] = [split(bIn), split(aIn)];
    for (const part of ['process', 'postgres', 'redis'] as const) {
      results.push({ metric: `bare.messaging.inbound.cpu_per_webhook.${part}`, value: round(bSplit[part], 3), unit: 'ms' });
      results.push({ metric: `messaging.inbound.cpu_per_webhook.${part}`, value: round(aSplit[part], 3), unit: 'ms', anchor: `bare.messaging.inbound.cpu_per_webhook.${part}`, anchorValue: round(bSplit[part], 3) });
    }
    // duplicates: messages stored beyond the unique ones, and deliveries to the subscriber beyond one per message
    results.push({ metric: 'messaging.inbound.duplicates', value: Math.max(0, storedIn - uniqueSent) + received.duplicates, unit: 'count', anchor: 'must be 0', anchorValue: 0 });
    results.push({ metric: 'messaging.inbound.duplicates_delivered', value: windows.atrium.reduce((a, w) => a + w.duplicatesAnswered, 0), unit: 'deliveries' });
    results.push({ metric: 'messaging.inbound.non_200', value: aIn.non200, unit: 'responses', anchor: 'bare.messaging.inbound.non_200', anchorValue: bIn.non200 });
    results.push({ metric: 'bare.messaging.inbound.duplicates', value: bareDispatch.duplicates, unit: 'count' });

    // ── send latency ─────────────────────────────────────────────────────────────────────────
    // CHATS people write to the bot first (the fake delivers to the webhook), so there are conversations
    const users = Array.from({ length: CHATS }, (_, i) => tg.user({ id: 600_000_000 + i, first_name: `Гость ${i}` }));
    for (const u of users) {
      tg.userSends(bot, u, { text: '/start' });
      tg.userSends(bareBot, u, { text: '/start' });
    }
    const convs = await (async () => {
      for (const t0 = Date.now(); Date.now() - t0 < 30_000; await new Promise((r) => setTimeout(r, 50))) {
        const rows = (await sys.query(`select c.id, c.contact_id, i.value from messaging.conversation c join messaging.identity i on i.tenant_id = c.tenant_id and i.id = c.identity_id
          where c.tenant_id = $1 and c.account_id = $2`, [tenantId, tgAccount.id])).rows as { id: string; contact_id: string; value: string }[];
        if (rows.length >= CHATS) return rows;
      }
      throw new Error('the Telegram conversations did not arrive');
    })();
    // the same conversations in the anchor's tables
    await sys.query(
      `with src as (select gen_random_uuid() as contact, gen_random_uuid() as identity, c.id as conv, c.value from unnest($3::uuid[], $4::text[]) as c(id, value)),
         ct as (insert into bare_messaging.contact (tenant_id, id, name) select $1, contact, 'Гость' from src),
         it as (insert into bare_messaging.identity (tenant_id, id, kind, value, contact_id) select $1, identity, 'telegram', value, contact from src)
       insert into bare_messaging.conversation (tenant_id, id, account_id, contact_id) select $1, conv, $2, contact from src`,
      [tenantId, tgAccount.id, convs.map((c) => c.id), convs.map((c) => c.value)],
    );
    /** Open loop at SEND_RATE over the chats; each send's time from the request to the fake's sendMessage. */
    const latencyWindow = async (side: 'bare' | 'atrium', n: number): Promise<{ latencies: number[]; lost: number; errors: number }> => {
      const startedAt = new Map<string, number>();
      let errors = 0;
      const requests: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        const conv = convs[i % convs.length]!;
        const text = `Ваш заказ готов ${side} ${i} ${crypto.randomBytes(4).toString('hex')}`;
        startedAt.set(text, Date.now());
        const req = side === 'atrium'
          ? fetch(`${kernel.url}/api/messaging/conversations/${conv.id}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ text }) })
          : fetch(`${bareUrl}/send`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ conversationId: conv.id, text }) });
        requests.push(req.then(async (r) => { if (r.status !== 201) { errors++; console.error(`[messaging] ${side} send: ${r.status} ${await r.text()}`); } }));
        await new Promise((r) => setTimeout(r, 1000 / SEND_RATE));
      }
      await Promise.all(requests);
      const arrived = new Map<string, number>();
      for (const t0 = Date.now(); Date.now() - t0 < 30_000; await new Promise((r) => setTimeout(r, 50))) {
        for (const c of tg.calls) if (c.method === 'sendMessage' && startedAt.has(String(c.params.text)) && !arrived.has(String(c.params.text))) arrived.set(String(c.params.text), c.at);
        if (arrived.size >= n - errors) break;
      }
      const latencies = [...arrived].map(([text, at]) => at - startedAt.get(text)!).sort((x, y) => x - y);
      return { latencies, lost: n - errors - arrived.size, errors };
    };
    await latencyWindow('bare', 20);
    await latencyWindow('atrium', 20);
    const lat = { bare: [] as number[], atrium: [] as number[] };
    const lost = { bare: 0, atrium: 0 };
    const sendErrors = { bare: 0, atrium: 0 };
    for (const side of ['bare', 'atrium', 'atrium', 'bare'] as const) {
      const w = await latencyWindow(side, Math.ceil(SENDS / 2));
      lat[side].push(...w.latencies);
      lost[side] += w.lost;
      sendErrors[side] += w.errors;
    }
    for (const l of Object.values(lat)) l.sort((x, y) => x - y);
    results.push({ metric: 'bare.messaging.send.latency.p50', value: round(percentile(lat.bare, 50), 1), unit: 'ms' });
    results.push({ metric: 'bare.messaging.send.latency.p95', value: round(percentile(lat.bare, 95), 1), unit: 'ms' });
    results.push({ metric: 'messaging.send.latency.p50', value: round(percentile(lat.atrium, 50), 1), unit: 'ms', anchor: 'bare.messaging.send.latency.p50', anchorValue: round(percentile(lat.bare, 50), 1) });
    results.push({ metric: 'messaging.send.latency.p95', value: round(percentile(lat.atrium, 95), 1), unit: 'ms', anchor: 'bare.messaging.send.latency.p95', anchorValue: round(percentile(lat.bare, 95), 1) });
    results.push({ metric: 'messaging.send.latency.goal', value: round(percentile(lat.atrium, 95), 1), unit: 'ms', anchor: 'goal (issue 15): p95 ≤ 50 ms', anchorValue: 50 });
    results.push({ metric: 'messaging.send.lost', value: lost.atrium, unit: 'count', anchor: 'must be 0', anchorValue: 0 });
    results.push({ metric: 'messaging.send.errors', value: sendErrors.atrium, unit: 'count', anchor: 'bare.messaging.send.errors (answers not 201, and sends that never arrived)', anchorValue: sendErrors.bare + lost.bare });
    return results;
  } finally {
    await sys.end().catch(() => {});
    await bare?.stop();
    await kernel.stop();
    await env.stop();
    await cloud.close();
    await tg.close();
  }
}

// the sender process of sendFromChild prints one line; run on its own, the bench prints its metrics
if (process.argv[2] === '--send') {
  runAsScript(import.meta.url, () => sendWebhooks(JSON.parse(fs.readFileSync(process.argv[3]!, 'utf8')) as SendArgs), (r) => process.stdout.write(`${JSON.stringify(r)}\n`));
} else {
  runAsScript(import.meta.url, () => run(), (out) => {
    for (const r of out as BenchResult[]) console.log(JSON.stringify(r));
  });
}
