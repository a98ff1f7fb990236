import { ConflictError, NotFoundError, UnprocessableError, ValidationError, type FieldError, type RequestContext } from '@atrium/sdk';
import { addStock, restoreStock, takeStock, type BatchTake } from './stock-ledger.ts';
import { checkLines, dateOnly, type ProductInfo } from './stock-documents.ts';
import { requireStore } from './stores.ts';

/**
 * Transfers between stores in two steps, as shops ship and receive them:
 *
 *   draft ──ship──▶ in_transit ──receive──▶ received
 *     │                 │
 *     └──cancel──▶ canceled ◀──cancel── (the goods go back to the source)
 *
 * Shipping takes the goods from the source store (guarded, `transfer_out` moves): from the batch a
 * line names (`batchId`: a specific lot moved to another store; the batch never goes below zero,
 * even where the store allows negative stock — see takeStock), else first-expiring-first; while in transit they are on no store's shelf, only on the document (`shipped_milli`
 * and the source batches per line). Receiving puts what was shipped into the destination
 * (`transfer_in`, batch-tracked goods as new batches with the same lot, expiry and cost) and posts
 * every difference explicitly: a shortage or damage is a `writeoff` at the destination (the missing
 * part arrives on paper and is written off with the reason), a surplus an `adjust`. So the
 * transfer's `transfer_out` and `transfer_in` always match and the ledger tells what was lost.
 * Canceling a shipped transfer puts the goods back into the source batches they came from.
 *
 * Every step locks the document row first and checks its status, so shipping or receiving twice
 * (a double click, a retry without Idempotency-Key, two people at once) moves stock once; the
 * loser gets 409. Stock only moves through domain/stock-ledger.ts. The one-step `post` of a
 * transfer (stock-documents.ts) is ship + receive everything, in one transaction.
 */

export const DIFF_REASONS = ['short', 'damaged', 'over', 'other'] as const;
export type DiffReason = (typeof DIFF_REASONS)[number];
export type ShippedBatch = { batchId: string; lot: string | null; expiresOn: string | null; cost: number; qtyMilli: number };
export type ReceiveLineInput = { lineNo: number; receivedMilli: number; reason?: DiffReason | null; note?: string | null };

type Line = { lineNo: number; productId: string; qtyMilli: number; batchId: string | null; shippedMilli: number; shippedBatches: ShippedBatch[] };
/** A line to ship: `batchId` names its source batch (else first-expiring-first). */
export type ShipLine = { lineNo: number; productId: string; qtyMilli: number; batchId?: string | null };
export type TransferDoc = { id: string; number: number; status: string; store_id: string; to_store_id: string; note: string | null };

const REF = (id: string) => ({ refType: 'transfer', refId: id });

/** Locks a transfer; 404 unless it is one. */
async function lockTransfer(ctx: RequestContext, id: string): Promise<TransferDoc> {
  const [doc] = await ctx.em.execute('select id, kind, number, status, store_id, to_store_id, note from pos.stock_document where id = ? for update', [id]);
  if (!doc || doc.kind !== 'transfer') throw new NotFoundError('No such transfer', { subject: 'pos.StockDocument' });
  return doc as TransferDoc;
}

function wrongStatus(doc: TransferDoc, want: string): ConflictError {
  const code = want === 'draft' ? 'NOT_DRAFT' : 'NOT_IN_TRANSIT';
  return new ConflictError(`The transfer is ${doc.status}, not ${want === 'draft' ? 'a draft' : 'in transit'}`, code, { status: doc.status });
}

async function linesOf(ctx: RequestContext, id: string): Promise<Line[]> {
  const rows = await ctx.em.execute('select line_no, product_id, qty_milli, batch_id, shipped_milli, shipped_batches from pos.stock_document_line where document_id = ? order by line_no', [id]);
  return rows.map((l: any) => ({
    lineNo: l.line_no, productId: l.product_id, qtyMilli: Number(l.qty_milli), batchId: l.batch_id ?? null, shippedMilli: Number(l.shipped_milli ?? 0),
    shippedBatches: (typeof l.shipped_batches === 'string' ? JSON.parse(l.shipped_batches) : l.shipped_batches) ?? [],
  }));
}

/** Lines in product order: every writer locks stock rows in the same order (no deadlocks with sales). */
const byProduct = <T extends { productId: string; lineNo: number }>(lines: T[]) =>
  [...lines].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : a.lineNo - b.lineNo));

/**
 * Takes the lines' goods from the source store (all or nothing: 409 OUT_OF_STOCK naming the product,
 * and the batch for a line that names one) and records per line what left: the quantity and the
 * batches with lot, expiry and cost — a line that named its batch shipped from that batch only.
 */
