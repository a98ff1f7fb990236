// What plugins get for long-lived channel connections: `ctx.secrets` (data only this plugin can
// open, bound to the tenant), `ctx.push` (a message to the tenant's admin sessions after commit)
// and `workers` (a loop per unit, on exactly one node, stopped when unwanted or disabled).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { defineAction, definePlugin, defineService, defineWorker, Type } from '@atrium/sdk';

/** Which units run right now, and every call they made (in the test's process: the kernel runs here). */
const running = new Map<string, number>();
const ticks: { tenantId: string; key: string }[] = [];

const loops = definePlugin({
  manifest: { id: 'loops', version: '0.1.0', displayName: { en: 'Loops' }, engines: { sdk: '^1.0.0' } },
  services: [
    defineService({
      name: 'units',
      actions: {
        set: defineAction({
          rest: 'PUT /',
          permission: 'authenticated',
          params: Type.Object({ keys: Type.Array(Type.String()) }, { additionalProperties: false }),
          handler(ctx) {
            ctx.workers.set('ticker', ctx.params.keys);
            ctx.push({ type: 'loops.changed', keys: ctx.params.keys });
            return { ok: true };
          },
        }),
        seal: defineAction({
          rest: 'POST /seal',
          permission: 'authenticated',
          transaction: false,
          params: Type.Object({ value: Type.Optional(Type.String()), sealed: Type.Optional(Type.String()) }, { additionalProperties: false }),
          handler(ctx) {
            if (ctx.params.value !== undefined) return { sealed: ctx.secrets.seal({ value: ctx.params.value }) };
            return ctx.secrets.open(ctx.params.sealed!);
          },
        }),
        tick: defineAction({
          permission: 'internal',
          params: Type.Object({ key: Type.String() }, { additionalProperties: false }),
          handler(ctx) {
            ticks.push({ tenantId: ctx.tenantId, key: ctx.params.key });
            return { ok: true };
          },
        }),
      },
    }),
  ],
  workers: {
    ticker: defineWorker({
      async run(ctx) {
        const id = `${ctx.tenantId}:${ctx.key}`;
        running.set(id, (running.get(id) ?? 0) + 1);
        try {
          while (!ctx.signal.aborted) {
            await ctx.call('loops.units.tick', { key: ctx.key });
            await new Promise((r) => setTimeout(r, 50));
          }
        } finally {
          running.set(id, running.get(id)! - 1);
        }
      },
    }),
  },
});

let tk: TestKernel;
let a: TestClient;
let b: TestClient;

async function until(what: string, fn: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  tk = await createTestKernel({ plugins: [loops], tenants: [{ name: 'A', enable: ['loops'] }, { name: 'B', enable: ['loops'] }] });
  a = await tk.as('owner@a.test');
  b = await tk.as('owner@b.test');
});
afterAll(() => tk?.stop());

describe('ctx.secrets', () => {
  it('opens what this plugin sealed for this tenant, and nothing another tenant sealed', async () => {
    const sealed = (await a.post('/api/loops/units/seal', { value: 'bot-token' })).body.sealed;
    expect(sealed).not.toContain('bot-token');
    expect((await a.post('/api/loops/units/seal', { sealed })).body).toEqual({ value: 'bot-token' });
    const other = await b.post('/api/loops/units/seal', { sealed });
    expect(other.status).toBe(500);
    expect(JSON.stringify(other.body)).not.toContain('bot-token');
  });
});

describe('ctx.push', () => {
  it('reaches the tenant\'s sockets after the commit, and no other tenant\'s', async () => {
    const open = (c: TestClient) => new Promise<{ ws: WebSocket; got: any[] }>((resolve) => {
      const ws = new WebSocket(`${tk.url.replace('http', 'ws')}/api/ws?token=${c.token}`);
      const got: any[] = [];
      ws.on('message', (m) => {
        const msg = JSON.parse(String(m));
        if (msg.type === 'hello') resolve({ ws, got });
        else got.push(msg);
      });
    });
    const sa = await open(a);
    const sb = await open(b);
    expect((await a.put('/api/loops/units', { keys: [] })).status).toBe(200);
    await until('the push', () => sa.got.some((m) => m.type === 'loops.changed'));
    await new Promise((r) => setTimeout(r, 200));
    expect(sb.got).toEqual([]);
    sa.ws.close();
    sb.ws.close();
  });
});

describe('workers', () => {
  it('runs each wanted unit once, in its tenant, and stops it when it leaves the set or the plugin is disabled', async () => {
    await a.put('/api/loops/units', { keys: ['x', 'y'] });
    await b.put('/api/loops/units', { keys: ['x'] });
    const tA = a.tenantId;
    const tB = b.tenantId;
    await until('three units', () => running.get(`${tA}:x`) === 1 && running.get(`${tA}:y`) === 1 && running.get(`${tB}:x`) === 1);
    await until('ticks from every unit', () => ['x', 'y'].every((k) => ticks.some((t) => t.tenantId === tA && t.key === k)) && ticks.some((t) => t.tenantId === tB));
    // never two copies of one unit
    for (const n of running.values()) expect(n).toBeLessThanOrEqual(1);

    await a.put('/api/loops/units', { keys: ['x'] });
    await until('y stopped', () => running.get(`${tA}:y`) === 0);
    expect(running.get(`${tA}:x`)).toBe(1);

    expect((await b.post('/api/plugins/loops/disable')).status).toBe(200);
    await until('B stopped', () => running.get(`${tB}:x`) === 0);
    expect(running.get(`${tA}:x`)).toBe(1);
    expect((await b.post('/api/plugins/loops/enable')).status).toBe(200);
    await until('B running again', () => running.get(`${tB}:x`) === 1);
  });
});
