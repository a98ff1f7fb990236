import { ConflictError, UnprocessableError, type RequestContext } from '@atrium/sdk';

/**
 * The only code that changes stock. Every change is a row in the append-only `pos.stock_move`
 * ledger plus, in the same transaction, the same delta applied to the projections
 * (`stock_level.on_hand_milli` and, for batch-tracked goods, `batch.on_hand_milli`). So on-hand
 * always equals the ledger sum, and decrements are guarded updates that fail instead of going
 * negative under any concurrency.
 */

export type MoveKind = 'receipt' | 'sale' | 'return' | 'void' | 'transfer_out' | 'transfer_in' | 'count' | 'adjust' | 'writeoff';
export type MoveRef = { refType: string; refId: string };
export type BatchTake = { batchId: string; qtyMilli: number };

type MoveRow = {
  storeId: string;
  productId: string;
  qtyMilli: number;
  kind: MoveKind;
  batchId?: string | null;
  unitCost?: number | null;
  note?: string | null;
} & MoveRef;

async function insertMoves(ctx: RequestContext, rows: MoveRow[]): Promise<void> {
  if (!rows.length) return;
  const values: unknown[] = [];
  const tuples = rows.map((r) => {
    values.push(ctx.tenantId, r.storeId, r.productId, r.batchId ?? null, r.qtyMilli, r.kind, r.refType, r.refId, r.unitCost ?? null, ctx.user?.id ?? null, r.note ?? null);
    return '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
  });
  await ctx.em.execute(
    `insert into pos.stock_move (tenant_id, store_id, product_id, batch_id, qty_milli, kind, ref_type, ref_id, unit_cost, user_id, note) values ${tuples.join(', ')}`,
    values,
  );
}

async function addToLevel(ctx: RequestContext, storeId: string, productId: string, deltaMilli: number): Promise<number> {
  const [row] = await ctx.em.execute(
    `insert into pos.stock_level (tenant_id, store_id, product_id, on_hand_milli) values (?, ?, ?, ?)
     on conflict (tenant_id, store_id, product_id) do update set on_hand_milli = pos.stock_level.on_hand_milli + excluded.on_hand_milli, updated_at = now()
     returning on_hand_milli`,
    [ctx.tenantId, storeId, productId, deltaMilli],
  );
  return Number(row.on_hand_milli);
}

/**
 * Adds stock (receipt, return, transfer in, positive count difference). For batch-tracked goods
 * pass `batchId` (an existing batch) or `newBatch` to create one.
 */
export async function addStock(
  ctx: RequestContext,
  input: MoveRef & {
    storeId: string;
    productId: string;
    qtyMilli: number;
    kind: MoveKind;
    batchId?: string | null;
    newBatch?: { lot?: string | null; expiresOn?: string | null; cost?: number };
    unitCost?: number | null;
    note?: string | null;
  },
): Promise<{ onHandMilli: number; batchId: string | null }> {
  if (input.qtyMilli <= 0) throw new Error('addStock needs a positive quantity');
  let batchId = input.batchId ?? null;
  if (!batchId && input.newBatch) {
    batchId = crypto.randomUUID();
    await ctx.em.execute(
      `insert into pos.batch (tenant_id, id, store_id, product_id, lot, expires_on, cost, on_hand_milli) values (?, ?, ?, ?, ?, ?, ?, ?)`,
      [ctx.tenantId, batchId, input.storeId, input.productId, input.newBatch.lot ?? null, input.newBatch.expiresOn ?? null, input.newBatch.cost ?? input.unitCost ?? 0, input.qtyMilli],
    );
  } else if (batchId) {
    await ctx.em.execute('update pos.batch set on_hand_milli = on_hand_milli + ? where id = ? and store_id = ? and product_id = ?', [input.qtyMilli, batchId, input.storeId, input.productId]);
  }
  await insertMoves(ctx, [{ ...input, batchId }]);
  return { onHandMilli: await addToLevel(ctx, input.storeId, input.productId, input.qtyMilli), batchId };
}

/**
 * A quantity of a product to take. `batchId` (batch-tracked goods only) takes it from that batch
 * instead of first-expiring-first; the batch must be of this product in this store (callers check
 * that first, with their own field names — see stock-transfer.ts).
 */
export type TakeRequest = { productId: string; qtyMilli: number; trackBatches: boolean; batchId?: string | null };

