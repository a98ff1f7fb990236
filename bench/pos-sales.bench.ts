/**
 * pos.sale.throughput — HTTP "create sale" (3 lines, card + cash, stock taken with guarded
 * updates, ledger rows, audit, outbox, Idempotency-Key) from 16 concurrent tills, each on its own
 * register, against a kernel with the POS plugin. Anchor: `bare.pos.sale`, the same sale's
 * statements and rows written by hand (bare-stack.ts: node:http + pg, same database role with RLS,
 * pool size, socket, registers and load generator), run alternately with the platform (A B B A) in
 * the same run (issue 25 goal: ratio ≥ 0.8, p95 ≤ 50 ms). pgbench TPC-B with 16 clients on the
 * same PostgreSQL is kept as an extra metric. The load runs in a child process. Also reports CPU
 * per sale (server process; PostgreSQL + Redis), which a busy machine disturbs far less than
 * sales per second.
 *
 * Knobs: BENCH_POS_TERMINALS, BENCH_POS_SECONDS (per window; each side gets two), BENCH_POOL (the kernel's pool size; default: the platform's, 2 × cores + 1 up to 20),
 * BENCH_POS_PRINT=1 (tills print receipts through the device bus: no printer is attached, so each
 * sale also records a device job that waits for one),
 * BENCH_POS_DIAG / BENCH_POS_PROFILE (below), and bench-env's BENCH_PG_* switches.
 */
import pg from 'pg';
import pos from '../plugins/pos/src/index.ts';
import { alternate, cpuMeter, percentile, pgbench, round, runChild, startBareStack, startBenchEnv, startBenchKernel, type BenchResult, type LoadRun } from './bench-env.ts';

const TERMINALS = Number(process.env.BENCH_POS_TERMINALS ?? 16);
const SECONDS = Number(process.env.BENCH_POS_SECONDS ?? 8);
const PRODUCTS = 500;

type SaleLoad = { count: number; errors: number; statuses: Record<string, number>; firstError: { status: number; body: string } | null; latencies: number[] };

const runLoad = (args: unknown) => runChild<SaleLoad>('pos-sale-load.ts', args);

