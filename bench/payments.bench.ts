/**
 * payments.webhook.throughput — verified Stripe webhooks processed per second, end to end:
 * HTTP ingress → signature check in the provider plugin → (tenant, provider, event id) stored once
 * → outbox → subscriber → intent `captured` (transition + succeeded event). A share of the
 * deliveries are duplicates (Stripe is at-least-once); they must have no effect.
 *
 * Standalone: boots its own embedded PostgreSQL + Redis through the SDK test kit (or uses
 * ATRIUM_TEST_PG_URL / ATRIUM_TEST_REDIS_URL). Bounded to about a minute.
 */
import crypto from 'node:crypto';
import pg from 'pg';
import { createTestKernel } from '@atrium/sdk/testing';
import payments from '@atrium/plugin-payments';
import stripe, { signStripePayload } from '@atrium/plugin-payments-stripe';
import { FakeStripeServer } from '@atrium/plugin-payments-stripe/testing';

type Metric = { metric: string; value: number; unit: string; anchor?: string; anchorValue?: number };

const N = Number(process.env.BENCH_PAYMENTS_EVENTS ?? 3000);
const DUP_RATE = 0.2;
const CONCURRENCY = Number(process.env.BENCH_PAYMENTS_CONCURRENCY ?? 16);
const DEADLINE_MS = 50_000;

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0;
}

export default async function run(): Promise<Metric[]> {
  const whsec = `whsec_bench_${crypto.randomBytes(8).toString('hex')}`;
  const fake = await FakeStripeServer.start();
  const tk = await createTestKernel({
    plugins: [payments, stripe],
    tenants: [{ name: 'Bench', owner: 'owner@bench.test', enable: ['payments'] }],
    // every webhook holds two pooled connections (the core's transaction + the provider's), see README
    config: { database: { poolMax: 80 } },
  });
  const sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  try {
    await sys.connect();
    const owner = await tk.as('owner@bench.test');
    const tenantId = owner.tenantId;
    for (const [plugin, settings] of [
      ['payments', { publicBaseUrl: tk.url, defaultProvider: 'stripe' }],
      ['payments-stripe', { apiBaseUrl: fake.baseUrl, secretKey: fake.secretKey, webhookSecrets: [whsec] }],
    ] as const) {
      const r = await owner.put(`/api/plugins/${plugin}/settings`, { settings });
      if (r.status !== 200) throw new Error(`settings ${plugin}: ${r.status} ${JSON.stringify(r.body)}`);
    }
    const en = await owner.post('/api/plugins/payments-stripe/enable');
    if (en.status !== 200) throw new Error(`enable: ${en.status}`);

    // N open intents (as if created through the API), one succeeded event each
    const ids = Array.from({ length: N }, () => crypto.randomUUID());
    for (let i = 0; i < N; i += 500) {
      const chunk = ids.slice(i, i + 500);
      await sys.query(
        `insert into payments.intent (id, tenant_id, provider, status, amount, currency, provider_payment_id, provider_data, expires_at, next_poll_at)
         select id, $1, 'stripe', 'pending', 1000, 'USD', 'cs_bench_' || replace(id::text, '-', ''), '{"pollIntervalMs":600000}', now() + interval '1 hour', now() + interval '1 hour'
         from unnest($2::uuid[]) as id`,
        [tenantId, chunk],
      );
    }
    const now = Math.floor(Date.now() / 1000);
    const bodies = ids.map((id, i) =>
      JSON.stringify({
        id: `evt_bench_${i}_${id.slice(0, 8)}`, object: 'event', type: 'payment_intent.succeeded', api_version: '2025-01-27', created: now, livemode: false,
        data: { object: { id: `pi_bench_${i}`, object: 'payment_intent', amount: 1000, amount_received: 1000, currency: 'usd', status: 'succeeded', metadata: { atrium_intent_id: id, atrium_tenant_id: tenantId } } },
      }, null, 2));
    const deliveries: number[] = bodies.map((_, i) => i);
    for (let i = 0; i < N; i++) if (Math.random() < DUP_RATE) deliveries.push(i);
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    const url = `${tk.url}/api/payments/webhooks/stripe/${tenantId}`;
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let acked = 0;
    let storedDuplicates = 0;
    let next = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (next < deliveries.length && performance.now() - t0 < DEADLINE_MS) {
        const body = bodies[deliveries[next++]!]!;
        const started = performance.now();
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload({ rawBody: body, secrets: [whsec] }) }, body });
        const out = (await res.json()) as { stored?: number; duplicates?: number };
        latencies.push(performance.now() - started);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) acked++;
        storedDuplicates += out.duplicates ?? 0;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const tIngress = performance.now();
    let captured = 0;
    while (performance.now() - t0 < DEADLINE_MS + 10_000) {
      captured = (await sys.query(`select count(*)::int as n from payments.intent where tenant_id = $1 and status = 'captured'`, [tenantId])).rows[0].n;
      if (captured >= N) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const tDone = performance.now();
    const seconds = (tDone - t0) / 1000;
    const effects = await sys.query(
      `select
         (select count(*)::int from payments.transition where tenant_id = $1 and to_status = 'captured') as transitions,
         (select count(*)::int from kernel.outbox where tenant_id = $1 and name = 'payments.intent.succeeded.v1') as events,
         (select count(*)::int from payments.webhook_event where tenant_id = $1) as stored`,
      [tenantId],
    );
    const e = effects.rows[0];
    const duplicateEffects = Math.max(0, e.transitions - captured) + Math.max(0, e.events - captured) + Math.max(0, e.stored - N);
    latencies.sort((a, b) => a - b);
    const non200 = [...statuses.entries()].filter(([s]) => s !== 200).reduce((a, [, n]) => a + n, 0);
    return [
      { metric: 'payments.webhook.throughput', value: Math.round((captured / seconds) * 10) / 10, unit: 'webhooks/s', anchor: 'goal: ≥ 500 verified webhooks processed per second', anchorValue: 500 },
      { metric: 'payments.webhook.ingress', value: Math.round((acked / ((tIngress - t0) / 1000)) * 10) / 10, unit: 'acks/s' },
      { metric: 'payments.webhook.ack_p50', value: Math.round(pct(latencies, 50) * 100) / 100, unit: 'ms' },
      { metric: 'payments.webhook.ack_p99', value: Math.round(pct(latencies, 99) * 100) / 100, unit: 'ms' },
      { metric: 'payments.webhook.processed', value: captured, unit: 'intents', anchorValue: N },
      { metric: 'payments.webhook.duplicates_delivered', value: deliveries.length - N, unit: 'deliveries' },
      { metric: 'payments.webhook.duplicates_acknowledged_without_effect', value: storedDuplicates, unit: 'deliveries' },
      { metric: 'payments.webhook.duplicate_effects', value: duplicateEffects, unit: 'count', anchor: 'must be 0', anchorValue: 0 },
      { metric: 'payments.webhook.non_200', value: non200, unit: 'responses', anchorValue: 0 },
    ];
  } finally {
    await sys.end().catch(() => {});
    await tk.stop();
    await fake.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((m) => {
    console.log(JSON.stringify(m, null, 2));
    process.exit(0);
  }, (e) => {
    console.error(e);
    process.exit(1);
  });
}