/**
 * Takes goods without batches in one statement, as CTEs `req`, `locked`, `upd`, `mv`: lock the
 * store's levels of these products in product order (every sale locks in the same order: no
 * deadlocks), decrement those with enough stock, post their moves; `mv` holds the products that got
 * through. Looked up by primary key from the id array, so the cost does not grow with the catalogue.
 * The placeholders are given by the caller, so the sale can run these CTEs inside its own statement
 * (`gate`: a condition that must hold for anything to be taken, e.g. "the sale row was inserted").
 */
export function takeSimpleCtes(p: { ids: string; qtys: string; store: string; tenant: string; kind: string; refType: string; refId: string; user: string; note: string; gate?: string }): string {
  return `req as (select * from unnest(${p.ids}::uuid[], ${p.qtys}::bigint[]) as r(p, q)),
  locked as materialized (
    select l.product_id from pos.stock_level l
    where l.store_id = ${p.store}::uuid and l.product_id = any(${p.ids}::uuid[])${p.gate ? ` and ${p.gate}` : ''}
    order by l.product_id for update),
  upd as (
    update pos.stock_level l set on_hand_milli = l.on_hand_milli - req.q, updated_at = now()
    from req
    where l.store_id = ${p.store}::uuid and l.product_id = any(${p.ids}::uuid[]) and l.product_id = req.p
      and l.product_id in (select product_id from locked) and l.on_hand_milli - l.reserved_milli >= req.q
    returning l.product_id),
  mv as (
    insert into pos.stock_move (tenant_id, store_id, product_id, qty_milli, kind, ref_type, ref_id, user_id, note)
    select ${p.tenant}::uuid, ${p.store}::uuid, req.p, -req.q, ${p.kind}::text, ${p.refType}::text, ${p.refId}::uuid, ${p.user}::uuid, ${p.note}::text
    from req join upd on upd.product_id = req.p
    returning product_id)`;
}

/** The products `mv` of takeSimpleCtes took, as a JSON array (empty, never null). */
export const TAKEN_PRODUCTS = `(select coalesce(array_to_json(array_agg(product_id::text)), '[]'::json) from mv)`;

/** A prepared statement (every sale without batches runs it): $1 product ids, $2 quantities (same order), $3 store, $4 tenant, $5 kind, $6 ref type, $7 ref id, $8 user, $9 note. */
const TAKE_SIMPLE_SQL = `with ${takeSimpleCtes({ ids: '$1', qtys: '$2', store: '$3', tenant: '$4', kind: '$5', refType: '$6', refId: '$7', user: '$8', note: '$9' })}
  select ${TAKEN_PRODUCTS} as done`;

/** One request per product, summed (the same product on two lines), in product-id order — the lock order. */
export function mergeTakes(items: TakeRequest[]): TakeRequest[] {
  const merged = new Map<string, TakeRequest>();
  for (const it of items) {
    const m = merged.get(it.productId);
    if (m) m.qtyMilli += it.qtyMilli;
    else merged.set(it.productId, { ...it });
  }
  return [...merged.values()].sort((a, b) => (a.productId < b.productId ? -1 : 1));
}

/** Throws 409 OUT_OF_STOCK for the first request whose product was not taken, naming it and what is available. */
export async function refuseShortTake(ctx: RequestContext, storeId: string, requested: TakeRequest[], doneJson: unknown): Promise<void> {
  const done = new Set<string>(typeof doneJson === 'string' ? JSON.parse(doneJson) : (doneJson as string[]));
  const short = requested.find((it) => !done.has(it.productId));
  if (!short) return;
  const [lvl] = await ctx.sql('select on_hand_milli, reserved_milli from pos.stock_level where store_id = $1::uuid and product_id = $2::uuid', [storeId, short.productId]);
  const available = lvl ? Number(lvl.on_hand_milli) - Number(lvl.reserved_milli) : 0;
  throw new ConflictError('Not enough stock', 'OUT_OF_STOCK', { productId: short.productId, requestedMilli: short.qtyMilli, availableMilli: Math.max(0, available) });
}

/**
 * Takes stock for several products at once (a sale's lines), all or nothing. Rows are locked in
 * product-id order so two carts with the same products in a different order cannot deadlock.
 * Without `allowNegative`, a line that would take more than on-hand minus reserved throws
 * ConflictError OUT_OF_STOCK (409) naming the product and what is available. Batch-tracked goods
 * are taken first-expiring-first (FEFO); the batches taken are returned per product so a return
 * can put the goods back where they came from.
 *
 * A request that names a batch (`batchId`) is taken from that batch, before any FEFO take of the
 * same product (so FEFO never empties a batch someone named), and is guarded on the batch itself:
 * a batch never goes below zero, **even where the store allows negative stock** — a named lot is
 * physical goods of that lot, so shipping more of it than the ledger holds is refused (409
 * OUT_OF_STOCK with the `batchId` and what the batch has) rather than silently sent unbatched;
 * leave the batch out to let FEFO (and negative stock) cover it. The product's level is guarded
 * as always (on-hand minus reserved, unless negative stock is allowed). Per product, the returned
 * takes list the named batches first (in request order, one entry per batch), then the FEFO ones.
 */
