/**
 * payments.webhook.throughput — verified Stripe webhooks processed per second, end to end:
 * HTTP ingress → signature check in the provider plugin → (tenant, provider, event id) stored once
 * → outbox → subscriber → intent `captured` (transition + succeeded event). A share of the
 * deliveries are duplicates (Stripe is at-least-once); they must have no effect.
 *
 * Standalone: boots its own embedded PostgreSQL + Redis (bench-env, like the POS benches). A short
 * warm-up on intents of its own (JIT, pools, prepared statements) runs before the measured burst.
 * The deliveries are signed beforehand and sent by a child process (this file with `--send`), as
 * Stripe sends from elsewhere: the load generator does not share the kernel's event loop (the POS
 * bench does the same). Bounded to about a minute.
 *
 * Diagnosis switches (off by default):
 *   BENCH_PG_STATS=1              pg_stat_statements of the measured burst, to stderr
 *   BENCH_PAYMENTS_PROFILE=<file> a CPU profile (.cpuprofile) of the process during the burst
 *   BENCH_PAYMENTS_SENDER=fetch   the sender posts with undici's fetch (the earlier sender) instead of http.request
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { runAsScript, serverCpuMs, type BenchResult } from './bench-env.ts';

const N = Number(process.env.BENCH_PAYMENTS_EVENTS ?? 3000);
const WARMUP = Number(process.env.BENCH_PAYMENTS_WARMUP ?? 400);
const DUP_RATE = 0.2;
const CONCURRENCY = Number(process.env.BENCH_PAYMENTS_CONCURRENCY ?? 16);
const DEADLINE_MS = 50_000;

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

type Burst = { seconds: number; ingressSeconds: number; captured: number; acked: number; storedDuplicates: number; latencies: number[]; statuses: Map<number, number>; delivered: number; senderCpuMs: number };
/** What the sender process gets (through a file) and answers (its last stdout line). */
type SendArgs = { url: string; concurrency: number; deadlineMs: number; deliveries: { body: string; signature: string }[]; fetch?: boolean };
type SendResult = { startedAt: number; endedAt: number; acked: number; storedDuplicates: number; latencies: number[]; statuses: [number, number][]; cpuMs: number };

/**
 * The sender: `concurrency` loops posting the pre-signed deliveries in order over keep-alive
 * connections (one per loop); prints `started` when it begins. `http.request` on an Agent, not
 * `fetch`: it shares the two cores with the system under test, and undici's fetch cost several
 * times more CPU per request. Reports its own CPU time.
 */
async function send(args: SendArgs): Promise<SendResult> {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let acked = 0;
  let storedDuplicates = 0;
  let next = 0;
  const url = new URL(args.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: args.concurrency });
  const viaFetch = async (d: { body: string; signature: string }) => {
    const res = await fetch(args.url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': d.signature }, body: d.body });
    return { status: res.status, text: await res.text() };
  };
  const post = args.fetch ? viaFetch : (d: { body: string; signature: string }) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const body = Buffer.from(d.body, 'utf8');
      const req = http.request({
        agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': body.length, 'stripe-signature': d.signature },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const cpu0 = process.cpuUsage();
  const startedAt = Date.now();
  process.stdout.write('started\n');
  const worker = async () => {
    while (next < args.deliveries.length && Date.now() - startedAt < args.deadlineMs) {
      const d = args.deliveries[next++]!;
      const t = performance.now();
      const res = await post(d);
      const out = JSON.parse(res.text) as { stored?: number; duplicates?: number };
      latencies.push(performance.now() - t);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) acked++;
      storedDuplicates += out.duplicates ?? 0;
    }
  };
  await Promise.all(Array.from({ length: args.concurrency }, worker));
  const endedAt = Date.now();
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return { startedAt, endedAt, acked, storedDuplicates, latencies, statuses: [...statuses], cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** Writes what the sender needs to a file of its own (before the measured window). */
function senderFile(args: SendArgs): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-payments-bench-')), 'deliveries.json');
  fs.writeFileSync(file, JSON.stringify(args));
  return file;
}

/** Runs the sender in a child process on a file from senderFile; `onStarted` fires when it sends its first request. */
function sendFromChild(file: string, onStarted: () => void): Promise<SendResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [import.meta.filename, '--send', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes('started\n')) onStarted();
    });
    p.on('exit', (code) => {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
      if (code === 0) resolve(JSON.parse(out.trim().split('\n').pop()!));
      else reject(new Error(`webhook sender exited ${code}`));
    });
  });
}

