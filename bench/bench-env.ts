import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export type BenchResult = { metric: string; value: number; unit: string; anchor?: string; anchorValue?: number; ratio?: number };


export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A private embedded PostgreSQL + redis-server for one benchmark module, removed afterwards. */
export async function startBenchEnv(): Promise<{ pgUrl: string; pgPort: number; redisUrl: string; dir: string; stop(): Promise<void> }> {
  const { startEmbeddedPostgres, startLocalRedis } = await import('@atrium/kernel');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-bench-'));
  fs.chmodSync(dir, 0o755);
  const pgPort = await freePort();
  // BENCH_PG_STATS=1: pg_stat_statements (with planning time) for diagnosing where the server's time goes
  // BENCH_PG_FLAGS="-c a=b -c …": any other server settings (auto_explain, logging) for a diagnosis run
  const flags = [
    ...(process.env.BENCH_PG_STATS ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track_planning=on', '-c', 'pg_stat_statements.track=all'] : []),
    ...(process.env.BENCH_PG_FLAGS ?? '').split(/\s+/).filter(Boolean),
  ];
  // BENCH_PG_LOG=<file>: the server's log (with BENCH_PG_FLAGS' auto_explain, the plans) appended there
  const logFile = process.env.BENCH_PG_LOG;
  const pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: pgPort, flags, log: logFile ? (l) => fs.appendFileSync(logFile, l + '\n') : undefined });
  const redis = await startLocalRedis({ dir: path.join(dir, 'redis'), port: await freePort(), persist: false });
  return {
    pgUrl: pg.url,
    pgPort,
    redisUrl: redis.url,
    dir,
    async stop() {
      await redis.stop();
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs pgbench against the embedded server and returns its TPS (the anchor for HTTP metrics). It
 * connects the way the kernel does — over the Unix socket when the URL names one — so the anchor
 * and the measured path pay the same transport.
 */
export async function pgbench(env: { pgUrl: string; pgPort: number }, args: string[]): Promise<number> {
  const pgEnv = { ...process.env, PGPASSWORD: 'postgres' };
  const host = new URL(env.pgUrl).searchParams.get('host') ?? '127.0.0.1';
  const base = ['-h', host, '-p', String(env.pgPort), '-U', 'postgres'];
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('pgbench', [...base, ...args], { env: pgEnv });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench ${args.join(' ')} failed: ${text.slice(-500)}`))));
  });
  const m = /tps = ([\d.]+)/.exec(out);
  return m ? Number(m[1]) : NaN;
}

/**
 * CPU milliseconds used so far by the servers: PostgreSQL with its backends (found by `dir` in
 * their command lines) and redis-server (which rewrites its command line to `redis-server
 * host:port`, so it is found by its port; it was missing from this sum before) — Linux /proc; 0
 * elsewhere. With the kernel process's own CPU this gives CPU per webhook, which other load on a
 * shared machine disturbs far less than wall-clock throughput. `only`: 'redis' or 'postgres'.
 */
export function serverCpuMs(dir: string, redisPort: string, only?: 'redis' | 'postgres'): number {
  if (!fs.existsSync('/proc/self/stat')) return 0;
  const procs: { pid: number; ppid: number; own: number; reaped: number }[] = [];
  const roots = new Set<number>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields from state (3rd): ppid 4th, utime 14th, stime 15th, cutime 16th, cstime 17th
      procs.push({ pid: Number(name), ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) });
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const redis = cmd.startsWith('redis-server') || cmd.includes('/redis-server');
      const ours = redis ? cmd.includes(`:${redisPort}`) : cmd.includes(dir);
      if (ours && (!only || only === (redis ? 'redis' : 'postgres'))) roots.add(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  let ticks = 0;
  for (const p of procs) {
    if (roots.has(p.pid)) ticks += p.own + p.reaped; // exited backends are reaped into their postmaster
    else if (roots.has(p.ppid)) ticks += p.own;
  }
  return ticks * 10; // USER_HZ = 100
}

/** Starts counting CPU (ms) of this process and of the bench env's servers (PostgreSQL, Redis); call the result for the use since then. */
export function cpuMeter(env: { dir: string; redisUrl: string }) {
  const redisPort = new URL(env.redisUrl).port;
  const node0 = process.cpuUsage();
  const servers0 = serverCpuMs(env.dir, redisPort);
  return () => {
    const n = process.cpuUsage(node0);
    return { kernelMs: (n.user + n.system) / 1000, serversMs: serverCpuMs(env.dir, redisPort) - servers0 };
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/**
 * A bench module run on its own (`node bench/x.bench.ts`) rather than through bench/run.ts: when
 * `moduleUrl` is the script node was started with, runs `main` and prints its JSON (or the error),
 * then exits. Returns whether it was the script.
 */
export function runAsScript(moduleUrl: string, main: () => Promise<unknown>, print: (out: unknown) => void = (out) => console.log(JSON.stringify(out, null, 2))): boolean {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return false;
  main().then((out) => {
    print(out);
    process.exit(0);
  }, (e) => {
    console.error(e);
    process.exit(1);
  });
  return true;
}

/**
 * A kernel for a benchmark on the bench env's Postgres and Redis: silent logs, limits that would
 * throttle a load generator lifted, only the given plugins, its own database `atrium_bench`; the
 * connection pool is the platform's default unless `poolMax` (or BENCH_POOL) is given.
 */
/** `allow`: outbound base URLs per plugin (the fakes a bench points its providers at; config outbound.allow). */
export async function startBenchKernel(env: { pgUrl: string; redisUrl: string; dir: string }, plugins: unknown[], opts: { poolMax?: number; allow?: Record<string, string[]> } = {}) {
  // BENCH_POOL=<n>: any bench's kernel with that pool size instead; BENCH_TENANT_MAX=<n>: with that many transactions per tenant
  const poolMax = opts.poolMax ?? (process.env.BENCH_POOL ? Number(process.env.BENCH_POOL) : undefined);
  const tenantMax = process.env.BENCH_TENANT_MAX ? Number(process.env.BENCH_TENANT_MAX) : undefined;
  const { loadConfig } = await import('@atrium/config');
  const { startKernel } = await import('@atrium/kernel');
  const config = loadConfig({
    ignoreEnv: true,
    overrides: {
      dataDir: env.dir, http: { port: await freePort(), host: '127.0.0.1' }, database: { ...(poolMax ? { poolMax } : {}), ...(tenantMax ? { tenantMaxConnections: tenantMax } : {}) },
      auth: { jwtSecret: 'atrium-bench-secret-0123456789abcdef0123456789', signupConfirmation: 'immediate', loginMaxPerIpPerMinute: 100000, loginMaxPerAccountPer15Minutes: 100000, signupMaxPerIpPerHour: 100000 },
      rateLimit: { apiPerMinute: 10_000_000 }, log: { level: 'silent' },
      ...(opts.allow ? { outbound: { allow: opts.allow } } : {}),
    },
  });
  return startKernel({ config, discover: false, plugins: plugins as any, ownerUrl: env.pgUrl, databaseName: 'atrium_bench', redisUrl: env.redisUrl, rootDir: env.dir });
}

export type LoadRun = { requests: number; seconds: number; p50: number; p95: number; p99: number; non2xx: number; errors: number };

/** What the HTTP benches ask of autocannon (its programmatic options). */
export type LoadOptions = { connections: number; method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string; idReplacement?: boolean };

/**
 * autocannon (in its own process, as every load generator here) against `url` for `seconds`:
 * requests, latency percentiles (ms), failures.
 */
export function autocannon(url: string, seconds: number, opts: LoadOptions): Promise<LoadRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(import.meta.dirname, 'autocannon-child.ts'), JSON.stringify({ url, duration: seconds, ...opts })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => {
      let r: any;
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        r = JSON.parse(out.trim().split('\n').pop()!);
      } catch (e) {
        return reject(new Error(`autocannon on ${url} failed (${(e as Error).message}): ${err.slice(-500)}`));
      }
      resolve({ requests: r.requests.total, seconds: r.duration, p50: r.latency.p50, p95: r.latency.p97_5 ?? r.latency.p90, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts });
    });
  });
}

/**
 * Runs two systems' loads alternately, A B B A (`rounds` times), so that a drift in the machine's
 * load over the run hits both alike; returns each side's totals: requests per second over its own
 * windows, latency percentiles averaged over its windows (each weighted by its requests), and the
 * CPU its `cpu()` meter counted per request.
 */
export async function alternate(sides: { a: AbSide; b: AbSide }, rounds = 1): Promise<{ a: AbResult; b: AbResult }> {
  type Window = { run: LoadRun; cpuMs: number; serverMs: number };
  const acc = { a: [] as Window[], b: [] as Window[] };
  const once = async (k: 'a' | 'b') => {
    const stop = await sides[k].cpu();
    const run = await sides[k].load();
    const used = await stop();
    acc[k].push({ run, cpuMs: used.processMs + used.serversMs, serverMs: used.serversMs });
  };
  for (let i = 0; i < rounds; i++) for (const k of ['a', 'b', 'b', 'a'] as const) await once(k);
  const total = (runs: Window[]): AbResult => {
    const requests = runs.reduce((s, r) => s + r.run.requests, 0);
    const w = (f: (r: LoadRun) => number) => runs.reduce((s, r) => s + f(r.run) * r.run.requests, 0) / Math.max(1, requests);
    return {
      perSecond: requests / runs.reduce((s, r) => s + r.run.seconds, 0), requests,
      p50: w((r) => r.p50), p95: w((r) => r.p95), p99: w((r) => r.p99),
      failed: runs.reduce((s, r) => s + r.run.non2xx + r.run.errors, 0),
      cpuMsPerRequest: runs.reduce((s, r) => s + r.cpuMs, 0) / Math.max(1, requests),
      serversCpuMsPerRequest: runs.reduce((s, r) => s + r.serverMs, 0) / Math.max(1, requests),
    };
  };
  return { a: total(acc.a), b: total(acc.b) };
}
/** A side's load, and a CPU meter: call it at the start, call what it answers at the end for the CPU (ms) of its server process and of PostgreSQL + Redis since. */
export type AbSide = { load: () => Promise<LoadRun>; cpu: () => Promise<() => Promise<{ processMs: number; serversMs: number }>> };
export type AbResult = { perSecond: number; requests: number; p50: number; p95: number; p99: number; failed: number; cpuMsPerRequest: number; serversCpuMsPerRequest: number };

/**
 * The hand-written anchor (bare-stack.ts) in a child process, on the kernel's database as its
 * request role (RLS on), with the kernel's pool size and platform secret. `cpuMs()` is the child's
 * CPU time so far.
 */
export async function startBareStack(kernel: { databaseUrls: { app: string }; config: { database: { poolMax: number }; auth: { jwtSecret?: string } } }) {
  const args = { appUrl: kernel.databaseUrls.app, poolMax: kernel.config.database.poolMax, secret: kernel.config.auth.jwtSecret };
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'bare-stack.ts'), JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`bare stack exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  // a bench that dies must not leave the anchor running
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  return {
    url,
    pid: child.pid!,
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

/** Runs a load-generator script of this folder in its own process with JSON arguments; resolves with its last stdout line, parsed. */
export function runChild<T>(file: string, args: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    // the arguments on stdin: a thousand tenants' tokens are more than one argv string may hold (E2BIG)
    const p = spawn(process.execPath, [path.join(import.meta.dirname, file)], { stdio: ['pipe', 'pipe', 'inherit'] });
    p.stdin!.end(JSON.stringify(args));
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.on('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`exit code ${code}`);
        resolve(JSON.parse(out.trim().split('\n').pop()!));
      } catch (e) {
        reject(new Error(`${file} failed: ${(e as Error).message}`));
      }
    });
  });
}
