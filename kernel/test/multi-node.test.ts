import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * Three real processes over a real nats-server: a gateway node (kernel services), and two nodes
 * that run only the notes plugin. Enable/disable must reach the plugin nodes within 1 s; killing
 * one plugin node must not stop requests from succeeding on the other.
 */
const root = path.resolve(import.meta.dirname, '../..');
const nodeBin = path.join(root, 'node_modules/.bin/node');
const procs: ChildProcess[] = [];
let gatewayUrl = '';
let dbName = '';
let work = '';
let nats: ChildProcess | null = null;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
}

function startNode(name: string, services: string, env: Record<string, string>): ChildProcess {
  const child = spawn(nodeBin, [path.join(root, 'scripts/start.ts')], {
    env: { ...process.env, ...env, ATRIUM_NODE_ID: name, ATRIUM_SERVICES: services, ATRIUM_LOG_LEVEL: process.env.ATRIUM_MN_LOG ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const logFile = fs.createWriteStream(path.join(os.tmpdir(), `atrium-mn-${name}.log`));
  child.stdout!.pipe(logFile);
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  child.on('exit', (code, sig) => {
    if (code && code !== 0) console.error(`[${name}] exited ${code} ${sig ?? ''}\n${log.slice(-2000)}`);
  });
  procs.push(child);
  return child;
}

async function api(method: string, p: string, token?: string, body?: unknown) {
  const res = await fetch(gatewayUrl + p, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json().catch(() => null) };
}

let nodeA: ChildProcess;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-mn-'));
  fs.chmodSync(work, 0o755);
  fs.mkdirSync(path.join(work, 'plugins'));
  fs.symlinkSync(path.join(root, 'plugins/notes'), path.join(work, 'plugins/notes'));
  const natsPort = await freePort();
  nats = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(natsPort)], { stdio: 'ignore' });
  await waitFor('nats', () => new Promise<boolean>((r) => { const s = net.connect(natsPort, '127.0.0.1', () => { s.end(); r(true); }); s.on('error', () => r(false)); }));
  dbName = `atrium_mn_${crypto.randomBytes(4).toString('hex')}`;
  const base = new URL(process.env.ATRIUM_TEST_PG_URL!);
  const c = new pg.Client({ connectionString: base.toString() });
  await c.connect();
  await c.query(`create database ${dbName}`);
  await c.end();
  base.pathname = `/${dbName}`;
  const httpPort = await freePort();
  gatewayUrl = `http://127.0.0.1:${httpPort}`;
  const env = {
    ATRIUM_PROFILE: 'distributed',
    ATRIUM_DATABASE_URL: base.toString(),
    ATRIUM_REDIS_URL: process.env.ATRIUM_TEST_REDIS_URL!,
    ATRIUM_REDIS_PREFIX: `mn${crypto.randomBytes(3).toString('hex')}`,
    ATRIUM_TRANSPORTER: `nats://127.0.0.1:${natsPort}`,
    ATRIUM_JWT_SECRET: process.env.ATRIUM_TEST_SECRET!,
    ATRIUM_PLUGIN_DIRS: path.join(work, 'plugins'),
    ATRIUM_DATA_DIR: work,
    ATRIUM_HTTP_PORT: String(httpPort),
  };
  startNode('gateway-1', 'kernel.*', env);
  await waitFor('gateway health', async () => (await fetch(`${gatewayUrl}/api/health`)).ok, 90_000);
  nodeA = startNode('notes-a', 'notes.*', env);
  startNode('notes-b', 'notes.*', env);
  // the gateway learns the notes routes from the remote nodes' service announcements
  await waitFor('notes routes', async () => (await api('GET', '/api/openapi.json')).body?.paths?.['/api/notes/notes'], 90_000);
}, 240_000);

afterAll(async () => {
  const running = procs.filter((p) => p.exitCode === null && p.signalCode === null);
  for (const p of running) p.kill('SIGTERM');
  await Promise.all(running.map((p) => new Promise((r) => p.once('exit', r))));
  // nats-server may linger on SIGTERM (lame-duck mode); a test must not leave it behind
  if (nats && nats.exitCode === null && nats.signalCode === null) {
    const gone = new Promise((r) => nats!.once('exit', r));
    nats.kill('SIGKILL');
    await gone;
  }
  const c = new pg.Client({ connectionString: process.env.ATRIUM_TEST_PG_URL });
  await c.connect();
  await c.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
  await c.end();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('three nodes over NATS', () => {
  let token = '';

  it('serves notes from the plugin-only nodes through the gateway', async () => {
    const s = await api('POST', '/api/auth/signup', undefined, { tenantName: 'Cluster', email: 'owner@cluster.test', password: 'cluster-password' });
    expect(s.status).toBe(201);
    token = s.body.accessToken;
    expect((await api('POST', '/api/plugins/notes/enable', token)).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await api('POST', '/api/notes/notes', token, { title: `n${i}` })).status).toBe(201);
    expect((await api('GET', '/api/notes/notes', token)).body.total).toBe(6);
  });

  it('disable and enable reach every node within one second', async () => {
    const t0 = Date.now();
    expect((await api('POST', '/api/plugins/notes/disable', token)).status).toBe(200);
    // every request after the broadcast must be refused, whichever notes node serves it
    const refusedAfter = await waitFor('disabled everywhere', async () => {
      const rs = await Promise.all([1, 2, 3, 4].map(() => api('GET', '/api/notes/notes', token)));
      return rs.every((r) => r.status === 403 && r.body.error.code === 'PLUGIN_DISABLED') && Date.now() - t0;
    }, 5000);
    expect(refusedAfter).toBeLessThan(1000);
    const t1 = Date.now();
    expect((await api('POST', '/api/plugins/notes/enable', token)).status).toBe(200);
    const okAfter = await waitFor('enabled everywhere', async () => {
      const rs = await Promise.all([1, 2, 3, 4].map(() => api('GET', '/api/notes/notes', token)));
      return rs.every((r) => r.status === 200) && Date.now() - t1;
    }, 5000);
    expect(okAfter).toBeLessThan(1000);
  });

  it('keeps answering when one notes node is killed', async () => {
    nodeA.kill('SIGKILL');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await api('GET', '/api/notes/notes', token)).status);
    for (let i = 0; i < 5; i++) statuses.push((await fetch(gatewayUrl + '/api/notes/notes', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': `after-kill-${i}` }, body: JSON.stringify({ title: `after kill ${i}` }) })).status);
    expect(statuses).toEqual([...Array(10).fill(200), ...Array(5).fill(201)]);
    expect((await api('GET', '/api/notes/notes', token)).body.total).toBe(11);
  }, 90_000);
});
