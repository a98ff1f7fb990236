import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { startLocalRedis } from '@atrium/kernel';
import { freePort, waitFor } from './fixtures/platform-process.ts';
import notes from '../../plugins/notes/src/index.ts';
import { tallyPlugin } from './fixtures/test-plugins.ts';

/**
 * A real redis-server of this test's own, stopped and started again under a running kernel.
 * While Redis is down, what needs no Redis keeps working (reads, writes, sign-in — the rate
 * limits hold per node), health says degraded; when it is back everything recovers by itself.
 * `tally` subscribes to notes.note.created.v1, so those events wait in the outbox for the relay
 * (an event nobody subscribes to is written as delivered and would prove nothing here).
 */
let tk: TestKernel;
let owner: TestClient;
let dir: string;
let port: number;
let redis: { url: string; stop(): Promise<void> } | null = null;

const startRedis = async () => (redis = await startLocalRedis({ dir, port, persist: false }));
const ownerSql = async (text: string): Promise<any[]> => {
  const c = new (await import('pg')).default.Client({ connectionString: tk.databaseUrls.owner });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
};
const pendingCreated = async () => (await ownerSql(`select count(*)::int as n from kernel.outbox where name = 'notes.note.created.v1' and published_at is null`))[0].n as number;
const health = async () => (await fetch(`${tk.url}/api/health`)).json() as Promise<any>;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-redis-down-'));
  port = await freePort();
  await startRedis();
  tk = await createTestKernel({ plugins: [notes, tallyPlugin], redisUrl: redis!.url, tenants: [{ name: 'Down', owner: 'owner@down.test', enable: ['notes', 'tally'] }] });
  owner = await tk.as('owner@down.test');
});
afterAll(async () => {
  await tk?.stop();
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('Redis stops and comes back', () => {
  it('serves reads, writes and sign-ins while Redis is down; health says degraded', async () => {
    expect((await owner.post('/api/notes/notes', { title: 'before' })).status).toBe(201);
    expect((await health()).status).toBe('ok');
    await redis!.stop();
    redis = null;
    await waitFor('health to notice', async () => (await health()).checks.redis.state === 'down');
    const h = await fetch(`${tk.url}/api/health`);
    expect(h.status).toBe(200);
    expect((await h.json()).status).toBe('degraded');
    for (let i = 0; i < 5; i++) {
      const w = await owner.post('/api/notes/notes', { title: `during ${i}` });
      expect(w.status, JSON.stringify(w.body)).toBe(201);
      const r = await owner.get('/api/notes/notes');
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    // sign-in has its own (per account, per IP) limits: they hold on this node's counts
    const again = await tk.as('owner@down.test');
    expect((await again.get('/api/me')).status).toBe(200);
    expect((await owner.get('/api/notes/notes')).body.total).toBe(6);
    // the relay cannot queue deliveries without Redis: the events written meanwhile wait in the outbox
    expect(await pendingCreated()).toBeGreaterThanOrEqual(5);
  });

  it('recovers by itself when Redis is back: health ok, events published, limits shared again', async () => {
    await startRedis();
    await waitFor('health ok', async () => (await health()).status === 'ok', 30_000);
    expect((await owner.post('/api/notes/notes', { title: 'after' })).status).toBe(201);
    // the events written while Redis was down left the outbox once it was back
    await waitFor('the outbox to empty', async () => (await pendingCreated()) === 0, 30_000);
    expect((await ownerSql(`select count(*)::int as n from kernel.outbox where name = 'notes.note.created.v1'`))[0].n).toBe(7);
    // and reached their subscriber, each once
    await waitFor('every note tallied', async () => (await ownerSql('select count(*)::int as n from tally.tally'))[0].n === 7, 30_000);
    // the rate limiter counts in Redis again
    const r = new Redis(redis!.url);
    await waitFor('a shared rate-limit counter', async () => {
      await owner.get('/api/notes/notes');
      return (await r.keys('*:rl:*')).length > 0;
    });
    r.disconnect();
  });
});