export async function shipLines(ctx: RequestContext, doc: TransferDoc, lines: ShipLine[], products: Map<string, ProductInfo>, allowNegative: boolean): Promise<void> {
  const taken = await takeStock(ctx, doc.store_id, lines.map((l) => ({ productId: l.productId, qtyMilli: l.qtyMilli, trackBatches: products.get(l.productId)!.track_batches, batchId: l.batchId ?? null })), {
    ...REF(doc.id), kind: 'transfer_out', allowNegative, note: doc.note,
  });
  const batchIds = [...taken.values()].flat().map((b) => b.batchId);
  const info = new Map<string, any>(
    batchIds.length
      ? (await ctx.em.execute('select id, lot, expires_on, cost from pos.batch where id in (select (jsonb_array_elements_text(?::jsonb))::uuid)', [JSON.stringify(batchIds)])).map((b: any) => [b.id, b])
      : [],
  );
  // A product on several lines: the takes of named batches (listed first by takeStock) go to the
  // lines that named them, the first-expiring-first takes to the other lines in line order.
  const left = new Map([...taken].map(([p, bs]) => [p, bs.map((b) => ({ ...b }))]));
  const shipped = (b: BatchTake, q: number): ShippedBatch => {
    const s = info.get(b.batchId);
    return { batchId: b.batchId, lot: s?.lot ?? null, expiresOn: dateOnly(s?.expires_on), cost: Number(s?.cost ?? 0), qtyMilli: q };
  };
  const byLine = new Map<number, ShippedBatch[]>();
  for (const l of lines.filter((x) => x.batchId)) {
    const b = (left.get(l.productId) ?? []).find((t) => t.batchId === l.batchId && t.qtyMilli >= l.qtyMilli)!;
    b.qtyMilli -= l.qtyMilli;
    byLine.set(l.lineNo, [shipped(b, l.qtyMilli)]);
  }
  const rows = lines.map((l) => {
    if (byLine.has(l.lineNo)) return { line_no: l.lineNo, shipped_milli: l.qtyMilli, shipped_batches: byLine.get(l.lineNo)! };
    const pool = (left.get(l.productId) ?? []).filter((b) => b.qtyMilli > 0);
    left.set(l.productId, pool);
    const batches: ShippedBatch[] = [];
    let need = l.qtyMilli;
    while (need > 0 && pool.length) {
      const b = pool[0];
      const q = Math.min(need, b.qtyMilli);
      batches.push(shipped(b, q));
      b.qtyMilli -= q;
      need -= q;
      if (b.qtyMilli === 0) pool.shift();
    }
    return { line_no: l.lineNo, shipped_milli: l.qtyMilli, shipped_batches: batches };
  });
  await ctx.em.execute(
    `update pos.stock_document_line l set shipped_milli = x.shipped_milli, shipped_batches = x.shipped_batches
     from jsonb_to_recordset(?::jsonb) as x(line_no int, shipped_milli bigint, shipped_batches jsonb)
     where l.document_id = ? and l.line_no = x.line_no`,
    [JSON.stringify(rows), doc.id],
  );
}

/**
 * Puts shipped lines into the destination. `received` per line (default: as shipped). What arrived
 * goes into stock with the source lots and dates; a shortfall arrives on paper and is written off
 * at once, a surplus is an adjustment — each with the line's reason in the move's note.
 */
