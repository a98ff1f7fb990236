// Provider-side idempotency ledger for providers that lack an idempotency key of their own
// (PayBox revoke/cancel/capture, Kaspi returns): the client remembers each key it used. The
// in-memory store is for tests and single-process use; the payments core backs it with its database.
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
