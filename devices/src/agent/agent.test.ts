import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { multilingualReceipt } from '../receipt/sample-receipts.ts';
import { renderReceipt } from '../receipt/receipt.renderer.ts';
import { createDeviceBusHarness } from '../testing/device-bus-harness.ts';
import { Agent } from './agent.ts';
import { loadCredential, saveCredential } from './credential-store.ts';

type Harness = Awaited<ReturnType<typeof createDeviceBusHarness>>;
let h: Harness;
afterEach(async () => { await h?.close(); });

const receiptJob = (terminalId: string, tenantId: string, key: string) => ({
  tenantId, terminalId, idempotencyKey: key, deviceId: 'printer-1',
  kind: 'print-receipt' as const, payload: { kind: 'print-receipt' as const, document: multilingualReceipt() },
});

describe('terminal agent ⇄ hub ⇄ virtual printer', () => {
  it('prints a ru/uk/kk receipt that decodes back to the same text (images where the profile must)', async () => {
    h = await createDeviceBusHarness({ profileId: 'xprinter-80' });
    const cred = await h.enrollTerminal('tenant-a', 'store-1');
    h.startAgent(cred);
    const { row } = await h.hub.submit(receiptJob(cred.terminalId, 'tenant-a', 'sale-1:receipt'));
    const done = await h.waitForJob(row.job.jobId, ['done', 'failed', 'unknown']);
    expect(done.outcome).toEqual({ state: 'done' });
    const [printed] = await h.printer.waitForReceipts(1);
    const expected = renderReceipt(multilingualReceipt(), h.printer.profile).lines;
    const textLines = expected.filter((l) => l.mode === 'text').map((l) => l.text);
    expect(printed!.text).toEqual(textLines);
    // Kazakh lines cannot be encoded by this clone: they arrived as 24-dot images, never as '?'.
    const rasterCount = expected.filter((l) => l.mode === 'raster').length;
    expect(rasterCount).toBeGreaterThan(0);
    expect(printed!.items.filter((i) => i.kind === 'image' && i.height === 24)).toHaveLength(rasterCount);
    expect(printed!.text.join('')).toContain('Хліб житній');
    expect(printed!.text.join('')).not.toContain('?');
  });

  it('retries with the same idempotency key print once; a redelivered job is never re-run', async () => {
    h = await createDeviceBusHarness();
    const cred = await h.enrollTerminal('tenant-a', 'store-1');
    h.startAgent(cred);
    const first = await h.hub.submit(receiptJob(cred.terminalId, 'tenant-a', 'sale-7:receipt'));
    const again = await h.hub.submit(receiptJob(cred.terminalId, 'tenant-a', 'sale-7:receipt'));
    expect(again.created).toBe(false);
    expect(again.row.job.jobId).toBe(first.row.job.jobId);
    await h.waitForJob(first.row.job.jobId, ['done']);
    // The kernel lost its record of delivery (e.g. crashed before commit) and sends the job again.
    await h.storage.transition('tenant-a', first.row.job.jobId, ['done'], 'queued');
    h.server.dropAll();
    await h.waitForJob(first.row.job.jobId, ['done']);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.printer.receipts).toHaveLength(1);
  });

  it('killing the agent mid-job → after restart the job is unknown and is not reprinted', async () => {
    h = await createDeviceBusHarness();
    const cred = await h.enrollTerminal('tenant-a', 'store-1');
    const journalFile = path.join(h.dir, 'crash', 'journal.jsonl');
    h.printer.faults.slowMs = 2000; // the printer is busy long enough for the kill to land mid-job
    const child = spawn(process.execPath, [
      fileURLToPath(new URL('../testing/agent-child.ts', import.meta.url)),
      JSON.stringify({ credential: cred, journalFile, printer: { host: h.printer.host, port: h.printer.port, profileId: h.printer.profile.id } }),
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      const executing = new Promise<void>((resolve) => child.stdout!.on('data', (d) => { out += d; if (out.includes('executing')) resolve(); }));
      await new Promise<void>((resolve) => child.stdout!.on('data', () => { if (out.includes('connected')) resolve(); }));
      const { row } = await h.hub.submit(receiptJob(cred.terminalId, 'tenant-a', 'sale-9:receipt'));
      await executing;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      expect((await h.storage.getJob(row.tenantId, row.job.jobId))!.state).toBe('received');

      h.printer.faults.slowMs = 0;
      const restarted = new Agent({ credential: cred, journalFile, devices: [h.printerDevice()], minBackoffMs: 50 });
      h.agents.push(restarted);
      expect(restarted.journal.interrupted).toEqual([row.job.jobId]);
      restarted.start();
      const final = await h.waitForJob(row.job.jobId, ['done', 'failed', 'unknown']);
      expect(final.outcome).toMatchObject({ state: 'unknown', reason: 'INTERRUPTED' });
      await new Promise((r) => setTimeout(r, 500));
      expect(h.printer.receipts).toHaveLength(0);
      expect(restarted.journal.get(row.job.jobId)!.reported).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('jobs submitted while the agent is offline are delivered when it returns, in order', async () => {
    h = await createDeviceBusHarness();
    const cred = await h.enrollTerminal('tenant-a', 'store-1');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await h.hub.submit(receiptJob(cred.terminalId, 'tenant-a', `offline-${i}`))).row.job.jobId);
    for (const id of ids) expect((await h.storage.getJob('tenant-a', id))!.state).toBe('queued');
    const agent = h.startAgent(cred);
    for (const id of ids) await h.waitForJob(id, ['done']);
    // Cut the link; submit while it is down; the agent reconnects by itself.
    h.server.dropAll();
    await new Promise((r) => agent.once('disconnected', r));
    const late = (await h.hub.submit(receiptJob(cred.terminalId, 'tenant-a', 'offline-late'))).row.job.jobId;
    await h.waitForJob(late, ['done']);
    expect(h.printer.receipts).toHaveLength(4);
  });

  it('paper out → failed PAPER_OUT, nothing printed; drawer job sends the exact 5 bytes', async () => {
    h = await createDeviceBusHarness();
    const cred = await h.enrollTerminal('tenant-a', 'store-1');
    h.startAgent(cred);
    const statuses: string[] = [];
    h.hub.on('device.status', (_t: string, id: string, st: string) => statuses.push(`${id}:${st}`));
    const reported = new Promise<{ status: string }[]>((r) => h.hub.once('devices', (_t: string, d: { status: string }[]) => r(d)));
    expect((await reported)[0]!.status).toBe('online');
    h.printer.faults.paperOut = true;
    const { row } = await h.hub.submit(receiptJob(cred.terminalId, 'tenant-a', 'sale-po'));
    expect((await h.waitForJob(row.job.jobId, ['done', 'failed', 'unknown'])).outcome).toMatchObject({ state: 'failed', reason: 'PAPER_OUT' });
    expect(h.printer.receipts).toHaveLength(0);
    h.printer.faults.paperOut = false;
    const drawer = await h.hub.submit({ tenantId: 'tenant-a', terminalId: cred.terminalId, idempotencyKey: 'drawer-1', deviceId: 'printer-1', kind: 'open-drawer', payload: { kind: 'open-drawer', pin: 5 } });
    expect(drawer.row.job.expiresAt).toBeDefined(); // drawer kicks expire (30 s)
    await h.waitForJob(drawer.row.job.jobId, ['done']);
    await expect.poll(() => statuses, { timeout: 2000 }).toEqual(['printer-1:paper-out', 'printer-1:online']);
    expect(h.printer.drawerKicks).toEqual([{ pin: 5, onMs: 50, offMs: 500, bytes: [0x1b, 0x70, 0x01, 25, 250] }]);
  });

  it('a stale drawer job is expired, not executed, when the agent comes back late', async () => {
    h = await createDeviceBusHarness();
    const cred = await h.enrollTerminal('tenant-a', 'store-1');
    const { row } = await h.hub.submit({ tenantId: 'tenant-a', terminalId: cred.terminalId, idempotencyKey: 'drawer-x', deviceId: 'printer-1', kind: 'open-drawer', payload: { kind: 'open-drawer' }, ttlMs: 100 });
    await new Promise((r) => setTimeout(r, 200));
    h.startAgent(cred);
    expect((await h.waitForJob(row.job.jobId, ['expired', 'done'])).state).toBe('expired');
    expect(h.printer.drawerKicks).toHaveLength(0);
  });

  it('a revoked terminal is disconnected and cannot connect again; a bad token is refused', async () => {
    h = await createDeviceBusHarness();
    const cred = await h.enrollTerminal('tenant-a', 'store-1');
    const agent = h.startAgent(cred);
    await new Promise((r) => agent.once('connected', r));
    const revoked = new Promise((r) => agent.once('revoked', r));
    await h.hub.revoke(cred.terminalId);
    await revoked;
    const again = h.startAgent(cred, 'again');
    await new Promise((r) => again.once('revoked', r));
    const forged = h.startAgent({ ...cred, token: 'forged' }, 'forged');
    await new Promise((r) => forged.once('unauthorized', r));
    expect(h.hub.isConnected(cred.terminalId)).toBe(false);
  });

  it("a terminal of tenant A never receives tenant B's jobs", async () => {
    h = await createDeviceBusHarness();
    const a = await h.enrollTerminal('tenant-a', 'store-1');
    const b = await h.enrollTerminal('tenant-b', 'store-1');
    const agentA = h.startAgent(a);
    const seenByA: string[] = [];
    agentA.on('result', (id: string) => seenByA.push(id));
    h.startAgent(b);
    // Submitting to A's terminal under tenant B is refused outright.
    await expect(h.hub.submit(receiptJob(a.terminalId, 'tenant-b', 'x'))).rejects.toThrow(/terminal not found/);
    // The same idempotency key in two tenants is two intents.
    const jb = (await h.hub.submit(receiptJob(b.terminalId, 'tenant-b', 'same-key'))).row.job.jobId;
    const ja = (await h.hub.submit(receiptJob(a.terminalId, 'tenant-a', 'same-key'))).row.job.jobId;
    await h.waitForJob(jb, ['done']);
    await h.waitForJob(ja, ['done']);
    expect(seenByA).toEqual([ja]);
  });

  it('credential file is written 0600 and a world-readable one is refused', () => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'cred-'));
    const file = path.join(dir, 'credential.json');
    saveCredential(file, { kernelUrl: 'ws://127.0.0.1:1/x', terminalId: 't', token: 's' });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadCredential(file)?.token).toBe('s');
    fs.chmodSync(file, 0o644);
    expect(() => loadCredential(file)).toThrow(/readable by others/);
    fs.rmSync(dir, { recursive: true });
  });
});
