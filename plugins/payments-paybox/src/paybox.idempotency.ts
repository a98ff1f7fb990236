// PayBox has no Idempotency-Key: init_payment is de-duplicated by the merchant's pg_order_id,
// and revoke/cancel/do_capture by nothing at all, so the client keeps its own ledger of keys —
// the shared one from the SDK (Kaspi uses the same).
export { fingerprint, IdempotencyKeyReuseError, MemoryIdempotencyStore, type IdempotencyRecord, type IdempotencyStore } from '@atrium/sdk/payments';
