/**
 * HTTP read and write through the whole platform, each against the same work written by hand
 * (bare-stack.ts: node:http + pg + jose) in the same run — what the platform costs over writing
 * it yourself:
 *
 *   http.read.throughput   GET /api/notes/notes?limit=20, 64 connections   anchor bare.http.read
 *   http.write.throughput  POST /api/notes/notes with an Idempotency-Key,  anchor bare.http.write
 *                          16 connections (note, outbox, audit, key record)
 *
 * Both servers use the same PostgreSQL database and role (RLS on), pool size, Unix socket and load
 * generator (autocannon in its own process, same flags). The two alternate A B B A so that a drift
 * in the shared machine's load hits both alike. Also reported: latency percentiles, the p99 ratio,
 * CPU per request (server process + PostgreSQL + Redis; a busy machine disturbs it far less than
 * requests per second), and pgbench on the same server as extra reference points.
 *
 * Knobs: BENCH_HTTP_SECONDS (per window, default 5; each side gets two), BENCH_HTTP_ROUNDS (ABBA
 * rounds, default 1), BENCH_HTTP_PROFILE=<file> (CPU profiles of the kernel during its
 * windows, <file>-read.<n>.cpuprofile and <file>-write.<n>.cpuprofile), BENCH_POOL (bench-env).
 */
import notes from '../plugins/notes/src/index.ts';
import { alternate, autocannon, cpuMeter, pgbench, round, runAsScript, startBareStack, startBenchEnv, startBenchKernel, type AbResult, type AbSide, type BenchResult, type LoadOptions } from './bench-env.ts';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 1);

