/**
 * Kernel metrics: pipeline overhead vs a bare Moleculer call, and the RSS of a booted node with
 * every first-party plugin. (HTTP read/write against a hand-written stack: http.bench.ts; tenant
 * provisioning and scale: tenant.bench.ts.)
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ServiceBroker } from 'moleculer';
import { definePlugin, defineService, defineAction, Type } from '@atrium/sdk';
import { startBenchEnv, startBenchKernel, round, freePort, type BenchResult } from './bench-env.ts';

const root = path.resolve(import.meta.dirname, '..');
const SECRET = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** A plugin with a no-DB action: measures the pipeline itself (auth, gate, ajv, CASL, context). */
const benchy = definePlugin({
  manifest: { id: 'benchy', version: '1.0.0', displayName: { en: 'Bench' }, engines: { sdk: '^1.0.0' }, permissions: { subjects: [{ subject: 'benchy.Ping', actions: ['read'] }] } },
  services: [defineService({ name: 'pings', actions: { ping: defineAction({ permission: ['read', 'benchy.Ping'], transaction: false, params: Type.Object({ n: Type.Integer() }, { additionalProperties: false }), handler: (ctx) => ({ n: ctx.params.n }) }) } })],
});

async function timeCalls(n: number, call: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 2000; i++) await call(i); // warm-up (JIT, caches)
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call(i);
  return Number(process.hrtime.bigint() - t) / 1000 / n; // µs per call
}

export default async function run(): Promise<BenchResult[]> {
  const env = await startBenchEnv();
  const results: BenchResult[] = [];
  try {
    const kernel = await startBenchKernel(env, [benchy]);
    try {
      const post = async (p: string, body: unknown, token?: string) => {
        const r = await fetch(kernel.url + p, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
        return r.json() as Promise<any>;
      };
      const s = await post('/api/auth/signup', { tenantName: 'Bench', email: 'bench@bench.test', password: 'bench-password' });
      const token = s.accessToken;
      // the owner can read benchy.Ping through `manage all`
      await post('/api/plugins/benchy/enable', {}, token);

      // 1. pipeline overhead vs a bare local call
      const claims = await kernel.deps.tokens.verifyAccess(token);
      const meta = { user: claims.user, tenantId: claims.tenantId };
      const bare = new ServiceBroker({ logger: false, nodeID: 'bare' });
      bare.createService({ name: 'bare', actions: { ping: (ctx: any) => ({ n: ctx.params.n }) } });
      await bare.start();
      const bareUs = await timeCalls(50_000, (i) => bare.call('bare.ping', { n: i }));
      await bare.stop();
      const pipeUs = await timeCalls(50_000, (i) => kernel.broker.call('benchy.pings.ping', { n: i }, { meta }));
      results.push({ metric: 'kernel.call.overhead', value: round(pipeUs - bareUs, 2), unit: 'µs', anchor: 'moleculer.local.call', anchorValue: round(bareUs, 3) });
    } finally {
      await kernel.stop();
    }

    // 2. RSS of a freshly booted node (its own process) with every first-party plugin (discovered
    // from plugins/, as `npm start` does), vs a bare Moleculer broker process
    const rss = await measureRss(env, false);
    const bareRss = await measureRss(env, true);
    results.push({ metric: 'node.rss', value: rss, unit: 'MB', anchor: 'moleculer.broker.rss', anchorValue: bareRss });
  } finally {
    await env.stop();
  }
  return results;
}

async function measureRss(env: { pgUrl: string; redisUrl: string; dir: string }, bare: boolean): Promise<number> {
  const script = bare
    ? `import { ServiceBroker } from 'moleculer'; const b = new ServiceBroker({ logger: false }); await b.start(); await new Promise(r => setTimeout(r, 1000)); globalThis.gc?.(); console.log(JSON.stringify({ rss: process.memoryUsage().rss })); await b.stop();`
    : `import { loadConfig } from '@atrium/config'; import { startKernel } from '@atrium/kernel';
       const port = ${await freePort()};
       const config = loadConfig({ ignoreEnv: true, overrides: { dataDir: ${JSON.stringify(env.dir)}, http: { port, host: '127.0.0.1' }, auth: { jwtSecret: '${SECRET}' }, log: { level: 'silent' } } });
       const k = await startKernel({ config, ownerUrl: ${JSON.stringify(env.pgUrl)}, databaseName: 'atrium_bench', redisUrl: ${JSON.stringify(env.redisUrl)}, rootDir: ${JSON.stringify(root)} });
       await new Promise(r => setTimeout(r, 1500)); globalThis.gc?.();
       console.log(JSON.stringify({ rss: process.memoryUsage().rss })); await k.stop(); process.exit(0);`;
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(path.join(root, 'node_modules/.bin/node'), ['--expose-gc', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let err = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`rss probe failed: ${err.slice(-800)}`))));
  });
  const line = out.trim().split('\n').filter((l) => l.startsWith('{"rss"')).pop()!;
  return round(JSON.parse(line).rss / 1024 / 1024, 1);
}