export default async function run(): Promise<BenchResult[]> {
  const env = await startBenchEnv();
  const results: BenchResult[] = [];
  try {
    await pgbench(env, ['-i', '-q', '-s', '5', 'postgres']);
    const tpcb = await pgbench(env, ['-c', String(TERMINALS), '-j', '2', '-T', '8', '-n', 'postgres']);

    const kernel = await startBenchKernel(env, [pos]);
    let bare: Awaited<ReturnType<typeof startBareStack>> | undefined;
    const sys = new pg.Client({ connectionString: env.pgUrl.replace(/\/[^/]*$/, '/atrium_bench') });
    try {
      await sys.connect();
      const call = async (method: string, p: string, body?: unknown, token?: string) => {
        const r = await fetch(kernel.url + p, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
        const json = (await r.json()) as any;
        if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(json)}`);
        return json;
      };
      const s = await call('POST', '/api/auth/signup', { tenantName: 'Bench shop', email: 'pos@bench.test', password: 'bench-password' });
      const token = s.accessToken;
      const tenantId = s.tenant?.id ?? s.tenantId ?? JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).tid;
      await call('POST', '/api/plugins/pos/enable', {}, token);
      const store = await call('POST', '/api/pos/stores', { name: 'Bench store' }, token);
      // catalogue (100–590 tenge: whole coins, see pos-sale-load.ts) and opening stock written like an
      // import would: products + ledger + projection
      await sys.query(
        `insert into pos.product (tenant_id, id, sku, name, price, cost)
         select $1, gen_random_uuid(), 'B-' || i, 'Товар ' || i, (100 + (i % 50) * 10) * 100, 6000 from generate_series(1, $2) i`,
        [tenantId, PRODUCTS],
      );
      await sys.query(
        `with m as (insert into pos.stock_move (tenant_id, store_id, product_id, qty_milli, kind, ref_type, ref_id)
           select $1, $2, id, 100000000, 'receipt', 'bench', gen_random_uuid() from pos.product where tenant_id = $1 returning product_id, qty_milli)
         insert into pos.stock_level (tenant_id, store_id, product_id, on_hand_milli) select $1, $2, product_id, qty_milli from m`,
        [tenantId, store.storeId],
      );
      const products = (await sys.query('select id, price from pos.product where tenant_id = $1', [tenantId])).rows.map((r) => ({ id: r.id, price: Number(r.price) }));
      const registers: string[] = [];
      for (let i = 0; i < TERMINALS; i++) {
        // receipts off unless BENCH_POS_PRINT=1: the device bus has its own benchmark
        const reg = await call('POST', '/api/pos/registers', { storeId: store.storeId, name: `Till ${i + 1}`, printReceipts: process.env.BENCH_POS_PRINT === '1' }, token);
        await call('POST', '/api/pos/shifts', { registerId: reg.id, openingFloat: 0 }, token);
        registers.push(reg.id);
      }
      await runLoad({ url: kernel.url, token, registers, products, seconds: 3 }); // warm-up: JIT, pools, plans
      // Planner statistics, as autovacuum keeps them on a live database: without them, freshly
      // filled tables look empty and a lookup by id may walk a tenant's whole index instead.
      await sys.query('analyze');
      if (process.env.BENCH_PG_STATS) { await sys.query('create extension if not exists pg_stat_statements'); await sys.query('select pg_stat_statements_reset()'); }
      // BENCH_POS_DIAG=1: sample what the sale transactions wait on while the load runs
      const waits = new Map<string, number>();
      let sampling = !!process.env.BENCH_POS_DIAG;
      const sampler = (async () => {
        while (sampling) {
          const r = await sys.query(`select coalesce(wait_event_type || ':' || wait_event, 'cpu') || case when client_addr is null then ' unix' else ' tcp' end as w, state, left(query, 60) as q from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`);
          for (const row of r.rows) waits.set(`${row.w} ${row.state} ${row.q}`, (waits.get(`${row.w} ${row.state} ${row.q}`) ?? 0) + 1);
          await new Promise((res) => setTimeout(res, 100));
        }
      })();
      // BENCH_POS_PROFILE=<file>: CPU profiles of the kernel process during its measured windows (<file>.<n>.cpuprofile)
      const inspector = process.env.BENCH_POS_PROFILE ? new (await import('node:inspector/promises')).Session() : null;
      bare = await startBareStack(kernel);
      const bareUrl = bare.url;
      await runLoad({ url: bareUrl, token, registers, products, seconds: 3 });
      const loads: { bare: SaleLoad[]; atrium: SaleLoad[] } = { bare: [], atrium: [] };
      const asRun = (l: SaleLoad): LoadRun => ({ requests: l.count, seconds: SECONDS, p50: percentile(l.latencies, 50), p95: percentile(l.latencies, 95), p99: percentile(l.latencies, 99), non2xx: l.errors, errors: 0 });
      const meter = (own: () => Promise<number>) => async () => {
        const servers = cpuMeter(env);
        const start = await own();
        return async () => ({ processMs: (await own()) - start, serversMs: servers().serversMs });
      };
      const kernelCpu = async () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
      const ab = await alternate({
        a: { load: async () => { const l = await runLoad({ url: bareUrl, token, registers, products, seconds: SECONDS }); loads.bare.push(l); return asRun(l); }, cpu: meter(() => bare!.cpuMs()) },
        b: { load: async () => {
          if (inspector) { inspector.connect(); await inspector.post('Profiler.enable'); await inspector.post('Profiler.start'); }
          const l = await runLoad({ url: kernel.url, token, registers, products, seconds: SECONDS });
          if (inspector) {
            const { profile } = await inspector.post('Profiler.stop');
            (await import('node:fs')).writeFileSync(`${process.env.BENCH_POS_PROFILE}.${loads.atrium.length + 1}.cpuprofile`, JSON.stringify(profile));
            inspector.disconnect();
          }
          loads.atrium.push(l);
          return asRun(l);
        }, cpu: meter(kernelCpu) },
      });
      sampling = false;
      await sampler;
      if (process.env.BENCH_PG_STATS) {
        const st = await sys.query(`select calls, round(total_exec_time::numeric, 0) as exec_ms, round(total_plan_time::numeric, 0) as plan_ms, rows, left(regexp_replace(query, '\\s+', ' ', 'g'), 140) as q
          from pg_stat_statements order by total_exec_time + total_plan_time desc limit 30`);
        console.error(st.rows.map((r) => `${r.calls}\t${r.exec_ms}\t${r.plan_ms}\t${r.rows}\t${r.q}`).join('\n'));
      }
      if (process.env.BENCH_POS_DIAG) console.error([...waits].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, n]) => `${n}\t${k}`).join('\n'));
      // a side that answered anything but 201: which statuses, so a failing run says why
      for (const [side, ls] of Object.entries(loads)) {
        if (ls.some((l) => l.errors)) console.error(`[pos-sales] ${side}: answers by status ${JSON.stringify(ls.map((l) => l.statuses))}; first: ${JSON.stringify(ls.find((l) => l.firstError)?.firstError)}`);
      }
      const merged = (ls: SaleLoad[]) => ls.flatMap((l) => l.latencies).sort((x, y) => x - y);
      const [bareLat, atriumLat] = [merged(loads.bare), merged(loads.atrium)];
      results.push({ metric: 'bare.pos.sale', value: round(ab.a.perSecond, 1), unit: 'sales/s' });
      results.push({ metric: 'bare.pos.sale.p95', value: round(percentile(bareLat, 95), 1), unit: 'ms' });
      results.push({ metric: 'bare.pos.sale.cpu_per_sale', value: round(ab.a.cpuMsPerRequest, 3), unit: 'ms' });
      results.push({ metric: 'bare.pos.sale.cpu_per_sale.database', value: round(ab.a.serversCpuMsPerRequest, 3), unit: 'ms' });
      results.push({ metric: 'pos.sale.throughput', value: round(ab.b.perSecond, 1), unit: 'sales/s', anchor: 'bare.pos.sale', anchorValue: round(ab.a.perSecond, 1) });
      results.push({ metric: 'pos.sale.throughput.p50', value: round(percentile(atriumLat, 50), 1), unit: 'ms' });
      results.push({ metric: 'pos.sale.throughput.p95', value: round(percentile(atriumLat, 95), 1), unit: 'ms', anchor: 'goal (issue 25): p95 ≤ 50 ms', anchorValue: 50 });
      results.push({ metric: 'pos.sale.throughput.errors', value: ab.b.failed, unit: 'count', anchor: 'bare.pos.sale.errors', anchorValue: ab.a.failed });
      results.push({ metric: 'pos.sale.pgbench.tpcb.tps', value: round(tpcb, 1), unit: 'tx/s' });
      // CPU per sale of the server process and of PostgreSQL + Redis (not the load generator): what
      // other load on a shared machine disturbs far less than sales per second; ratio bare / platform
      results.push({ metric: 'pos.sale.cpu_per_sale', value: round(ab.b.cpuMsPerRequest, 3), unit: 'ms', anchor: 'bare.pos.sale.cpu_per_sale', anchorValue: round(ab.a.cpuMsPerRequest, 3), ratio: round(ab.a.cpuMsPerRequest / ab.b.cpuMsPerRequest, 3) });
      results.push({ metric: 'pos.sale.cpu_per_sale.database', value: round(ab.b.serversCpuMsPerRequest, 3), unit: 'ms', anchor: 'bare.pos.sale.cpu_per_sale.database', anchorValue: round(ab.a.serversCpuMsPerRequest, 3), ratio: round(ab.a.serversCpuMsPerRequest / ab.b.serversCpuMsPerRequest, 3) });
      // the ledger invariant after the run
      const bad = await sys.query(
        `select count(*)::int as n from pos.stock_level l
         where l.tenant_id = $1 and l.on_hand_milli <> (select coalesce(sum(qty_milli), 0) from pos.stock_move m where m.tenant_id = l.tenant_id and m.store_id = l.store_id and m.product_id = l.product_id)`,
        [tenantId],
      );
      results.push({ metric: 'pos.sale.ledger_mismatches', value: bad.rows[0].n, unit: 'count' });
    } finally {
      await sys.end().catch(() => {});
      await bare?.stop();
      await kernel.stop();
    }
  } finally {
    await env.stop();
  }
  return results;
}
