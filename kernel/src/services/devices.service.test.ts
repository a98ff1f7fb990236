import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { definePlugin, Type } from '@atrium/sdk';
import { Agent, VirtualPrinter, getProfile, renderReceipt } from '@atrium/devices';
import { enroll, type AgentCredential } from '../../../devices/src/agent/credential-store.ts';
import { EscPosPrinterDriver } from '../../../devices/src/drivers/escpos-printer.driver.ts';
import { TcpTransport } from '../../../devices/src/drivers/byte-transport.ts';
import { multilingualReceipt } from '../../../devices/src/receipt/sample-receipts.ts';
import { SerialScannerDriver } from '../../../devices/src/drivers/scanner.driver.ts';

// A plugin that prints through ctx.devices, as a real plugin would (no bytes, no sockets).
const till = definePlugin({
  manifest: { id: 'till', version: '0.1.0', displayName: { en: 'Till' }, engines: { sdk: '^1.0.0' } } as any,
  services: [{
    name: 'sales',
    actions: {
      checkout: {
        rest: 'POST /checkout',
        permission: 'authenticated',
        params: Type.Object({ saleId: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        async handler(ctx: any) {
          const job = await ctx.devices.print('receipt@front-desk', multilingualReceipt(), { idempotencyKey: `sale-${ctx.params.saleId}:receipt` });
          return { saleId: ctx.params.saleId, job };
        },
      },
    },
  }],
});

let tk: TestKernel;
let owner: TestClient, manager: TestClient, staff: TestClient, globex: TestClient;
let acmeStore: string, globexStore: string;
let printer: VirtualPrinter, globexPrinter: VirtualPrinter;
let dir: string;
let db: pg.Client;
const agents: Agent[] = [];

const wsUrl = () => `${tk.url.replace(/^http/, 'ws')}/api/devices/agent`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function printerDevice(p: VirtualPrinter) {
  return {
    deviceId: 'printer-1', name: 'virtual receipt printer', kind: 'printer' as const, profile: p.profile,
    driver: new EscPosPrinterDriver({ profile: p.profile, transport: () => new TcpTransport(p.host, p.port), statusTimeoutMs: 1000 }),
  };
}

async function enrollTerminal(c: TestClient, storeId: string, name = 'till'): Promise<AgentCredential> {
  const r = await c.post('/api/devices/enrollment-codes', { storeId });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const out = await enroll(tk.url, r.body.code, name);
  return { kernelUrl: wsUrl(), ...out };
}

function startAgent(cred: AgentCredential, p: VirtualPrinter, journal = `${cred.terminalId}.jsonl`): Agent {
  const agent = new Agent({ credential: cred, journalFile: path.join(dir, journal), devices: [printerDevice(p)], minBackoffMs: 50, maxBackoffMs: 300 });
  agents.push(agent);
  agent.start();
  return agent;
}
const connected = (a: Agent) => (a.connected ? Promise.resolve() : new Promise<void>((r) => a.once('connected', () => r())));

async function waitJob(c: TestClient, id: string, states: string[], timeoutMs = 10_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < until) {
    last = (await c.get(`/api/devices/jobs/${id}`)).body;
    if (states.includes(last?.state)) return last;
    await sleep(40);
  }
  throw new Error(`job ${id} did not reach ${states.join('|')}: ${JSON.stringify(last)}`);
}

const receiptJob = (role = 'receipt@front-desk', document: unknown = multilingualReceipt()) => ({ kind: 'print-receipt', role, document });
const key = (k: string) => ({ headers: { 'idempotency-key': k } });

/** A terminal with a printer in `store`, role `receipt@front-desk` pointing at it. */
async function terminalWithRole(c: TestClient, store: string, p: VirtualPrinter, role = 'receipt@front-desk') {
  const cred = await enrollTerminal(c, store);
  const r = await c.put('/api/devices/roles', { storeId: store, role, terminalId: cred.terminalId, deviceId: 'printer-1' });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return cred;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-devices-k-'));
  tk = await createTestKernel({
    plugins: [till],
    tenants: [
      { name: 'Acme', owner: 'owner@acme.test', enable: ['till'], users: [{ email: 'manager@acme.test', roles: ['manager'] }, { email: 'staff@acme.test', roles: ['staff'] }] },
      { name: 'Globex', owner: 'owner@globex.test' },
    ],
  });
  [owner, manager, staff, globex] = await Promise.all(['owner@acme.test', 'manager@acme.test', 'staff@acme.test', 'owner@globex.test'].map((e) => tk.as(e)));
  acmeStore = (await owner.post('/api/tenants/stores', { name: 'Front' })).body.id;
  globexStore = (await globex.post('/api/tenants/stores', { name: 'Globex HQ' })).body.id;
  printer = new VirtualPrinter(getProfile('epson-tm-t20-80'));
  globexPrinter = new VirtualPrinter(getProfile('epson-tm-t20-80'));
  await printer.start();
  await globexPrinter.start();
  db = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await db.connect();
});

