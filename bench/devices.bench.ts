// Device bus bench: a real kernel (createTestKernel: Postgres + Redis + gateway), real terminal
// agents, the virtual ESC/POS printer on 127.0.0.1.
//
//   devices.print.latency.p50/.p95  500 receipts, POST /api/devices/jobs → agent → printer confirmed
//                                   (the `done` push on the admin socket), one at a time
//   devices.jobs.lost/.duplicated/.unknown
//                                   1,000 receipts while the agent (a child process) is SIGKILLed
//                                   20 times at random moments and restarted on the same journal.
//                                   lost = accepted but never printed and not reported unknown;
//                                   duplicated = printed more than once; unknown = reported `unknown`
//                                   (the printer may or may not have printed it; never reprinted).
//
// Run alone: `node bench/devices.bench.ts` (prints the metrics as JSON).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { runAsScript } from './bench-env.ts';
import { createTestKernel, type TestClient } from '@atrium/sdk/testing';
import { Agent, VirtualPrinter, getProfile } from '@atrium/devices';
import { enroll, type AgentCredential } from '../devices/src/agent/credential-store.ts';
import { EscPosPrinterDriver } from '../devices/src/drivers/escpos-printer.driver.ts';
import { TcpTransport } from '../devices/src/drivers/byte-transport.ts';
import { multilingualReceipt } from '../devices/src/receipt/sample-receipts.ts';

export type Metric = { metric: string; value: number; unit: string; anchor?: string; anchorValue?: number };