export async function receiveLines(ctx: RequestContext, doc: TransferDoc, received: Map<number, ReceiveLineInput>, products: Map<string, ProductInfo>): Promise<void> {
  const lines = await linesOf(ctx, doc.id);
  const ref = REF(doc.id);
  const to = doc.to_store_id;
  // one destination batch per source batch, even when a product is on several lines
  const destBatch = new Map<string, string>();
  const updates: { line_no: number; received_milli: number; difference_reason: string | null; difference_note: string | null }[] = [];
  for (const l of byProduct(lines)) {
    const p = products.get(l.productId)!;
    const r = received.get(l.lineNo);
    const got = r ? r.receivedMilli : l.shippedMilli;
    const why = r && got !== l.shippedMilli ? `${r.reason}${r.note ? `: ${r.note}` : ''} (transfer ${doc.number})` : null;
    updates.push({ line_no: l.lineNo, received_milli: got, difference_reason: got === l.shippedMilli ? null : r!.reason!, difference_note: got === l.shippedMilli ? null : r?.note ?? null });
    // what arrived, in shipping order (earliest expiry first); the shortfall is the last part shipped
    let toShelf = Math.min(got, l.shippedMilli);
    let lastBatch: string | null = null;
    let batched = 0;
    for (const b of l.shippedBatches) {
      batched += b.qtyMilli;
      const q = Math.min(toShelf, b.qtyMilli);
      if (q <= 0) break;
      const known = destBatch.get(b.batchId);
      const put = await addStock(ctx, {
        ...ref, storeId: to, productId: l.productId, qtyMilli: q, kind: 'transfer_in', unitCost: b.cost,
        ...(known ? { batchId: known } : { newBatch: { lot: b.lot, expiresOn: b.expiresOn, cost: b.cost } }),
      });
      destBatch.set(b.batchId, put.batchId!);
      lastBatch = put.batchId;
      toShelf -= q;
    }
    // the part no batch covered (goods without batches, or shipped from negative stock)
    const unbatched = Math.min(toShelf, l.shippedMilli - batched);
    if (unbatched > 0) {
      const put = await addStock(ctx, { ...ref, storeId: to, productId: l.productId, qtyMilli: unbatched, kind: 'transfer_in', newBatch: p.track_batches ? {} : undefined });
      lastBatch = put.batchId ?? lastBatch;
    }
    if (got < l.shippedMilli) {
      // the shortfall arrives on paper (no batch) and is written off with the reason
      const lost = l.shippedMilli - got;
      await addStock(ctx, { ...ref, storeId: to, productId: l.productId, qtyMilli: lost, kind: 'transfer_in', note: why });
      await takeStock(ctx, to, [{ productId: l.productId, qtyMilli: lost, trackBatches: false }], { ...ref, kind: 'writeoff', allowNegative: true, note: why });
    } else if (got > l.shippedMilli) {
      // more arrived than was shipped: found goods, with the lot and date of the line's last batch
      await addStock(ctx, {
        ...ref, storeId: to, productId: l.productId, qtyMilli: got - l.shippedMilli, kind: 'adjust', note: why,
        ...(lastBatch ? { batchId: lastBatch } : { newBatch: p.track_batches ? {} : undefined }),
      });
    }
  }
  await ctx.em.execute(
    `update pos.stock_document_line l set received_milli = x.received_milli, difference_reason = x.difference_reason, difference_note = x.difference_note
     from jsonb_to_recordset(?::jsonb) as x(line_no int, received_milli bigint, difference_reason text, difference_note text)
     where l.document_id = ? and l.line_no = x.line_no`,
    [JSON.stringify(updates), doc.id],
  );
}

/** Ships a draft: the goods leave the source now and are in transit. */
export async function shipTransfer(ctx: RequestContext, id: string): Promise<void> {
  const doc = await lockTransfer(ctx, id);
  if (doc.status !== 'draft') throw wrongStatus(doc, 'draft');
  const lines = (await linesOf(ctx, id)).map((l) => ({ lineNo: l.lineNo, productId: l.productId, qtyMilli: l.qtyMilli, batchId: l.batchId }));
  if (!lines.length) throw new UnprocessableError('The transfer has no lines', 'EMPTY_DOCUMENT');
  // products may have changed since the draft was saved (archived, stock or batch tracking off)
  const products = await checkLines(ctx, 'transfer', lines, doc.store_id);
  const store = await requireStore(ctx, doc.store_id);
  await requireStore(ctx, doc.to_store_id, 'toStoreId');
  await shipLines(ctx, doc, lines, products, store.allowNegativeStock);
  await ctx.em.execute(`update pos.stock_document set status = 'in_transit', shipped_at = now(), shipped_by = ? where id = ?`, [ctx.user?.id ?? null, id]);
  await ctx.emit('pos.stock.transfer.shipped.v1', {
    documentId: id, number: doc.number, storeId: doc.store_id, toStoreId: doc.to_store_id,
    lines: lines.map((l) => ({ lineNo: l.lineNo, productId: l.productId, qtyMilli: l.qtyMilli, ...(l.batchId ? { batchId: l.batchId } : {}) })),
  });
}

/**
 * Receives an in-transit transfer at the destination. `lines` name what arrived per line (lines not
 * named arrived as shipped); a line that differs needs a reason: `short` or `damaged` (less),
 * `over` (more) or `other`. 400 names the field; 409 NOT_IN_TRANSIT when it was received or
 * canceled meanwhile.
 */
