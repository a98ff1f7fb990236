// Kaspi's partner API has no idempotency key on returns (refunds), so the client keeps its own
// ledger of keys — the shared one from the SDK (PayBox uses the same).
export { fingerprint, IdempotencyKeyReuseError, MemoryIdempotencyStore, type IdempotencyRecord, type IdempotencyStore } from '@atrium/sdk/payments';
