import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitedError } from '@atrium/sdk';
import { startLocalRedis } from '../redis/redis-launcher.ts';
import { RateLimiter } from './rate-limiter.ts';

describe('RateLimiter.hitBatched (the per-request API limit, counted in memory between flushes)', () => {
  let stop: () => Promise<void>;
  let redis: Redis;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-rl-'));
    const r = await startLocalRedis({ dir, port: 20000 + Math.floor(Math.random() * 20000), persist: false });
    stop = r.stop;
    redis = new Redis(r.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('still refuses with 429 once the limit is exceeded', async () => {
    const limiter = new RateLimiter(redis, `t1-${Date.now()}`);
    let allowed = 0;
    let refused: unknown = null;
    for (let i = 0; i < 30 && !refused; i++) {
      try {
        await limiter.hitBatched('user:a', 10, 60);
        allowed++;
      } catch (e) {
        refused = e;
      }
    }
    expect(refused).toBeInstanceOf(RateLimitedError);
    // near the limit every hit is counted in Redis at once: exactly the limit gets through
    expect(allowed).toBe(10);
  });

  it('adds the hits of every node to the shared counter', async () => {
    const prefix = `t2-${Date.now()}`;
    const a = new RateLimiter(redis, prefix);
    const b = new RateLimiter(redis, prefix);
    // hour windows: the test cannot straddle a window boundary in practice
    for (let i = 0; i < 40; i++) await a.hitBatched('user:b', 1000, 3600);
    for (let i = 0; i < 25; i++) await b.hitBatched('user:b', 1000, 3600);
    await a.flush();
    await b.flush();
    const window = Math.floor(Date.now() / 1000 / 3600);
    expect(Number(await redis.get(`${prefix}:rl:user:b:${window}`))).toBe(65);
  });

  it('while Redis is down, counts on this node: the limit still holds and nothing waits for Redis', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    down.on('error', () => {});
    const limiter = new RateLimiter(down, `t3-${Date.now()}`);
    let allowed = 0;
    let refused: unknown = null;
    for (let i = 0; i < 30 && !refused; i++) {
      try {
        await limiter.hit('login:x', 5, 60);
        allowed++;
      } catch (e) {
        refused = e;
      }
    }
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(allowed).toBe(5);
    allowed = 0;
    refused = null;
    for (let i = 0; i < 100 && !refused; i++) {
      try {
        await limiter.hitBatched('user:x', 20, 60);
        allowed++;
      } catch (e) {
        refused = e;
      }
    }
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(allowed).toBe(20);
    down.disconnect();
  });
});