export async function takeStock(
  ctx: RequestContext,
  storeId: string,
  items: TakeRequest[],
  opts: MoveRef & { kind: MoveKind; allowNegative: boolean; note?: string | null },
): Promise<Map<string, BatchTake[]>> {
  // named-batch parts per product (summed per batch); the totals go through mergeTakes as before
  const named = new Map<string, Map<string, number>>();
  for (const it of items) {
    if (!it.batchId) continue;
    if (!it.trackBatches) throw new Error(`takeStock: a batch was named for product ${it.productId}, which does not track batches`);
    const parts = named.get(it.productId) ?? new Map<string, number>();
    parts.set(it.batchId, (parts.get(it.batchId) ?? 0) + it.qtyMilli);
    named.set(it.productId, parts);
  }
  const ordered = mergeTakes(items.map(({ productId, qtyMilli, trackBatches }) => ({ productId, qtyMilli, trackBatches })));
  const taken = new Map<string, BatchTake[]>();
  const moves: MoveRow[] = [];
  // Goods without batches (most of a shop): all lines in one statement (TAKE_SIMPLE_SQL), then
  // check that every line got through. Batch-tracked goods need FEFO and go one by one below, after
  // these, so the lock order stays the same for every transaction.
  const simple = opts.allowNegative ? [] : ordered.filter((it) => !it.trackBatches);
  if (simple.length) {
    const [r] = await ctx.sql(TAKE_SIMPLE_SQL, [
      simple.map((it) => it.productId), simple.map((it) => it.qtyMilli), storeId, ctx.tenantId, opts.kind, opts.refType, opts.refId, ctx.user?.id ?? null, opts.note ?? null,
    ]);
    await refuseShortTake(ctx, storeId, simple, r.done);
    for (const it of simple) taken.set(it.productId, []);
  }
  for (const it of ordered) {
    if (taken.has(it.productId)) continue;
    const rows = await ctx.em.execute(
      `update pos.stock_level set on_hand_milli = on_hand_milli - ?, updated_at = now()
       where store_id = ? and product_id = ? and (? or on_hand_milli - reserved_milli >= ?)
       returning on_hand_milli`,
      [it.qtyMilli, storeId, it.productId, opts.allowNegative, it.qtyMilli],
    );
    if (!rows.length) {
      if (opts.allowNegative) {
        await addToLevel(ctx, storeId, it.productId, -it.qtyMilli);
      } else {
        await refuseShortTake(ctx, storeId, [it], []);
      }
    }
    // the level row of this product is locked now: its batches cannot be taken concurrently
    const parts = named.get(it.productId);
    const batches = parts ? await takeNamedBatches(ctx, storeId, it.productId, parts) : [];
    const rest = it.qtyMilli - batches.reduce((s, b) => s + b.qtyMilli, 0);
    if (it.trackBatches && rest > 0) batches.push(...(await takeFefo(ctx, storeId, it.productId, rest)));
    taken.set(it.productId, batches);
    let batched = 0;
    for (const b of batches) {
      moves.push({ storeId, productId: it.productId, batchId: b.batchId, qtyMilli: -b.qtyMilli, kind: opts.kind, refType: opts.refType, refId: opts.refId, note: opts.note });
      batched += b.qtyMilli;
    }
    // the part no batch covers (untracked goods, or negative stock allowed)
    if (it.qtyMilli - batched > 0) {
      moves.push({ storeId, productId: it.productId, qtyMilli: -(it.qtyMilli - batched), kind: opts.kind, refType: opts.refType, refId: opts.refId, note: opts.note });
    }
  }
  await insertMoves(ctx, moves);
  return taken;
}

/**
 * Takes the named quantities from the named batches (batch id order: the same row order in every
 * transaction). Guarded: a batch that has less → 409 OUT_OF_STOCK with the product, the batch and
 * what it has; a batch that is not this product's in this store → 422 (callers check it first).
 */