export default async function run(): Promise<BenchResult[]> {
  const pg = (await import('pg')).default;
  const { default: payments } = await import('@atrium/plugin-payments');
  const { default: stripe, signStripePayload } = await import('@atrium/plugin-payments-stripe');
  const { FakeStripeServer } = await import('@atrium/plugin-payments-stripe/testing');
  const { round, startBenchEnv, startBenchKernel } = await import('./bench-env.ts');
  const whsec = `whsec_bench_${crypto.randomBytes(8).toString('hex')}`;
  const fake = await FakeStripeServer.start();
  const env = await startBenchEnv();
  const kernel = await startBenchKernel(env, [payments, stripe], { allow: { 'payments-stripe': [fake.baseUrl] } });
  const sys = new pg.Client({ connectionString: env.pgUrl.replace(/\/[^/]*$/, '/atrium_bench') });
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
    await api('POST', '/api/plugins/payments/enable', {}, token);
    await api('PUT', '/api/plugins/payments/settings', { settings: { publicBaseUrl: kernel.url, defaultProvider: 'stripe' } }, token);
    await api('PUT', '/api/plugins/payments-stripe/settings', { settings: { apiBaseUrl: fake.baseUrl, secretKey: fake.secretKey, webhookSecrets: [whsec] } }, token);
    await api('POST', '/api/plugins/payments-stripe/enable', {}, token);
    const url = `${kernel.url}/api/payments/webhooks/stripe/${tenantId}`;

    /** n open intents (as if created through the API) and one signed `payment_intent.succeeded` body each. */
    const prepare = async (n: number, tag: string) => {
      const ids = Array.from({ length: n }, () => crypto.randomUUID());
      for (let i = 0; i < n; i += 500) {
        await sys.query(
          `insert into payments.intent (id, tenant_id, provider, status, amount, currency, provider_payment_id, provider_data, expires_at, next_poll_at)
           select id, $1, 'stripe', 'pending', 1000, 'USD', 'cs_bench_' || replace(id::text, '-', ''), '{"pollIntervalMs":600000}', now() + interval '1 hour', now() + interval '1 hour'
           from unnest($2::uuid[]) as id`,
          [tenantId, ids.slice(i, i + 500)],
        );
      }
      const now = Math.floor(Date.now() / 1000);
      const bodies = ids.map((id, i) =>
        JSON.stringify({
          id: `evt_${tag}_${i}_${id.slice(0, 8)}`, object: 'event', type: 'payment_intent.succeeded', api_version: '2025-01-27', created: now, livemode: false,
          data: { object: { id: `pi_${tag}_${i}`, object: 'payment_intent', amount: 1000, amount_received: 1000, currency: 'usd', status: 'succeeded', metadata: { atrium_intent_id: id, atrium_tenant_id: tenantId } } },
        }, null, 2));
      return { ids, bodies };
    };

    const capturedNow = async (): Promise<number> =>
      // a cheap poll (index on tenant, status)
      (await sys.query(`select count(*)::int as n from payments.intent where tenant_id = $1 and status = 'captured'`, [tenantId])).rows[0].n;

    /**
     * Every body once plus a share of duplicates, shuffled, signed and written for the sender —
     * done before the measured window (the CPU of the kernel's process is measured around `burst`).
     */
    const plan = (ids: string[], bodies: string[]) => {
      const deliveries: number[] = bodies.map((_, i) => i);
      for (let i = 0; i < ids.length; i++) if (Math.random() < DUP_RATE) deliveries.push(i);
      for (let i = deliveries.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
      }
      // signed beforehand (Stripe's timestamp tolerance is 5 minutes; a burst takes well under one)
      const signed = deliveries.map((i) => ({ body: bodies[i]!, signature: signStripePayload({ rawBody: bodies[i]!, secrets: [whsec] }) }));
      const file = senderFile({ url, concurrency: CONCURRENCY, deadlineMs: DEADLINE_MS, deliveries: signed, fetch: process.env.BENCH_PAYMENTS_SENDER === 'fetch' });
      return { n: ids.length, delivered: deliveries.length, file };
    };

    /** Sends a plan from CONCURRENCY senders; waits until all n are captured. */
    const burst = async ({ n, delivered, file }: ReturnType<typeof plan>, capturedBefore: number): Promise<Burst> => {
      let markStarted!: () => void;
      const started = new Promise<void>((res) => (markStarted = res));
      const sending = sendFromChild(file, () => markStarted());
      await Promise.race([started, sending]);
      const t0 = Date.now();
      let captured = 0;
      // polled from this (the kernel's) process: a quarter of the time the rest should take at the rate
      // so far, 10…200 ms — a few dozen polls per burst instead of one every 20 ms, the end still within ~10 ms
      while (Date.now() - t0 < DEADLINE_MS + 10_000) {
        captured = (await capturedNow()) - capturedBefore;
        if (captured >= n) break;
        const elapsed = Date.now() - t0;
        const rest = captured > 0 ? ((n - captured) * elapsed) / captured : 800;
        await new Promise((r) => setTimeout(r, Math.min(200, Math.max(10, rest / 4))));
      }
      const tDone = Date.now();
      const sent = await sending;
      const latencies = sent.latencies.sort((a, b) => a - b);
      return {
        seconds: (tDone - sent.startedAt) / 1000, ingressSeconds: (sent.endedAt - sent.startedAt) / 1000, captured, acked: sent.acked,
        storedDuplicates: sent.storedDuplicates, latencies, statuses: new Map(sent.statuses), delivered, senderCpuMs: sent.cpuMs,
      };
    };

    if (WARMUP > 0) {
      const w = await prepare(WARMUP, 'warm');
      await burst(plan(w.ids, w.bodies), await capturedNow());
    }
    const { ids, bodies } = await prepare(N, 'bench');
    const measured = plan(ids, bodies);
    // planner statistics, as autovacuum keeps them on a live database
    await sys.query('analyze');
    if (process.env.BENCH_PG_STATS) { await sys.query('create extension if not exists pg_stat_statements'); await sys.query('select pg_stat_statements_reset()'); }
    const capturedBefore = await capturedNow();
    const inspector = process.env.BENCH_PAYMENTS_PROFILE ? new (await import('node:inspector/promises')).Session() : null;
    if (inspector) { inspector.connect(); await inspector.post('Profiler.enable'); await inspector.post('Profiler.start'); }
    const redisPort = new URL(env.redisUrl).port;
    const cpu0 = { node: process.cpuUsage(), servers: serverCpuMs(env.dir, redisPort), redis: serverCpuMs(env.dir, redisPort, 'redis') };
    const b = await burst(measured, capturedBefore);
    const nodeCpu = process.cpuUsage(cpu0.node);
    const cpuMs = { node: (nodeCpu.user + nodeCpu.system) / 1000, servers: serverCpuMs(env.dir, redisPort) - cpu0.servers, redis: serverCpuMs(env.dir, redisPort, 'redis') - cpu0.redis };
    if (inspector) {
      const { profile } = await inspector.post('Profiler.stop');
      fs.writeFileSync(process.env.BENCH_PAYMENTS_PROFILE!, JSON.stringify(profile));
      inspector.disconnect();
    }
    if (process.env.BENCH_PG_STATS) {
      const st = await sys.query(`select calls, round(total_exec_time::numeric, 0) as exec_ms, round(total_plan_time::numeric, 0) as plan_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as q
        from pg_stat_statements order by total_exec_time + total_plan_time desc limit 40`);
      console.error(st.rows.map((r) => `${r.calls}\t${r.exec_ms}\t${r.plan_ms}\t${r.rows}\t${r.q}`).join('\n'));
    }

    const effects = await sys.query(
      `select
         (select count(*)::int from payments.transition where intent_id = any($1::uuid[]) and to_status = 'captured') as transitions,
         (select count(*)::int from kernel.outbox where name = 'payments.intent.succeeded.v1' and payload->>'intentId' = any($2::text[])) as events,
         (select count(*)::int from payments.webhook_event where intent_id = any($1::uuid[])) as stored`,
      [ids, ids],
    );
    const e = effects.rows[0];
    const duplicateEffects = Math.max(0, e.transitions - b.captured) + Math.max(0, e.events - b.captured) + Math.max(0, e.stored - N);
    const non200 = [...b.statuses.entries()].filter(([st]) => st !== 200).reduce((a, [, n]) => a + n, 0);
    return [
      { metric: 'payments.webhook.throughput', value: round(b.captured / b.seconds, 1), unit: 'webhooks/s', anchor: 'goal: ≥ 500 verified webhooks processed per second', anchorValue: 500 },
      // CPU of the kernel process + PostgreSQL + Redis (not the sender) per processed webhook
      { metric: 'payments.webhook.cpu_per_webhook', value: round((cpuMs.node + cpuMs.servers) / Math.max(1, b.captured), 3), unit: 'ms' },
      { metric: 'payments.webhook.cpu_per_webhook.kernel', value: round(cpuMs.node / Math.max(1, b.captured), 3), unit: 'ms' },
      { metric: 'payments.webhook.cpu_per_webhook.postgres', value: round((cpuMs.servers - cpuMs.redis) / Math.max(1, b.captured), 3), unit: 'ms' },
      { metric: 'payments.webhook.cpu_per_webhook.redis', value: round(cpuMs.redis / Math.max(1, b.captured), 3), unit: 'ms' },
      // the load sender's own CPU (same machine, not part of the metric above)
      { metric: 'payments.webhook.cpu_per_webhook.sender', value: round(b.senderCpuMs / Math.max(1, b.captured), 3), unit: 'ms' },
      { metric: 'payments.webhook.ingress', value: round(b.acked / b.ingressSeconds, 1), unit: 'acks/s' },
      { metric: 'payments.webhook.ack_p50', value: round(pct(b.latencies, 50)), unit: 'ms' },
      { metric: 'payments.webhook.ack_p99', value: round(pct(b.latencies, 99)), unit: 'ms' },
      { metric: 'payments.webhook.processed', value: b.captured, unit: 'intents', anchorValue: N },
      { metric: 'payments.webhook.duplicates_delivered', value: b.delivered - N, unit: 'deliveries' },
      { metric: 'payments.webhook.duplicates_acknowledged_without_effect', value: b.storedDuplicates, unit: 'deliveries' },
      { metric: 'payments.webhook.duplicate_effects', value: duplicateEffects, unit: 'count', anchor: 'must be 0', anchorValue: 0 },
      { metric: 'payments.webhook.non_200', value: non200, unit: 'responses', anchorValue: 0 },
    ];
  } finally {
    await sys.end().catch(() => {});
    await kernel.stop();
    await env.stop();
    await fake.close();
  }
}

// the sender process of sendFromChild prints one line; run on its own, the bench prints its metrics
if (process.argv[2] === '--send') {
  runAsScript(import.meta.url, () => send(JSON.parse(fs.readFileSync(process.argv[3]!, 'utf8')) as SendArgs), (r) => process.stdout.write(`${JSON.stringify(r)}\n`));
} else {
  runAsScript(import.meta.url, () => run());
}