export default async function run(): Promise<BenchResult[]> {
  const env = await startBenchEnv();
  const results: BenchResult[] = [];
  try {
    await pgbench(env, ['-i', '-q', '-s', '5', 'postgres']);
    results.push({ metric: 'pgbench.select.tps', value: round(await pgbench(env, ['-S', '-c', '64', '-j', '2', '-T', '5', '-n', 'postgres']), 1), unit: 'tx/s' });
    results.push({ metric: 'pgbench.tpcb.tps', value: round(await pgbench(env, ['-c', '16', '-j', '2', '-T', '5', '-n', 'postgres']), 1), unit: 'tx/s' });

    const kernel = await startBenchKernel(env, [notes]);
    const bare = await startBareStack(kernel).catch(async (e) => {
      await kernel.stop();
      throw e;
    });
    try {
      const post = async (p: string, body: unknown, token?: string) => {
        const r = await fetch(kernel.url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
        const json = (await r.json()) as any;
        if (r.status >= 300) throw new Error(`POST ${p}: ${r.status} ${JSON.stringify(json)}`);
        return json;
      };
      const { accessToken: token } = await post('/api/auth/signup', { tenantName: 'Bench', email: 'bench@bench.test', password: 'bench-password' });
      await post('/api/plugins/notes/enable', {}, token);
      for (let i = 0; i < 50; i++) await post('/api/notes/notes', { title: `seed ${i}`, body: 'x'.repeat(200) }, token);

      const auth = { authorization: `Bearer ${token}` };
      const sides = (args: LoadOptions, path: string, profile?: string): { a: AbSide; b: AbSide } => ({
        a: { load: () => autocannon(bare.url + path, SECONDS, args), cpu: async () => {
          const servers = cpuMeter(env);
          const own = await bare.cpuMs();
          return async () => ({ processMs: (await bare.cpuMs()) - own, serversMs: servers().serversMs });
        } },
        b: { load: () => profiled(profile, () => autocannon(kernel.url + path, SECONDS, args)), cpu: async () => {
          const m = cpuMeter(env);
          return async () => { const u = m(); return { processMs: u.kernelMs, serversMs: u.serversMs }; };
        } },
      });
      const report = (name: string, anchorName: string, r: { a: AbResult; b: AbResult }) => {
        const { a: bareRun, b: atrium } = r;
        results.push({ metric: anchorName, value: round(bareRun.perSecond, 1), unit: 'req/s' });
        results.push({ metric: `${anchorName}.p99`, value: round(bareRun.p99, 1), unit: 'ms' });
        results.push({ metric: `${anchorName}.cpu_per_request`, value: round(bareRun.cpuMsPerRequest, 3), unit: 'ms' });
        results.push({ metric: `${anchorName}.cpu_per_request.database`, value: round(bareRun.serversCpuMsPerRequest, 3), unit: 'ms' });
        results.push({ metric: `${name}.throughput`, value: round(atrium.perSecond, 1), unit: 'req/s', anchor: anchorName, anchorValue: round(bareRun.perSecond, 1) });
        results.push({ metric: `${name}.throughput.p50`, value: round(atrium.p50, 1), unit: 'ms' });
        results.push({ metric: `${name}.throughput.p95`, value: round(atrium.p95, 1), unit: 'ms' });
        results.push({ metric: `${name}.throughput.p99`, value: round(atrium.p99, 1), unit: 'ms' });
        results.push({ metric: `${name}.latency.p99.ratio`, value: round(atrium.p99 / bareRun.p99, 2), unit: '×', anchor: `${anchorName}.p99`, anchorValue: round(bareRun.p99, 1), ratio: round(atrium.p99 / bareRun.p99, 3) });
        // CPU per request: the ratio is bare / platform, so that like the throughput ratio 1 is "no overhead"
        results.push({ metric: `${name}.cpu_per_request`, value: round(atrium.cpuMsPerRequest, 3), unit: 'ms', anchor: `${anchorName}.cpu_per_request`, anchorValue: round(bareRun.cpuMsPerRequest, 3), ratio: round(bareRun.cpuMsPerRequest / atrium.cpuMsPerRequest, 3) });
        results.push({ metric: `${name}.cpu_per_request.database`, value: round(atrium.serversCpuMsPerRequest, 3), unit: 'ms', anchor: `${anchorName}.cpu_per_request.database`, anchorValue: round(bareRun.serversCpuMsPerRequest, 3), ratio: round(bareRun.serversCpuMsPerRequest / atrium.serversCpuMsPerRequest, 3) });
        if (atrium.failed || bareRun.failed) results.push({ metric: `${name}.errors`, value: atrium.failed, unit: 'count', anchor: `${anchorName}.errors`, anchorValue: bareRun.failed });
      };

      // 1. read: 20 notes of 50 with the total
      const readPath = '/api/notes/notes?limit=20';
      const readArgs: LoadOptions = { connections: 64, headers: auth };
      for (const url of [bare.url, kernel.url]) await autocannon(url + readPath, 2, readArgs); // warm-up: JIT, pools, plans
      report('http.read', 'bare.http.read', await alternate(sides(readArgs, readPath, process.env.BENCH_HTTP_PROFILE && `${process.env.BENCH_HTTP_PROFILE}-read`), ROUNDS));

      // 2. write: a note with an Idempotency-Key (a fresh one per request)
      const writeArgs: LoadOptions = {
        connections: 16, method: 'POST', idReplacement: true, body: JSON.stringify({ title: 'bench note', body: 'y'.repeat(200) }),
        headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': 'bench-[<id>]' },
      };
      for (const url of [bare.url, kernel.url]) await autocannon(url + '/api/notes/notes', 2, writeArgs);
      report('http.write', 'bare.http.write', await alternate(sides(writeArgs, '/api/notes/notes', process.env.BENCH_HTTP_PROFILE && `${process.env.BENCH_HTTP_PROFILE}-write`), ROUNDS));
    } finally {
      await bare.stop();
      await kernel.stop();
    }
  } finally {
    await env.stop();
  }
  return results;
}

/** With a file name, a CPU profile of this process (the kernel) while `fn` runs, appended per window. */
let profileN = 0;
async function profiled<T>(file: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!file) return fn();
  const { Session } = await import('node:inspector/promises');
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await s.post('Profiler.stop');
    (await import('node:fs')).writeFileSync(file.replace(/(\.cpuprofile)?$/, `.${++profileN}.cpuprofile`), JSON.stringify(profile));
    s.disconnect();
  }
}

runAsScript(import.meta.url, run, (out) => {
  for (const r of out as BenchResult[]) console.log(JSON.stringify(r));
});