export async function receiveTransfer(ctx: RequestContext, id: string, input: { lines?: ReceiveLineInput[] }): Promise<void> {
  const doc = await lockTransfer(ctx, id);
  if (doc.status !== 'in_transit') throw wrongStatus(doc, 'in_transit');
  const lines = await linesOf(ctx, id);
  const byNo = new Map(lines.map((l) => [l.lineNo, l]));
  const errors: FieldError[] = [];
  const received = new Map<number, ReceiveLineInput>();
  (input.lines ?? []).forEach((r, i) => {
    const f = `lines[${i}]`;
    const l = byNo.get(r.lineNo);
    if (!l) return errors.push({ field: `${f}.lineNo`, code: 'noSuchLine', params: { lineNo: r.lineNo }, message: `the transfer has no line ${r.lineNo}` });
    if (received.has(r.lineNo)) return errors.push({ field: `${f}.lineNo`, code: 'listedTwice', params: { value: r.lineNo }, message: `line ${r.lineNo} is given twice` });
    if (r.receivedMilli < 0) return errors.push({ field: `${f}.receivedMilli`, code: 'notNegative', message: 'cannot be negative' });
    received.set(r.lineNo, r);
    if (r.receivedMilli === l.shippedMilli) return;
    if (!r.reason) return errors.push({ field: `${f}.reason`, code: 'receivedDiffers', params: { received: r.receivedMilli / 1000, shipped: l.shippedMilli / 1000 }, message: `received ${r.receivedMilli} of ${l.shippedMilli} shipped: say why (short, damaged, over, other)` });
    if (r.receivedMilli < l.shippedMilli && r.reason === 'over') errors.push({ field: `${f}.reason`, code: 'lessArrived', message: 'less arrived than was shipped: short, damaged or other' });
    if (r.receivedMilli > l.shippedMilli && (r.reason === 'short' || r.reason === 'damaged')) errors.push({ field: `${f}.reason`, code: 'moreArrived', message: 'more arrived than was shipped: over or other' });
    if (r.reason === 'other' && !r.note?.trim()) errors.push({ field: `${f}.note`, code: 'requiredWith', params: { other: 'reason' }, message: 'is required with the reason other' });
  });
  if (errors.length) throw new ValidationError('Invalid received quantities', errors);
  await requireStore(ctx, doc.to_store_id, 'toStoreId');
  // archived products still arrive: they were shipped; only existence and stock tracking matter here
  const products = await productsById(ctx, lines.map((l) => l.productId));
  await receiveLines(ctx, doc, received, products);
  await ctx.em.execute(`update pos.stock_document set status = 'received', received_at = now(), received_by = ? where id = ?`, [ctx.user?.id ?? null, id]);
  const after = await ctx.em.execute('select line_no, product_id, shipped_milli, received_milli, difference_reason from pos.stock_document_line where document_id = ? order by line_no', [id]);
  await ctx.emit('pos.stock.transfer.received.v1', {
    documentId: id, number: doc.number, storeId: doc.store_id, toStoreId: doc.to_store_id,
    lines: after.map((l: any) => ({ lineNo: l.line_no, productId: l.product_id, shippedMilli: Number(l.shipped_milli), receivedMilli: Number(l.received_milli), reason: l.difference_reason })),
  });
}

/** Cancels a draft (nothing moved), or an in-transit transfer: the goods go back to the source batches they left. Returns the status it had. */
export async function cancelTransfer(ctx: RequestContext, id: string, reason?: string | null): Promise<'draft' | 'in_transit'> {
  const doc = await lockTransfer(ctx, id);
  if (doc.status !== 'draft' && doc.status !== 'in_transit') {
    throw new ConflictError(`The transfer is ${doc.status}: only a draft or a transfer in transit can be canceled`, 'NOT_CANCELABLE', { status: doc.status });
  }
  const shipped = doc.status === 'in_transit';
  if (shipped) {
    const note = `transfer ${doc.number} canceled${reason ? `: ${reason}` : ''}`;
    for (const l of byProduct(await linesOf(ctx, id))) {
      const batches: BatchTake[] = l.shippedBatches.map((b) => ({ batchId: b.batchId, qtyMilli: b.qtyMilli }));
      await restoreStock(ctx, doc.store_id, l.productId, l.shippedMilli, batches, { ...REF(id), kind: 'transfer_in', note });
    }
  }
  await ctx.em.execute(`update pos.stock_document set status = 'canceled', canceled_at = now(), canceled_by = ?, cancel_reason = ? where id = ?`, [ctx.user?.id ?? null, reason ?? null, id]);
  if (shipped) await ctx.emit('pos.stock.transfer.canceled.v1', { documentId: id, number: doc.number, storeId: doc.store_id, toStoreId: doc.to_store_id, reason: reason ?? null, returnedToSource: true });
  return shipped ? 'in_transit' : 'draft';
}

async function productsById(ctx: RequestContext, ids: string[]): Promise<Map<string, ProductInfo>> {
  const rows = await ctx.em.execute(
    'select id, sku, track_stock, track_batches, archived from pos.product where id in (select (jsonb_array_elements_text(?::jsonb))::uuid)',
    [JSON.stringify([...new Set(ids)])],
  );
  return new Map(rows.map((r: any) => [r.id, r]));
}
