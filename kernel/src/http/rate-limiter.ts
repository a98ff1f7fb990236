import type { Redis } from 'ioredis';
import { RateLimitedError } from '@atrium/sdk';

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

  async reset(bucket: string, windowSeconds: number): Promise<void> {
    const window = Math.floor(Date.now() / 1000 / windowSeconds);
    await this.redis.del(`${this.prefix}:rl:${bucket}:${window}`);
  }
}