async function takeNamedBatches(ctx: RequestContext, storeId: string, productId: string, parts: Map<string, number>): Promise<BatchTake[]> {
  const out: BatchTake[] = [];
  for (const [batchId, qtyMilli] of [...parts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rows = await ctx.em.execute(
      'update pos.batch set on_hand_milli = on_hand_milli - ? where id = ? and store_id = ? and product_id = ? and on_hand_milli >= ? returning id',
      [qtyMilli, batchId, storeId, productId, qtyMilli],
    );
    if (!rows.length) {
      const [b] = await ctx.em.execute('select store_id, product_id, on_hand_milli from pos.batch where id = ?', [batchId]);
      if (!b || b.store_id !== storeId || b.product_id !== productId) {
        throw new UnprocessableError('The batch is not of this product in this store', 'BATCH_MISMATCH', { productId, batchId });
      }
      throw new ConflictError('Not enough stock in the batch', 'OUT_OF_STOCK', { productId, batchId, requestedMilli: qtyMilli, availableMilli: Math.max(0, Number(b.on_hand_milli)) });
    }
    out.push({ batchId, qtyMilli });
  }
  // the request's order of batches for the caller (the locks above went in id order)
  return [...parts.keys()].map((id) => out.find((b) => b.batchId === id)!);
}

/**
 * First-expiry-first-out over the product's batches in the store. The caller already holds the
 * stock_level row lock for this product, so batch rows cannot be taken concurrently; each batch
 * update is still guarded so a projection can never go below zero.
 */
async function takeFefo(ctx: RequestContext, storeId: string, productId: string, qtyMilli: number): Promise<BatchTake[]> {
  const batches = await ctx.em.execute(
    `select id, on_hand_milli from pos.batch
     where store_id = ? and product_id = ? and on_hand_milli > 0
     order by expires_on nulls last, received_at, id
     for update`,
    [storeId, productId],
  );
  const out: BatchTake[] = [];
  let left = qtyMilli;
  for (const b of batches) {
    if (left <= 0) break;
    const take = Math.min(left, Number(b.on_hand_milli));
    await ctx.em.execute('update pos.batch set on_hand_milli = on_hand_milli - ? where id = ? and on_hand_milli >= ?', [take, b.id, take]);
    out.push({ batchId: b.id, qtyMilli: take });
    left -= take;
  }
  return out;
}

/** Puts stock back (return, void), into the batches it was taken from when known. */
export async function restoreStock(
  ctx: RequestContext,
  storeId: string,
  productId: string,
  qtyMilli: number,
  batches: BatchTake[],
  ref: MoveRef & { kind: MoveKind; note?: string | null },
): Promise<BatchTake[]> {
  let left = qtyMilli;
  const restored: BatchTake[] = [];
  const moves: MoveRow[] = [];
  // last taken first: the freshest goods go back to the shelf they came from
  for (const b of [...batches].reverse()) {
    if (left <= 0) break;
    const q = Math.min(left, b.qtyMilli);
    await ctx.em.execute('update pos.batch set on_hand_milli = on_hand_milli + ? where id = ?', [q, b.batchId]);
    moves.push({ storeId, productId, batchId: b.batchId, qtyMilli: q, kind: ref.kind, refType: ref.refType, refId: ref.refId, note: ref.note });
    restored.push({ batchId: b.batchId, qtyMilli: q });
    left -= q;
  }
  if (left > 0) moves.push({ storeId, productId, qtyMilli: left, kind: ref.kind, refType: ref.refType, refId: ref.refId, note: ref.note });
  await insertMoves(ctx, moves);
  await addToLevel(ctx, storeId, productId, qtyMilli);
  return restored;
}

/**
 * Sets the counted quantity (stock count): posts the difference as a `count` move. Batch-tracked
 * goods: a shortage is taken FEFO, a surplus goes to `batchId` (or an undated new batch).
 */
export async function postCountDifference(
  ctx: RequestContext,
  input: MoveRef & { storeId: string; productId: string; countedMilli: number; trackBatches: boolean; note?: string | null },
): Promise<{ expectedMilli: number; differenceMilli: number }> {
  const [lvl] = await ctx.em.execute('select on_hand_milli from pos.stock_level where store_id = ? and product_id = ? for update', [input.storeId, input.productId]);
  const expected = lvl ? Number(lvl.on_hand_milli) : 0;
  const diff = input.countedMilli - expected;
  if (diff > 0) {
    await addStock(ctx, { ...input, qtyMilli: diff, kind: 'count', newBatch: input.trackBatches ? {} : undefined });
  } else if (diff < 0) {
    await takeStock(ctx, input.storeId, [{ productId: input.productId, qtyMilli: -diff, trackBatches: input.trackBatches }], { ...input, kind: 'count', allowNegative: true });
  }
  return { expectedMilli: expected, differenceMilli: diff };
}
