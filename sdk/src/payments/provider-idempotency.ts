// Provider-side idempotency for providers that lack an idempotency key of their own (PayBox
// revoke/cancel/capture, Kaspi returns): the client remembers each key it used, what it sent (a
// fingerprint) and what came back — so a retry with the key replays the answer, and a retry of an
// attempt whose outcome is unknown first asks the provider ("settle") instead of sending again.
//
// Where the records live: in PostgreSQL, in the payments core's `payments.provider_idempotency`
// (tenant-scoped, RLS). A provider built with `definePaymentProvider` gets that store as
// `ctx.idempotency`, so a retry after a restart, or on another node, finds the first attempt.
// `MemoryIdempotencyStore` is for unit tests of a client alone.
import { createHash } from 'node:crypto';

export type IdempotencyRecord =
  | { state: 'pending'; fingerprint: string; context: unknown }
  | { state: 'done'; fingerprint: string; result: unknown };

export interface IdempotencyStore {
  get(key: string): Promise<IdempotencyRecord | undefined>;
  set(key: string, record: IdempotencyRecord): Promise<void>;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly records = new Map<string, IdempotencyRecord>();
  async get(key: string): Promise<IdempotencyRecord | undefined> {
    return this.records.get(key);
  }
  async set(key: string, record: IdempotencyRecord): Promise<void> {
    this.records.set(key, record);
  }
}

/** Same key, different request: the caller has a bug; never silently run the new request. */
export class IdempotencyKeyReuseError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`Idempotency key ${JSON.stringify(key)} was already used with different parameters`);
    this.name = 'IdempotencyKeyReuseError';
    this.key = key;
  }
}

export function fingerprint(operation: string, params: unknown): string {
  return createHash('sha256').update(operation).update('\n').update(JSON.stringify(params)).digest('hex');
}

export interface OnceOptions<T> {
  /** The caller's key; without one, `fn` just runs. */
  key: string | undefined;
  /** Scopes the key at the provider (the merchant / organisation it acts for). */
  scope: string;
  /** The operation and what it sends: the same key with other parameters is refused. */
  operation: string;
  params: unknown;
  /** Sends the request. Its result is kept as JSON (a replay gets it back parsed): return plain data, dates as strings. */
  fn: () => Promise<T>;
  /**
   * An earlier attempt with this key has an unknown outcome (no answer, a crash): ask the provider
   * whether it went through. `undefined`: it did not — `fn` runs. Without `settle`, `fn` runs again
   * (right only where the provider de-duplicates by itself).
   */
  settle?: (context: unknown) => Promise<T | undefined>;
  /** What `settle` will need, stored with the pending record (e.g. the refunded total before). */
  context?: unknown;
}

/**
 * Runs a provider operation once per key: a finished key replays its stored answer, a pending one
 * (outcome unknown) is settled by asking the provider before anything is sent again, and a key
 * reused for other parameters is refused. Concurrent calls with one key in this process share one
 * request (compared with the running request itself: its record may not be written yet); across
 * processes the records in `store` carry it, and the payments core runs one operation per payment
 * at a time.
 */
export class OnceByKey {
  readonly #inFlight = new Map<string, { fingerprint: string; job: Promise<unknown> }>();

  async run<T>(store: IdempotencyStore, o: OnceOptions<T>): Promise<T> {
    if (!o.key) return o.fn();
    const scoped = `${o.scope}:${o.key}`;
    const fp = fingerprint(o.operation, o.params);
    const running = this.#inFlight.get(scoped);
    if (running) {
      if (running.fingerprint !== fp) throw new IdempotencyKeyReuseError(o.key);
      return running.job as Promise<T>;
    }
    const key = o.key;
    const job = (async () => {
      const rec = await store.get(scoped);
      if (rec && rec.fingerprint !== fp) throw new IdempotencyKeyReuseError(key);
      if (rec?.state === 'done') return rec.result as T;
      if (rec?.state === 'pending' && o.settle) {
        const settled = await o.settle(rec.context);
        if (settled !== undefined) {
          await store.set(scoped, { state: 'done', fingerprint: fp, result: settled });
          return settled;
        }
      }
      if (!rec) await store.set(scoped, { state: 'pending', fingerprint: fp, context: o.context ?? null });
      const result = await o.fn();
      await store.set(scoped, { state: 'done', fingerprint: fp, result });
      return result;
    })();
    this.#inFlight.set(scoped, { fingerprint: fp, job });
    try {
      return await job;
    } finally {
      this.#inFlight.delete(scoped);
    }
  }
}
