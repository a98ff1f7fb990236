import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { enroll } from '../../devices/src/agent/credential-store.ts';
import { waitFor } from './fixtures/platform-process.ts';

/**
 * An enrolled terminal that floods the bus (the attack stored 5,000 × 100 KB scans, 470 MB, and
 * accepted a report of 20,000 devices): per-terminal rate, message size, devices per report and
 * scan size are limited, the agent is told which limit it broke, and a terminal that keeps
 * flooding is disconnected.
 */
let tk: TestKernel;
let owner: TestClient;
let db: pg.Client;
let storeId: string;

beforeAll(async () => {
  tk = await createTestKernel({ tenants: [{ name: 'Flood', owner: 'owner@flood.test' }] });
  owner = await tk.as('owner@flood.test');
  storeId = (await owner.post('/api/tenants/stores', { name: 'Front' })).body.id;
  db = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await tk?.stop();
});

type Terminal = { ws: WebSocket; errors: any[]; closed: Promise<number>; terminalId: string };

/** Enrols a terminal and says hello on a raw socket, as a hostile agent would. */
async function terminal(): Promise<Terminal> {
  const code = (await owner.post('/api/devices/enrollment-codes', { storeId })).body.code;
  const cred = await enroll(tk.url, code, 'flooder');
  const ws = new WebSocket(`${tk.url.replace(/^http/, 'ws')}/api/devices/agent`);
  const errors: any[] = [];
  const closed = new Promise<number>((r) => ws.once('close', (c) => r(c)));
  const ready = new Promise<void>((resolve, reject) => {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.type === 'hello.ok') resolve();
      if (m.type === 'error') errors.push(m);
    });
    ws.once('close', () => reject(new Error('closed before hello.ok')));
  });
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'hello', v: 1, terminalId: cred.terminalId, token: cred.token, agentVersion: 'flood/1' }));
  await ready;
  return { ws, errors, closed, terminalId: cred.terminalId };
}

const scans = async (terminalId: string) => (await db.query(`select count(*)::int as n, coalesce(sum(length(payload::text)), 0)::int as bytes from kernel.outbox where name = 'devices.scan.v1' and payload->>'terminalId' = $1`, [terminalId])).rows[0];
const devicesOf = async (terminalId: string) => (await db.query('select count(*)::int as n from kernel.device where terminal_id = $1', [terminalId])).rows[0].n;

describe('device bus limits per terminal', () => {
  it('a scan longer than the limit and a message larger than the limit are dropped, with a clear error', async () => {
    const t = await terminal();
    t.ws.send(JSON.stringify({ type: 'scan', deviceId: 'scanner-1', data: 'x'.repeat(5000), at: new Date().toISOString() }));
    t.ws.send(JSON.stringify({ type: 'scan', deviceId: 'scanner-1', data: 'y'.repeat(100 * 1024), at: new Date().toISOString() }));
    t.ws.send(JSON.stringify({ type: 'scan', deviceId: 'scanner-1', data: '4601234567890', at: new Date().toISOString() }));
    await waitFor('the two errors', async () => t.errors.length >= 2);
    expect(t.errors.map((e) => e.code)).toEqual(['SCAN_TOO_LARGE', 'MESSAGE_TOO_LARGE']);
    expect(t.errors[0]).toMatchObject({ limit: 4096, message: expect.stringContaining('4096') });
    await waitFor('the good scan', async () => (await scans(t.terminalId)).n === 1);
    t.ws.close();
  });

  it('a report of 20,000 devices is refused; none is stored', async () => {
    const t = await terminal();
    const devices = Array.from({ length: 20_000 }, (_, i) => ({ deviceId: `d${i}`, kind: 'printer', name: 'p', status: 'online' }));
    t.ws.send(JSON.stringify({ type: 'devices', devices }));
    // 20,000 devices are ~1.2 MB: above the socket's frame limit the socket itself is closed (1009)
    expect(await t.closed).toBe(1009);
    const u = await terminal();
    u.ws.send(JSON.stringify({ type: 'devices', devices: devices.slice(0, 500) }));
    await waitFor('the error', async () => u.errors.length === 1);
    expect(u.errors[0]).toMatchObject({ code: 'TOO_MANY_DEVICES', limit: 64 });
    u.ws.send(JSON.stringify({ type: 'devices', devices: devices.slice(0, 3) }));
    await waitFor('three devices', async () => (await devicesOf(u.terminalId)) === 3);
    expect(await devicesOf(t.terminalId)).toBe(0);
    u.ws.close();
  });

  it('5,000 scans as fast as the socket takes them: rate-limited, told so, disconnected for flooding; stored scans stay bounded', async () => {
    const t = await terminal();
    for (let i = 0; i < 5000 && t.ws.readyState === WebSocket.OPEN; i++) {
      t.ws.send(JSON.stringify({ type: 'scan', deviceId: 'scanner-1', data: `code-${i}-${'z'.repeat(3000)}`, at: new Date().toISOString() }));
    }
    expect(await t.closed).toBe(4429);
    expect(t.errors.some((e) => e.code === 'RATE_LIMITED' && e.limit === 20)).toBe(true);
    const s = await waitFor('the accepted scans to be written', async () => {
      const a = await scans(t.terminalId);
      const b = await new Promise((r) => setTimeout(r, 300)).then(() => scans(t.terminalId));
      return a.n === b.n && a.n > 0 ? b : null;
    });
    // the burst (100) and what the rate refilled meanwhile — far from 5,000 × 3 KB
    expect(s.n).toBeLessThan(400);
    expect(s.bytes).toBeLessThan(400 * 3200);
  });
});
