import type { Redis } from 'ioredis';
import { RateLimitedError } from '@atrium/sdk';

/** How often hits counted in memory (`hitBatched`) are added to the shared counters. */
const FLUSH_MS = 200;
/** A shared counter that has not answered within this is treated as unavailable for this hit. */
const REDIS_TIMEOUT_MS = 250;

type Local = { known: number; pending: number; window: number; windowSeconds: number };

/**
 * Fixed-window counters in Redis, shared by every node of a cluster. When Redis cannot answer
 * (stopped, restarting, unreachable) the limiter fails open to this node's own counts: the limits
 * still hold per node, nothing waits for Redis, and the shared counters take over again as soon
 * as Redis is back (the next hit that finds it ready).
 */
export class RateLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;
  /** Per bucket+window: what the shared counter said last (or this node's own count while Redis is down), plus hits not yet sent. */
  private readonly local = new Map<string, Local>();
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /** Counts one hit; throws RateLimitedError (429 with Retry-After) once `limit` is exceeded. */
  async hit(bucket: string, limit: number, windowSeconds: number, message?: string): Promise<void> {
    const { key, window } = this.keyOf(bucket, windowSeconds);
    const count = await this.add(key, 1, window, windowSeconds);
    if (count > limit) throw this.refusal(windowSeconds, message);
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
    const { key, window } = this.keyOf(bucket, windowSeconds);
    const e = this.local.get(key);
    if (e && e.known + e.pending + 1 <= limit * 0.8) {
      e.pending++;
      this.flushSoon();
      return;
    }
    const add = (e?.pending ?? 0) + 1;
    if (e) e.pending = 0;
    const count = await this.add(key, add, window, windowSeconds);
    if (count > limit) throw this.refusal(windowSeconds, message);
  }

  /** Adds the hits counted in memory to the shared counters; forgets buckets of past windows. */
  async flush(): Promise<void> {
    const sent: [string, number][] = [];
    const multi = this.available() ? this.redis.multi() : null;
    for (const [key, e] of this.local) {
      if (this.windowOf(e.windowSeconds) !== e.window) {
        this.local.delete(key);
        if (!e.pending) continue;
      }
      if (!e.pending) continue;
      if (!multi) {
        // Redis is away: this node's count is the count
        e.known += e.pending;
        e.pending = 0;
        continue;
      }
      multi.incrby(key, e.pending).expire(key, e.windowSeconds + 1);
      sent.push([key, e.pending]);
      e.pending = 0;
    }
    if (!multi || !sent.length) return;
    const out = await this.withTimeout(multi.exec()).catch(() => null);
    sent.forEach(([key, n], i) => {
      const e = this.local.get(key);
      const count = out?.[i * 2]?.[1];
      if (!e) return;
      if (typeof count === 'number') e.known = count;
      else e.known += n; // not confirmed: keep them counted here
    });
  }

  async reset(bucket: string, windowSeconds: number): Promise<void> {
    const { key } = this.keyOf(bucket, windowSeconds);
    this.local.delete(key);
    if (this.available()) await this.withTimeout(this.redis.del(key)).catch(() => {});
  }

  /**
   * Whether the shared counters are worth asking: ioredis knows at once when its socket closed
   * (`reconnecting`, `close`, `end`); while it is (re)connecting a command waits REDIS_TIMEOUT_MS at most.
   */
  private available(): boolean {
    const s = this.redis.status;
    return s !== 'reconnecting' && s !== 'close' && s !== 'end';
  }

  /**
   * Adds `n` hits and answers the bucket's count: the shared counter's, or — when Redis does not
   * answer — this node's own (what it last heard from Redis plus what it counted since).
   */
  private async add(key: string, n: number, window: number, windowSeconds: number): Promise<number> {
    const e = this.local.get(key) ?? { known: 0, pending: 0, window, windowSeconds };
    this.local.set(key, e);
    if (this.available()) {
      try {
        const res = await this.withTimeout(this.redis.multi().incrby(key, n).expire(key, windowSeconds + 1).exec());
        const count = res?.[0]?.[1];
        if (typeof count === 'number') {
          e.known = count;
          return count + e.pending;
        }
      } catch {
        // fall through to this node's count
      }
    }
    e.known += n;
    this.pruneSoon();
    return e.known + e.pending;
  }

  private keyOf(bucket: string, windowSeconds: number) {
    const window = this.windowOf(windowSeconds);
    return { key: `${this.prefix}:rl:${bucket}:${window}`, window };
  }

  private windowOf(windowSeconds: number): number {
    return Math.floor(Date.now() / 1000 / windowSeconds);
  }

  private refusal(windowSeconds: number, message?: string): RateLimitedError {
    return new RateLimitedError(windowSeconds - (Math.floor(Date.now() / 1000) % windowSeconds), message);
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('redis did not answer')), REDIS_TIMEOUT_MS); });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }

  private flushSoon(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flush().catch(() => {});
    }, FLUSH_MS);
    this.flushTimer.unref();
  }

  /** While Redis is away every bucket lives here: drop the ones of past windows now and then. */
  private pruneSoon(): void {
    if (this.local.size < 10_000) return;
    for (const [key, e] of this.local) if (this.windowOf(e.windowSeconds) !== e.window && !e.pending) this.local.delete(key);
  }
}
