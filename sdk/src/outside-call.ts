/**
 * Outside calls: HTTP to a payment provider, a messenger, a fiscal service — anything that may hang
 * or whose answer may be lost. The rule (ARCHITECTURE §9): never inside a database transaction. A
 * transaction holds a pooled connection (and row locks) for as long as the provider takes; a few
 * hanging calls would take the pool from every tenant.
 *
 * The pattern, which the kernel runs for an action (or job) declared `transaction: false`:
 *
 *   1. a short tenant transaction records the intent (`prepare`) together with a journal row
 *      (`kernel.outside_call`: plugin, idempotency key, request, state `pending`, a lease) — commit;
 *   2. `call` runs holding no connection, and sends the key as the provider's idempotency key;
 *   3. a second short transaction records the result (`settle`) and marks the journal row done — commit.
 *
 * A crash (or a lost answer) between 1 and 3 leaves the row `pending`. Once its lease has run out,
 * a node takes it over: `recover` asks the provider what became of the call made under that key
 * (never a new id, so never a second charge); `undefined` there means the provider never saw it,
 * and `call` runs again with the SAME key. Then `settle` as usual. A client retrying its request
 * with the same key finds the journal row: a finished call answers what it answered the first
 * time, one in flight is waited for.
 */
import type { RequestContext } from './plugin.ts';

/** The definitive answer of a call: its value, or a refusal (a typed 4xx error: nothing happened at the provider). */
export type OutsideOutcome<Res> =
  | { ok: true; value: Res }
  | { ok: false; error: { status: number; code: string; message: string; details?: Record<string, unknown> } };

export interface OutsideCallDefinition<Req = any, Res = any, Out = any> {
  /**
   * Unique within the plugin. The journal names the call by it, so a node that recovers the call
   * after a crash finds this code again: list every definition in `definePlugin({ outsideCalls })`.
   */
  name: string;
  /**
   * The call itself. No database connection is held: use `ctx.fetch` (allowlisted base URLs) or
   * `ctx.call` to another plugin's action that has no transaction either. Send `key` as the
   * provider's idempotency key (or whatever the provider de-duplicates by). A thrown typed 4xx
   * error is a refusal (`settle` gets `ok: false`); anything else leaves the outcome unknown: the
   * journal row stays pending and is recovered.
   */
  call(ctx: RequestContext, request: Req, key: string): Promise<Res>;
  /**
   * The outcome of an earlier attempt is unknown (a crash, a timeout, a lost answer): ask the
   * provider about `key` — a status read, a lookup by our reference. Answer what happened, or
   * `undefined` when the provider never saw the call (then `call` runs again, with the same key).
   * Without `recover`, `call` runs again with the same key: right for providers that de-duplicate
   * by it (Stripe's Idempotency-Key, PayBox's order id).
   */
  recover?(ctx: RequestContext, request: Req, key: string): Promise<Res | undefined>;
  /**
   * The second short transaction: record what the provider answered (or that it refused). Its
   * return value is stored in the journal (as JSON) and is the answer of every retry with this key.
   * Runs exactly once per key; if it throws, the journal row stays pending and is recovered.
   */
  settle(tx: RequestContext, request: Req, outcome: OutsideOutcome<Res>, key: string): Promise<Out>;
  /**
   * How long one attempt may take before another node may take the call over (default: six times
   * the platform's `outbound.timeoutMs`, since a call may make a few requests in a row). Keep it
   * well above what the call can take: two attempts at once would both send the key — harmless for
   * a provider that de-duplicates by it, not for one that does not.
   */
  leaseMs?: number;
}

/** Declares an outside call (see the module comment); list it in `definePlugin({ outsideCalls })`. */
export function defineOutsideCall<Req, Res, Out>(def: OutsideCallDefinition<Req, Res, Out>): OutsideCallDefinition<Req, Res, Out> {
  return def;
}

export interface OutsideCallInput<Req> {
  /**
   * The idempotency key, unique per tenant and plugin: a stable key for one user intent (derive it
   * from the client's Idempotency-Key), sent to the provider as its de-duplication key.
   */
  key: string;
  /** What to send: stored with the journal row (JSON), so a recovery sends the same thing. */
  request: Req;
  /**
   * What makes a retry "the same request" (default: `request`): the same key with a different
   * `match` is refused (422 IDEMPOTENCY_KEY_REUSED). Give the client's own parameters when the
   * request also holds values computed per attempt (an expiry from the clock): a retry then gets
   * the first attempt's answer instead of a refusal.
   */
  match?: unknown;
  /**
   * Records the intent in the same short transaction as the journal row (e.g. insert the payment
   * as `pending`, reserve the refund). Runs only for the first attempt of a key; a throw here
   * (validation, a conflict) rolls both back and nothing is called.
   */
  prepare?(tx: RequestContext): Promise<void>;
}