const LATENCY_JOBS = Number(process.env.DEVICES_BENCH_LATENCY_JOBS ?? 500);
const CHAOS_JOBS = Number(process.env.DEVICES_BENCH_CHAOS_JOBS ?? 1000);
const KILLS = Number(process.env.DEVICES_BENCH_KILLS ?? 20);
const FINAL = new Set(['done', 'failed', 'unknown', 'expired']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const round = (x: number) => Math.round(x * 100) / 100;

/** Watches `devices.job` pushes on the admin socket: resolves waiters when a job reaches a final state. */
async function jobWatcher(url: string, token: string) {
  const states = new Map<string, any>();
  const waiters = new Map<string, (job: any) => void>();
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/ws?token=${token}`);
  await new Promise((r, j) => { ws.once('message', r); ws.once('error', j); });
  ws.on('message', (m) => {
    const msg = JSON.parse(m.toString());
    if (msg.type !== 'devices.job') return;
    states.set(msg.job.id, msg.job);
    if (FINAL.has(msg.job.state)) waiters.get(msg.job.id)?.(msg.job);
  });
  return {
    states,
    final(id: string): Promise<any> {
      const known = states.get(id);
      if (known && FINAL.has(known.state)) return Promise.resolve(known);
      return new Promise((r) => waiters.set(id, (j) => { waiters.delete(id); r(j); }));
    },
    close: () => ws.close(),
  };
}

export default async function run(): Promise<Metric[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-devices-bench-'));
  const tk = await createTestKernel({ tenants: [{ name: 'Bench', owner: 'owner@bench.test' }] });
  const printer = new VirtualPrinter(getProfile('epson-tm-t20-80'));
  await printer.start();
  const children: ChildProcess[] = [];
  const out: Metric[] = [];
  try {
    const owner: TestClient = await tk.as('owner@bench.test');
    const storeId = (await owner.post('/api/tenants/stores', { name: 'Bench store' })).body.id;
    const newTerminal = async (role: string): Promise<AgentCredential> => {
      const code = (await owner.post('/api/devices/enrollment-codes', { storeId })).body.code;
      const cred = { kernelUrl: `${tk.url.replace(/^http/, 'ws')}/api/devices/agent`, ...(await enroll(tk.url, code, role)) };
      const r = await owner.put('/api/devices/roles', { storeId, role, terminalId: cred.terminalId, deviceId: 'printer-1' });
      if (r.status !== 200) throw new Error(`role: ${r.status} ${JSON.stringify(r.body)}`);
      return cred;
    };
    const watcher = await jobWatcher(tk.url, owner.token);
    const submit = async (role: string, i: number, tag: string) => {
      const doc = { ...multilingualReceipt(), footer: [`${tag}-${i}#`] };
      const r = await owner.post('/api/devices/jobs', { kind: 'print-receipt', role, document: doc }, { headers: { 'idempotency-key': `${tag}-${i}` } });
      if (r.status !== 201 && r.status !== 200) throw new Error(`submit ${i}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id as string;
    };

    // ---- 1. latency: one receipt at a time, in-process agent ----
    const cred = await newTerminal('receipt@latency');
    const agent = new Agent({
      credential: cred, journalFile: path.join(dir, 'latency.jsonl'), minBackoffMs: 50,
      devices: [{ deviceId: 'printer-1', name: 'virtual', kind: 'printer', profile: printer.profile, driver: new EscPosPrinterDriver({ profile: printer.profile, transport: () => new TcpTransport(printer.host, printer.port), statusTimeoutMs: 2000 }) }],
    });
    await new Promise<void>((r) => { agent.once('connected', () => r()); agent.start(); });
    for (let i = 0; i < 20; i++) await watcher.final(await submit('receipt@latency', i, 'warm')); // JIT, pools
    const lat: number[] = [];
    for (let i = 0; i < LATENCY_JOBS; i++) {
      const t0 = performance.now();
      const job = await watcher.final(await submit('receipt@latency', i, 'lat'));
      if (job.state !== 'done') throw new Error(`latency job ${i} ended ${job.state}`);
      lat.push(performance.now() - t0);
    }
    await agent.stop();
    out.push({ metric: 'devices.print.latency.p50', value: round(pct(lat, 50)), unit: 'ms' });
    out.push({ metric: 'devices.print.latency.p95', value: round(pct(lat, 95)), unit: 'ms', anchor: 'goal (issue 4): p95 ≤ 50 ms on loopback', anchorValue: 50 });
    printer.receipts.length = 0;

    // ---- 2. chaos: 1,000 receipts, 20 SIGKILLs of the agent process ----
    const chaos = await newTerminal('receipt@chaos');
    const journalFile = path.join(dir, 'chaos.jsonl');
    const childScript = fileURLToPath(new URL('../devices/src/testing/agent-child.ts', import.meta.url));
    let child: ChildProcess | null = null;
    const startChild = () => {
      const c = spawn(process.execPath, [childScript, JSON.stringify({ credential: chaos, journalFile, printer: { host: printer.host, port: printer.port, profileId: printer.profile.id } })], { stdio: ['ignore', 'pipe', 'ignore'] });
      c.stdout!.resume();
      children.push(c);
      child = c;
    };
    startChild();
    const ids: string[] = [];
    let submitting = true;
    const submitter = (async () => {
      // 4 clients in parallel, like 4 tills hammering one printer role
      let next = 0;
      await Promise.all(Array.from({ length: 4 }, async () => {
        while (next < CHAOS_JOBS) {
          const i = next++;
          ids[i] = await submit('receipt@chaos', i, 'chaos');
        }
      }));
      submitting = false;
    })();
    let kills = 0;
    while (kills < KILLS) {
      await sleep(300 + Math.random() * 900);
      const c = child as ChildProcess | null;
      if (!c) break;
      c.kill('SIGKILL');
      await new Promise((r) => c.once('exit', r));
      kills++;
      await sleep(Math.random() * 200);
      startChild();
      if (!submitting && kills >= KILLS) break;
    }
    await submitter;
    const deadline = Date.now() + 60_000;
    const finals = await Promise.race([
      Promise.all(ids.map((id) => watcher.final(id))),
      (async () => { while (Date.now() < deadline) await sleep(500); return null; })(),
    ]);
    // count printed copies per job by its footer marker
    const copies = new Map<number, number>();
    for (const r of printer.receipts) {
      for (const m of r.text.join('\n').matchAll(/chaos-(\d+)#/g)) copies.set(Number(m[1]), (copies.get(Number(m[1])) ?? 0) + 1);
    }
    let lost = 0, duplicated = 0, unknown = 0, failed = 0;
    for (let i = 0; i < CHAOS_JOBS; i++) {
      const st = finals ? finals[i].state : (watcher.states.get(ids[i]!)?.state ?? 'queued');
      const n = copies.get(i) ?? 0;
      if (n > 1) duplicated++;
      if (st === 'unknown') unknown++;
      else if (st === 'failed') failed++; // reported honestly (e.g. printer timeout): not lost
      else if (n === 0) lost++; // `done` with no paper, or never finished
    }
    out.push({ metric: 'devices.jobs.lost', value: lost, unit: 'jobs', anchor: `goal: 0 after ${kills} kills in ${CHAOS_JOBS} jobs`, anchorValue: 0 });
    out.push({ metric: 'devices.jobs.duplicated', value: duplicated, unit: 'jobs', anchor: `goal: 0 after ${kills} kills in ${CHAOS_JOBS} jobs`, anchorValue: 0 });
    out.push({ metric: 'devices.jobs.unknown', value: unknown, unit: 'jobs' });
    out.push({ metric: 'devices.jobs.failed', value: failed, unit: 'jobs' });
    watcher.close();
    return out;
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await printer.stop();
    await tk.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

runAsScript(import.meta.url, () => run());
