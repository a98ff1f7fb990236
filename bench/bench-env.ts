import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

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
  const pg = await startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: pgPort });
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

/** Runs pgbench against the embedded server and returns its TPS (the anchor for HTTP metrics). */
export async function pgbench(pgPort: number, args: string[]): Promise<number> {
  const env = { ...process.env, PGPASSWORD: 'postgres' };
  const base = ['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'postgres'];
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('pgbench', [...base, ...args], { env });
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`pgbench ${args.join(' ')} failed: ${text.slice(-500)}`))));
  });
  const m = /tps = ([\d.]+)/.exec(out);
  return m ? Number(m[1]) : NaN;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/**
 * A kernel for a benchmark on the bench env's Postgres and Redis: silent logs, limits that would
 * throttle a load generator lifted, only the given plugins, its own database `atrium_bench`.
 */
export async function startBenchKernel(env: { pgUrl: string; redisUrl: string; dir: string }, plugins: unknown[], opts: { poolMax?: number } = {}) {
  const { loadConfig } = await import('@atrium/config');
  const { startKernel } = await import('@atrium/kernel');
  const config = loadConfig({
    ignoreEnv: true,
    overrides: {
      dataDir: env.dir, http: { port: await freePort(), host: '127.0.0.1' }, database: { poolMax: opts.poolMax ?? 30 },
      auth: { jwtSecret: 'atrium-bench-secret-0123456789abcdef0123456789', loginMaxPerIpPerMinute: 100000, loginMaxPerAccountPer15Minutes: 100000, signupMaxPerIpPerHour: 100000 },
      rateLimit: { apiPerMinute: 10_000_000 }, log: { level: 'silent' },
    },
  });
  return startKernel({ config, discover: false, plugins: plugins as any, ownerUrl: env.pgUrl, databaseName: 'atrium_bench', redisUrl: env.redisUrl, rootDir: env.dir });
}
