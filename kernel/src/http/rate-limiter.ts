import type { Redis } from 'ioredis';
import { RateLimitedError } from '@atrium/sdk';

/** How often hits counted in memory (`hitBatched`) are added to the shared counters. */
const FLUSH_MS = 200;

/** Fixed-window counters in Redis, shared by every node of a cluster. */
export class RateLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;
  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /** Counts one hit; throws RateLimitedError (429 with Retry-After) once `limit` is exceeded. */
  async hit(bucket: string, limit: number, windowSeconds: number, message?: string): Promise<void> {
    const window = Math.floor(Date.now() / 1000 / windowSeconds);
    const key = `${this.prefix}:rl:${bucket}:${window}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, windowSeconds + 1).exec()) as [[null, number], unknown];
    if (count > limit) {
      const retryAfter = windowSeconds - (Math.floor(Date.now() / 1000) % windowSeconds);
      throw new RateLimitedError(retryAfter, message);
    }
  }

  /**
   * Like `hit`, for the per-request API limit: hits are counted in memory and added to the shared
   * counter every FLUSH_MS while the bucket is well below its limit; the first hit of a window and
   * every hit once the bucket nears the limit go to Redis at once. A Redis round trip per request
   * was ~7% of the kernel's CPU on the sale benchmark. The price is bounded: the nodes of a cluster
   * together may let through at most what they take in FLUSH_MS beyond 80% of the limit, before
   * the exact path takes over.
   */
  async hitBatched(bucket: string, limit: number, windowSeconds: number, message?: string): Promise<void> {
    const window = Math.floor(Date.now() / 1000 / windowSeconds);
    const key = `${this.prefix}:rl:${bucket}:${window}`;
    const e = this.local.get(key);
    if (e && e.known + e.pending + 1 <= limit * 0.8) {
      e.pending++;
      this.flushSoon();
      return;
    }
    const add = (e?.pending ?? 0) + 1;
    if (e) e.pending = 0;
    const [[, count]] = (await this.redis.multi().incrby(key, add).expire(key, windowSeconds + 1).exec()) as [[null, number], unknown];
    this.local.set(key, { known: count, pending: this.local.get(key)?.pending ?? 0, window, windowSeconds });
    if (count > limit) {
      const retryAfter = windowSeconds - (Math.floor(Date.now() / 1000) % windowSeconds);
      throw new RateLimitedError(retryAfter, message);
    }
  }

  private readonly local = new Map<string, { known: number; pending: number; window: number; windowSeconds: number }>();
  private flushTimer: NodeJS.Timeout | null = null;

  private flushSoon(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush().catch(() => {});
    }, FLUSH_MS);
    this.flushTimer.unref();
  }

  /** Adds the hits counted in memory to the shared counters; forgets buckets of past windows. */
  async flush(): Promise<void> {
    const multi = this.redis.multi();
    const sent: [string, number][] = [];
    for (const [key, e] of this.local) {
      if (Math.floor(Date.now() / 1000 / e.windowSeconds) !== e.window) {
        this.local.delete(key);
        if (!e.pending) continue;
      }
      if (!e.pending) continue;
      multi.incrby(key, e.pending).expire(key, e.windowSeconds + 1);
      sent.push([key, e.pending]);
      e.pending = 0;
    }
    if (!sent.length) return;
    const out = (await multi.exec()) ?? [];
    sent.forEach(([key], i) => {
      const e = this.local.get(key);
      const count = out[i * 2]?.[1];
      if (e && typeof count === 'number') e.known = count;
    });
  }

  async reset(bucket: string, windowSeconds: number): Promise<void> {
    const window = Math.floor(Date.now() / 1000 / windowSeconds);
    this.local.delete(`${this.prefix}:rl:${bucket}:${window}`);
    await this.redis.del(`${this.prefix}:rl:${bucket}:${window}`);
  }
}
