/**
 * Tenants: how long a new one takes, and whether many of them slow everyone down.
 *
 *   tenant.provision(.p95)        sign-up → enable notes → first note created, through the API, one
 *                                 tenant after another (30 of them); anchor: a bare PostgreSQL
 *                                 transaction (BEGIN; SELECT 1; COMMIT) on the same server
 *   tenant.scale.read.p95.ratio   p95 of GET /api/notes/notes?limit=20 with 1,000 tenants that each
 *                                 enabled 3 plugins (notes, pos, payments) and hold 20 notes, the
 *                                 requests spread over all of them (each tenant's own token), ÷ the
 *                                 same load with one tenant on the platform (goal ≤ 1.2)
 *
 * Every tenant is made the way a user makes one: sign-up and plugin enabling through the HTTP API
 * (the notes beyond the first are inserted directly: their writes are measured elsewhere). The
 * bench kernel signs up at once (auth.signupConfirmation 'immediate', bench-env.ts): the time a
 * person takes to open the confirmation e-mail is not the platform's. The
 * reads come from a closed-loop generator in its own process (http-load.ts), 8 connections.
 *
 * Knobs: BENCH_TENANTS (default 1000), BENCH_TENANT_SECONDS (per read measurement, default 8).
 */
import crypto from 'node:crypto';
import pg from 'pg';
import notes from '../plugins/notes/src/index.ts';
import pos from '../plugins/pos/src/index.ts';
import payments from '../plugins/payments/src/index.ts';
import { percentile, round, runAsScript, runChild, startBenchEnv, startBenchKernel, type BenchResult } from './bench-env.ts';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const SECONDS = Number(process.env.BENCH_TENANT_SECONDS ?? 8);
const TIMED = 30;
const NOTES = 20;
const PLUGINS = ['notes', 'pos', 'payments'];

type ReadLoad = { count: number; errors: number; latencies: number[] };

export default async function run(): Promise<BenchResult[]> {
  const env = await startBenchEnv();
  const results: BenchResult[] = [];
  const kernel = await startBenchKernel(env, [notes, pos, payments]);
  const sys = new pg.Client({ connectionString: env.pgUrl.replace(/\/[^/?]*(\?|$)/, '/atrium_bench$1') });
  try {
    await sys.connect();
    const post = async (p: string, body: unknown, token?: string) => {
      const r = await fetch(kernel.url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      const json = (await r.json()) as any;
      if (r.status >= 300) throw new Error(`POST ${p}: ${r.status} ${JSON.stringify(json)}`);
      return json;
    };
    /** A tenant as its owner makes it; resolves when its first note exists (what tenant.provision times), then the rest. */
    const provision = async (i: number): Promise<{ token: string; ms: number }> => {
      const t = performance.now();
      const s = await post('/api/auth/signup', { tenantName: `Tenant ${i}`, email: `owner${i}-${crypto.randomUUID().slice(0, 8)}@bench.test`, password: 'tenant-password' });
      await post('/api/plugins/notes/enable', {}, s.accessToken);
      const first = await post('/api/notes/notes', { title: 'first' }, s.accessToken);
      const ms = performance.now() - t;
      for (const p of PLUGINS.slice(1)) await post(`/api/plugins/${p}/enable`, {}, s.accessToken);
      await sys.query(
        `insert into notes.note (id, tenant_id, title, body, author_id) select gen_random_uuid(), tenant_id, 'note ' || g, repeat('x', 200), author_id
         from notes.note, generate_series(2, $2) g where id = $1`,
        [first.id, NOTES],
      );
      return { token: s.accessToken, ms };
    };
    const read = (tokens: string[]) => runChild<ReadLoad>('http-load.ts', { url: `${kernel.url}/api/notes/notes?limit=20`, tokens, concurrency: 8, seconds: SECONDS });

    const tx: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = performance.now();
      await sys.query('begin');
      await sys.query('select 1');
      await sys.query('commit');
      tx.push(performance.now() - t);
    }
    tx.sort((a, b) => a - b);

    // one tenant on the platform
    const tokens = [(await provision(0)).token];
    await sys.query('analyze');
    await read(tokens.slice(0, 1)); // warm-up
    const one = await read(tokens.slice(0, 1));

    // provisioning, one tenant at a time, then the rest four at a time
    const prov: number[] = [];
    for (let i = 1; i <= TIMED && i < TENANTS; i++) {
      const p = await provision(i);
      tokens.push(p.token);
      prov.push(p.ms);
    }
    prov.sort((a, b) => a - b);
    let n = tokens.length;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (n < TENANTS) tokens.push((await provision(n++)).token);
    }));
    await sys.query('analyze');

    // the same load spread over every tenant, then one tenant again with the others present
    await read(tokens);
    const many = await read(tokens);
    const oneAfter = await read(tokens.slice(0, 1));

    results.push({ metric: 'tenant.provision', value: round(percentile(prov, 50), 1), unit: 'ms', anchor: 'pg.transaction', anchorValue: round(percentile(tx, 50), 3) });
    results.push({ metric: 'tenant.provision.p95', value: round(percentile(prov, 95), 1), unit: 'ms', anchor: 'goal (issue 25): ≤ 300 ms', anchorValue: 300 });
    const p95 = (l: ReadLoad) => percentile(l.latencies, 95);
    results.push({ metric: 'tenant.scale.read.one.p95', value: round(p95(one), 2), unit: 'ms' });
    results.push({ metric: 'tenant.scale.read.p95', value: round(p95(many), 2), unit: 'ms', anchor: 'tenant.scale.read.one.p95', anchorValue: round(p95(one), 2) });
    results.push({ metric: 'tenant.scale.read.p95.ratio', value: round(p95(many) / p95(one), 3), unit: '×', anchor: `tenant.scale.read.one.p95 (${TENANTS} tenants ÷ 1)`, ratio: round(p95(many) / p95(one), 3) });
    results.push({ metric: 'tenant.scale.read.one_after.p95', value: round(p95(oneAfter), 2), unit: 'ms', anchor: 'tenant.scale.read.one.p95', anchorValue: round(p95(one), 2) });
    results.push({ metric: 'tenant.scale.read.throughput', value: round(many.count / SECONDS, 1), unit: 'req/s', anchor: 'tenant.scale.read.one.throughput', anchorValue: round(one.count / SECONDS, 1) });
    results.push({ metric: 'tenant.scale.tenants', value: tokens.length, unit: 'tenants' });
    if (one.errors + many.errors + oneAfter.errors) results.push({ metric: 'tenant.scale.read.errors', value: one.errors + many.errors + oneAfter.errors, unit: 'count' });
  } finally {
    await sys.end().catch(() => {});
    await kernel.stop();
    await env.stop();
  }
  return results;
}

runAsScript(import.meta.url, run, (out) => {
  for (const r of out as BenchResult[]) console.log(JSON.stringify(r));
});