afterAll(async () => {
  for (const a of agents) await a.stop().catch(() => {});
  await printer?.stop();
  await globexPrinter?.stop();
  await db?.end();
  await tk?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Each test owns its roles: start from a clean slate in the Acme store. */
async function resetAcme() {
  for (const a of agents.splice(0)) await a.stop().catch(() => {});
  await db.query('delete from kernel.device_role');
  printer.receipts.length = 0;
  printer.drawerKicks.length = 0;
  printer.faults.slowMs = 0;
}

describe('devices service: enrolment', () => {
  it('a code enrols once, within 10 minutes, into its own tenant and store; QR included', async () => {
    const r = await manager.post('/api/devices/enrollment-codes', { storeId: acmeStore });
    expect(r.status).toBe(201);
    expect(r.body.code).toMatch(/^[A-Z2-9]{10}$/);
    expect(r.body.qrSvg).toMatch(/^<svg/);
    expect(r.body.uri).toContain(r.body.code);
    expect(new Date(r.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    // codes are stored hashed
    expect((await db.query('select count(*)::int as n from kernel.enrollment_code where code_hash = $1', [r.body.code])).rows[0].n).toBe(0);

    const first = await tk.anonymous().post('/api/devices/enroll', { code: r.body.code, name: 'Till 1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ tenantId: owner.tenantId, storeId: acmeStore });
    expect(first.body.token.length).toBeGreaterThan(30);
    const again = await tk.anonymous().post('/api/devices/enroll', { code: r.body.code, name: 'Till 2' });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('ENROLLMENT_CODE_INVALID');

    // expired
    const late = await owner.post('/api/devices/enrollment-codes', { storeId: acmeStore });
    await db.query(`update kernel.enrollment_code set expires_at = now() - interval '1 second'`);
    expect((await tk.anonymous().post('/api/devices/enroll', { code: late.body.code })).status).toBe(401);

    // wrong tenant: Acme cannot mint codes for Globex's store
    expect((await owner.post('/api/devices/enrollment-codes', { storeId: globexStore })).status).toBe(404);
    // staff may not enrol terminals
    expect((await staff.post('/api/devices/enrollment-codes', { storeId: acmeStore })).status).toBe(403);

    const list = await owner.get('/api/devices/terminals');
    expect(list.body.items.map((t: any) => t.id)).toContain(first.body.terminalId);
    expect((await globex.get('/api/devices/terminals')).body.items.map((t: any) => t.id)).not.toContain(first.body.terminalId);
  });
});

describe('devices service: jobs through the real agent and the virtual printer', () => {
  it('a ru/uk/kk receipt posted to /api/devices/jobs prints and decodes back; the admin socket sees the states', async () => {
    await resetAcme();
    const cred = await terminalWithRole(owner, acmeStore, printer);
    const agent = startAgent(cred, printer);
    await connected(agent);

    const pushes: any[] = [];
    const admin = new WebSocket(`${tk.url.replace(/^http/, 'ws')}/api/ws?token=${owner.token}`);
    admin.on('message', (m) => { const msg = JSON.parse(m.toString()); if (msg.type === 'devices.job') pushes.push(msg.job); });
    await new Promise((r) => admin.once('message', r));

    const r = await staff.post('/api/devices/jobs', receiptJob(), key('sale-1:receipt'));
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ kind: 'print-receipt', role: 'receipt@front-desk', terminalId: cred.terminalId, deviceId: 'printer-1' });
    const done = await waitJob(owner, r.body.id, ['done', 'failed', 'unknown']);
    expect(done.outcome).toEqual({ state: 'done' });
    const [printed] = await printer.waitForReceipts(1);
    const expected = renderReceipt(multilingualReceipt(), printer.profile).lines;
    expect(printed!.text).toEqual(expected.filter((l) => l.mode === 'text').map((l) => l.text));
    expect(printed!.text.join('\n')).toContain('Хліб житній');
    expect(printed!.text.join('')).not.toContain('?');

    const until = Date.now() + 3000;
    while (!pushes.some((j) => j.id === r.body.id && j.state === 'done') && Date.now() < until) await sleep(20);
    expect(pushes.filter((j) => j.id === r.body.id).map((j) => j.state)).toEqual(expect.arrayContaining(['queued', 'received', 'done']));
    admin.close();

    // the terminal and its device are registered from the agent's report
    const devs = await owner.get('/api/devices/devices', { query: { terminalId: cred.terminalId } });
    expect(devs.body.items).toEqual([expect.objectContaining({ deviceId: 'printer-1', kind: 'printer', connected: true })]);
    const jobs = await owner.get('/api/devices/jobs', { query: { state: 'done', terminalId: cred.terminalId, limit: 5 } });
    expect(jobs.body.total).toBe(1);
  });

  it('a retry with the same Idempotency-Key prints once; the key is the user\'s own; no key → 400; same key, other receipt → 422', async () => {
    await resetAcme();
    const cred = await terminalWithRole(owner, acmeStore, printer);
    await connected(startAgent(cred, printer));
    const a = await staff.post('/api/devices/jobs', receiptJob(), key('sale-2:receipt'));
    const b = await staff.post('/api/devices/jobs', receiptJob(), key('sale-2:receipt'));
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(b.body.id).toBe(a.body.id);
    expect(a.body.idempotencyKey).toBe('sale-2:receipt');
    await waitJob(owner, a.body.id, ['done']);
    await sleep(300);
    expect(printer.receipts).toHaveLength(1);
    // the key is the staff member's own (issue 24): the owner sending it gets a job of their own,
    // never the staff member's job or its answer
    const c = await owner.post('/api/devices/jobs', receiptJob(), key('sale-2:receipt'));
    expect(c.status).toBe(201);
    expect(c.headers.get('idempotent-replayed')).toBeNull();
    expect(c.body.id).not.toBe(a.body.id);
    expect(c.body.idempotencyKey).toBe('sale-2:receipt');
    await waitJob(owner, c.body.id, ['done']);
    expect(printer.receipts).toHaveLength(2);
    const byKey = await owner.get('/api/devices/jobs', { query: { idempotencyKey: 'sale-2:receipt' } });
    expect(byKey.body.items.map((j: any) => j.id).sort()).toEqual([a.body.id, c.body.id].sort());

    const noKey = await staff.post('/api/devices/jobs', receiptJob());
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.fields.map((f: any) => f.field)).toContain('Idempotency-Key');
    const other = { ...multilingualReceipt(), footer: ['another'] };
    expect((await staff.post('/api/devices/jobs', receiptJob('receipt@front-desk', other), key('sale-2:receipt'))).status).toBe(422);
  });

  it('ctx.devices.print from a plugin action prints once per sale, however often the client retries', async () => {
    await resetAcme();
    const cred = await terminalWithRole(owner, acmeStore, printer);
    await connected(startAgent(cred, printer));
    const first = await staff.post('/api/till/sales/checkout', { saleId: 's-77' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.job).toMatchObject({ state: expect.any(String), role: 'receipt@front-desk', idempotencyKey: 'sale-s-77:receipt' });
    const retry = await staff.post('/api/till/sales/checkout', { saleId: 's-77' });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body.job.id).toBe(first.body.job.id);
    await waitJob(owner, first.body.job.id, ['done']);
    await sleep(200);
    expect(printer.receipts).toHaveLength(1);
  });

  it('killing the agent mid-job → after restart the job is unknown and is not reprinted', async () => {
    await resetAcme();
    const cred = await terminalWithRole(owner, acmeStore, printer);
    const journalFile = path.join(dir, 'crash.jsonl');
    printer.faults.slowMs = 2000;
    const child = spawn(process.execPath, [
      fileURLToPath(new URL('../../../devices/src/testing/agent-child.ts', import.meta.url)),
      JSON.stringify({ credential: cred, journalFile, printer: { host: printer.host, port: printer.port, profileId: printer.profile.id } }),
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      const seen = (s: string) => new Promise<void>((resolve) => { const f = () => { if (out.includes(s)) resolve(); }; child.stdout!.on('data', (d) => { out += d; f(); }); f(); });
      await seen('connected');
      const r = await staff.post('/api/devices/jobs', receiptJob(), key('sale-3:receipt'));
      await seen('executing');
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
      expect((await owner.get(`/api/devices/jobs/${r.body.id}`)).body.state).toBe('received');
      printer.faults.slowMs = 0;
      const restarted = new Agent({ credential: cred, journalFile, devices: [printerDevice(printer)], minBackoffMs: 50 });
      agents.push(restarted);
      restarted.start();
      const final = await waitJob(owner, r.body.id, ['done', 'failed', 'unknown']);
      expect(final.outcome).toMatchObject({ state: 'unknown', reason: 'INTERRUPTED' });
      await sleep(500);
      expect(printer.receipts).toHaveLength(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('jobs submitted while the agent is offline are delivered, in order, when it returns', async () => {
    await resetAcme();
    const cred = await terminalWithRole(owner, acmeStore, printer);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const doc = { ...multilingualReceipt(), footer: [`offline ${i}`] };
      ids.push((await staff.post('/api/devices/jobs', receiptJob('receipt@front-desk', doc), key(`offline-${i}`))).body.id);
    }
    for (const id of ids) expect((await owner.get(`/api/devices/jobs/${id}`)).body.state).toBe('queued');
    startAgent(cred, printer);
    for (const id of ids) await waitJob(owner, id, ['done']);
    const printed = await printer.waitForReceipts(3);
    expect(printed.map((p) => p.text.find((t) => t.includes('offline')))).toEqual(['offline 0', 'offline 1', 'offline 2']);
  });

  it('a drawer job not delivered in time expires and never kicks; drawers live at most 30 s', async () => {
    await resetAcme();
    const cred = await terminalWithRole(owner, acmeStore, printer, 'drawer@front-desk');
    const def = await staff.post('/api/devices/jobs', { kind: 'open-drawer', role: 'drawer@front-desk' }, key('drawer-default'));
    expect(def.status).toBe(201);
    expect(new Date(def.body.expiresAt).getTime() - new Date(def.body.createdAt).getTime()).toBe(30_000);
    const r = await staff.post('/api/devices/jobs', { kind: 'open-drawer', role: 'drawer@front-desk', ttlSeconds: 1 }, key('drawer-1'));
    const expired = await waitJob(owner, r.body.id, ['expired'], 5000);
    expect(expired.outcome).toMatchObject({ state: 'failed', reason: 'EXPIRED' });
    await connected(startAgent(cred, printer));
    await waitJob(owner, def.body.id, ['done']);
    await sleep(300);
    expect(printer.drawerKicks).toHaveLength(1); // the live one only
    const tooLong = await staff.post('/api/devices/jobs', { kind: 'open-drawer', role: 'drawer@front-desk', ttlSeconds: 60 }, key('drawer-2'));
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.fields.map((f: any) => f.field)).toContain('ttlSeconds');
  });
});

describe('devices service: terminals and tenants', () => {
  it('a revoked terminal is disconnected and cannot connect again; staff and managers cannot revoke', async () => {
    await resetAcme();
    const cred = await terminalWithRole(owner, acmeStore, printer);
    const agent = startAgent(cred, printer);
    await connected(agent);
    expect((await staff.post(`/api/devices/terminals/${cred.terminalId}/revoke`)).status).toBe(403);
    expect((await manager.post(`/api/devices/terminals/${cred.terminalId}/revoke`)).status).toBe(403);
    const revoked = new Promise((r) => agent.once('revoked', r));
    expect((await owner.post(`/api/devices/terminals/${cred.terminalId}/revoke`)).status).toBe(200);
    await revoked;
    const again = new Agent({ credential: cred, journalFile: path.join(dir, 'revoked-again.jsonl'), devices: [printerDevice(printer)], minBackoffMs: 50 });
    agents.push(again);
    const refused = new Promise((r) => again.once('revoked', r));
    again.start();
    await refused;
    expect(again.connected).toBe(false);
    const job = await staff.post('/api/devices/jobs', receiptJob(), key('after-revoke'));
    expect(job.status).toBe(422);
    expect(job.body.error.code).toBe('TERMINAL_REVOKED');
    // a forged token is refused too
    const forged = new Agent({ credential: { ...cred, token: 'x'.repeat(43) }, journalFile: path.join(dir, 'forged.jsonl'), devices: [], minBackoffMs: 50 });
    agents.push(forged);
    const unauthorized = new Promise((r) => forged.once('unauthorized', r));
    forged.start();
    await unauthorized;
  });

  it("tenant A's terminal never receives tenant B's jobs, and B cannot address A's terminal", async () => {
    await resetAcme();
    globexPrinter.receipts.length = 0;
    const acme = await terminalWithRole(owner, acmeStore, printer);
    const gx = await terminalWithRole(globex, globexStore, globexPrinter);
    await Promise.all([connected(startAgent(acme, printer)), connected(startAgent(gx, globexPrinter))]);
    const a = await owner.post('/api/devices/jobs', { ...receiptJob(), document: { ...multilingualReceipt(), footer: ['for acme'] } }, key('same-key'));
    const g = await globex.post('/api/devices/jobs', { ...receiptJob(), document: { ...multilingualReceipt(), footer: ['for globex'] } }, key('same-key'));
    expect(a.status).toBe(201);
    expect(g.status).toBe(201); // idempotency keys are per tenant
    expect(g.body.id).not.toBe(a.body.id);
    await waitJob(owner, a.body.id, ['done']);
    await waitJob(globex, g.body.id, ['done']);
    expect(printer.receipts.map((r) => r.text.join('\n'))).toEqual([expect.stringContaining('for acme')]);
    expect(globexPrinter.receipts.map((r) => r.text.join('\n'))).toEqual([expect.stringContaining('for globex')]);
    // Globex naming Acme's terminal directly: invisible under RLS
    const cross = await globex.post('/api/devices/jobs', { kind: 'print-receipt', terminalId: acme.terminalId, deviceId: 'printer-1', document: multilingualReceipt() }, key('cross'));
    expect(cross.status).toBe(404);
    expect((await globex.get(`/api/devices/jobs/${a.body.id}`)).status).toBe(404);
    expect((await globex.put('/api/devices/roles', { storeId: globexStore, role: 'receipt@stolen', terminalId: acme.terminalId, deviceId: 'printer-1' })).status).toBe(400);
    await sleep(200);
    expect(globexPrinter.receipts).toHaveLength(1);
    expect(printer.receipts).toHaveLength(1);
  });

  it('a serial scan becomes the outbox event devices.scan.v1 of the terminal\'s tenant', async () => {
    await resetAcme();
    const cred = await enrollTerminal(owner, acmeStore);
    let feed: (b: Buffer) => void = () => {};
    const scanner = new SerialScannerDriver({ onData: (cb: (b: Buffer) => void) => { feed = cb; }, open: async () => {}, close: async () => {} } as any);
    const agent = new Agent({ credential: cred, journalFile: path.join(dir, 'scan.jsonl'), devices: [{ deviceId: 'scanner-1', name: 'scanner', kind: 'scanner', driver: scanner }], minBackoffMs: 50 });
    agents.push(agent);
    agent.start();
    await connected(agent);
    feed(Buffer.from('4870001234567\r'));
    let row: any;
    for (let i = 0; i < 100 && !row; i++) {
      row = (await db.query(`select tenant_id, payload from kernel.outbox where name = 'devices.scan.v1' and payload->>'terminalId' = $1`, [cred.terminalId])).rows[0];
      if (!row) await sleep(30);
    }
    expect(row).toMatchObject({ tenant_id: owner.tenantId, payload: { deviceId: 'scanner-1', data: '4870001234567', storeId: acmeStore } });
    const devs = await owner.get('/api/devices/devices', { query: { terminalId: cred.terminalId } });
    expect(devs.body.items).toEqual([expect.objectContaining({ deviceId: 'scanner-1', kind: 'scanner' })]);
  });

  it('bad input gets 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ role: 'receipt@front-desk' }, 'kind'],
      [{ kind: 'print-receipt', role: 'Receipt Desk', document: multilingualReceipt() }, 'role'],
      [{ kind: 'print-receipt', role: 'receipt@front-desk' }, 'document'],
      [{ kind: 'print-receipt', role: 'receipt@front-desk', document: { ...multilingualReceipt(), currency: 'rubles' } }, 'document.currency'],
      [{ kind: 'display', role: 'vfd@front-desk', lines: ['a', 'b', 'c'] }, 'lines'],
      [{ kind: 'open-drawer', role: 'drawer@front-desk', pin: 3 }, 'pin'],
      [{ kind: 'print-receipt', role: 'receipt@front-desk', document: multilingualReceipt(), copies: 2 }, 'copies'],
      [{ kind: 'print-receipt', terminalId: 'term_00000000-0000-4000-8000-000000000000', document: multilingualReceipt() }, 'deviceId'],
    ];
    for (const [body, field] of cases) {
      const r = await owner.post('/api/devices/jobs', body, key(`bad-${field}`));
      expect(r.status, `${field}: ${JSON.stringify(r.body)}`).toBe(400);
      expect(r.body.error.fields.map((f: any) => f.field).join(' '), JSON.stringify(r.body.error.fields)).toContain(field);
    }
    expect((await owner.put('/api/devices/terminals/term_00000000-0000-4000-8000-000000000000/devices/p/profile', { profileId: 'nope' })).status).toBe(400);
    expect((await owner.get('/api/devices/jobs', { query: { state: 'lost' } })).status).toBe(400);
    expect((await owner.post('/api/devices/enroll', { code: 'x' })).status).toBe(400);
  });
});
