import { ConflictError, NotFoundError, UnprocessableError, ValidationError, type FieldError, type RequestContext } from '@atrium/sdk';
import { addStock, postCountDifference, takeStock, type MoveKind } from './stock-ledger.ts';
import { receiveLines, shipLines, type TransferDoc } from './stock-transfer.ts';
import { nextNumber } from './counters.ts';
import { requireStore } from './stores.ts';

/**
 * Stock documents — goods receipts, transfers, stock counts and adjustments. A document is a
 * draft (editable, no effect on stock) until it is posted; posting moves stock only through
 * domain/stock-ledger.ts, in the posting transaction, and cannot be undone (a correction is a new
 * document). Lines' quantities: receipts and transfers > 0, counts = the counted quantity (≥ 0),
 * adjustments signed (+ found, − written off). A transfer may instead go in two steps — shipped
 * (in transit), then received with the quantities that arrived — see stock-transfer.ts; its
 * one-step post is ship + receive everything.
 */

export type DocKind = 'goods_receipt' | 'transfer' | 'count' | 'adjustment';
export const ADJUST_REASONS = ['writeoff', 'damaged', 'expired', 'lost', 'found', 'correction', 'other'] as const;
export type AdjustReason = (typeof ADJUST_REASONS)[number];
/** Reasons whose negative lines are write-offs in the ledger (the rest are plain adjustments). */
const WRITEOFF_REASONS: AdjustReason[] = ['writeoff', 'damaged', 'expired', 'lost'];

/** `batchId`: transfers only — the source batch the line ships from (else first-expiring-first). */
export type LineInput = { productId: string; qtyMilli: number; unitCost?: number | null; lot?: string | null; expiresOn?: string | null; batchId?: string | null };
export type DocInput = { storeId: string; toStoreId?: string | null; supplierId?: string | null; note?: string | null; reason?: AdjustReason | null; lines: LineInput[] };

/** Who may do what with each kind (`pos.Stock` actions in the manifest). */
export const KIND_ACTION: Record<DocKind, string> = { goods_receipt: 'receive', transfer: 'transfer', count: 'count', adjustment: 'adjust' };

export type ProductInfo = { id: string; sku: string; name: string; unit: string; track_stock: boolean; track_batches: boolean; archived: boolean };

async function productsOf(ctx: RequestContext, ids: string[]): Promise<Map<string, ProductInfo>> {
  const rows = await ctx.em.execute(
    'select id, sku, name, unit, track_stock, track_batches, archived from pos.product where id in (select (jsonb_array_elements_text(?::jsonb))::uuid)',
    [JSON.stringify([...new Set(ids)])],
  );
  return new Map(rows.map((r: any) => [r.id, r]));
}

/**
 * Field-level checks of a document's lines for its kind; 400 listing every bad line. A named
 * source batch (transfers) must be a batch of the line's product in `storeId` (the source store);
 * another tenant's batch is invisible here, so it is "no such batch".
 */
export async function checkLines(ctx: RequestContext, kind: DocKind, lines: LineInput[], storeId?: string): Promise<Map<string, ProductInfo>> {
  const products = await productsOf(ctx, lines.map((l) => l.productId));
  const batchIds = [...new Set(lines.flatMap((l) => (l.batchId ? [l.batchId] : [])))];
  const batches = new Map<string, any>(
    batchIds.length
      ? (await ctx.em.execute('select id, store_id, product_id from pos.batch where id in (select (jsonb_array_elements_text(?::jsonb))::uuid)', [JSON.stringify(batchIds)])).map((b: any) => [b.id, b])
      : [],
  );
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    const f = `lines[${i}]`;
    const p = products.get(l.productId);
    if (!p) return errors.push({ field: `${f}.productId`, code: 'unknown', message: 'no such product' });
    if (!p.track_stock) errors.push({ field: `${f}.productId`, code: 'noStockTracking', params: { sku: p.sku }, message: `${p.sku} does not track stock` });
    if (p.archived && kind !== 'count' && kind !== 'adjustment') errors.push({ field: `${f}.productId`, code: 'productArchived', params: { name: p.sku }, message: `${p.sku} is archived` });
    if (kind === 'count') {
      if (seen.has(l.productId)) errors.push({ field: `${f}.productId`, code: 'listedTwice', params: { value: p.sku }, message: `${p.sku} is counted on two lines` });
      seen.add(l.productId);
      if (l.qtyMilli < 0) errors.push({ field: `${f}.qtyMilli`, code: 'notNegative', message: 'a counted quantity cannot be negative' });
    } else if (kind === 'adjustment') {
      if (l.qtyMilli === 0) errors.push({ field: `${f}.qtyMilli`, code: 'adjustmentZero', message: 'must not be 0 (+ found, − written off)' });
    } else if (l.qtyMilli <= 0) {
      errors.push({ field: `${f}.qtyMilli`, code: 'positive', message: 'must be positive' });
    }
    // a piece is a piece: 2.5 loaves of bread cannot be received, counted or moved
    if (p.unit === 'pcs' && l.qtyMilli % 1000 !== 0) errors.push({ field: `${f}.qtyMilli`, code: 'wholeQuantity', params: { name: p.name }, message: `${p.name} is counted in whole pieces (${l.qtyMilli / 1000} given)` });
    if ((l.lot || l.expiresOn) && !p.track_batches) errors.push({ field: `${f}.${l.lot ? 'lot' : 'expiresOn'}`, code: 'noBatchTracking', params: { sku: p.sku }, message: `${p.sku} does not track batches` });
    if ((l.lot || l.expiresOn) && kind !== 'goods_receipt' && !(kind === 'adjustment' && l.qtyMilli > 0)) {
      errors.push({ field: `${f}.lot`, code: 'lotOnReceiptsOnly', message: 'lot and expiry are given on receipts (and found stock) only' });
    }
    if (l.batchId) {
      const b = batches.get(l.batchId);
      if (kind !== 'transfer') errors.push({ field: `${f}.batchId`, code: 'batchOnTransfersOnly', message: 'a source batch is named on transfers only' });
      else if (!p.track_batches) errors.push({ field: `${f}.batchId`, code: 'noBatchTracking', params: { sku: p.sku }, message: `${p.sku} does not track batches` });
      else if (!b) errors.push({ field: `${f}.batchId`, code: 'unknown', message: 'no such batch' });
      else if (b.product_id !== l.productId) errors.push({ field: `${f}.batchId`, code: 'batchOfOtherProduct', params: { sku: p.sku }, message: `the batch is not of ${p.sku}` });
      else if (storeId && b.store_id !== storeId) errors.push({ field: `${f}.batchId`, code: 'batchInOtherStore', message: 'the batch is in another store than the one the transfer ships from' });
    }
  });
  if (errors.length) throw new ValidationError('Invalid document lines', errors);
  return products;
}

async function insertLines(ctx: RequestContext, docId: string, lines: LineInput[]): Promise<void> {
  await ctx.em.execute('delete from pos.stock_document_line where document_id = ?', [docId]);
  if (!lines.length) return;
  await ctx.em.execute(
    `insert into pos.stock_document_line (tenant_id, document_id, line_no, product_id, qty_milli, unit_cost, lot, expires_on, batch_id)
     select ?, ?, x.line_no, x.product_id, x.qty_milli, x.unit_cost, x.lot, x.expires_on, x.batch_id
     from jsonb_to_recordset(?::jsonb) as x(line_no int, product_id uuid, qty_milli bigint, unit_cost bigint, lot text, expires_on date, batch_id uuid)`,
    [ctx.tenantId, docId, JSON.stringify(lines.map((l, i) => ({ line_no: i + 1, product_id: l.productId, qty_milli: l.qtyMilli, unit_cost: l.unitCost ?? null, lot: l.lot ?? null, expires_on: l.expiresOn ?? null, batch_id: l.batchId ?? null })))],
  );
}

export async function createDocument(ctx: RequestContext, kind: DocKind, input: DocInput): Promise<string> {
  await requireStore(ctx, input.storeId);
  if (kind === 'transfer') {
    if (!input.toStoreId) throw new ValidationError('A transfer needs a destination', [{ field: 'toStoreId', code: 'required', message: 'is required' }]);
    if (input.toStoreId === input.storeId) throw new ValidationError('Transfer to another store', [{ field: 'toStoreId', code: 'sameStore', message: 'must differ from storeId' }]);
    await requireStore(ctx, input.toStoreId, 'toStoreId');
  }
  if (input.supplierId && !(await ctx.em.execute('select 1 from pos.supplier where id = ?', [input.supplierId])).length) {
    throw new ValidationError('No such supplier', [{ field: 'supplierId', code: 'unknown', message: 'no such supplier' }]);
  }
  if (kind === 'adjustment' && !input.reason) throw new ValidationError('Say why stock is adjusted', [{ field: 'reason', code: 'required', message: 'is required' }]);
  await checkLines(ctx, kind, input.lines, input.storeId);
  const id = crypto.randomUUID();
  const number = await nextNumber(ctx, `stock_document:${kind}`);
  await ctx.em.execute(
    `insert into pos.stock_document (tenant_id, id, kind, number, store_id, to_store_id, supplier_id, note, reason, created_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [ctx.tenantId, id, kind, number, input.storeId, input.toStoreId ?? null, input.supplierId ?? null, input.note ?? null, input.reason ?? null, ctx.user?.id ?? null],
  );
  await insertLines(ctx, id, input.lines);
  return id;
}

/** Locks a document of the given kind; 404 when it is not one, 409 unless it is a draft. */
async function lockDraft(ctx: RequestContext, id: string, kind: DocKind) {
  const [doc] = await ctx.em.execute('select * from pos.stock_document where id = ? for update', [id]);
  if (!doc || doc.kind !== kind) throw new NotFoundError(`No such ${kind.replace('_', ' ')}`, { subject: 'pos.StockDocument' });
  if (doc.status !== 'draft') throw new ConflictError(`The document is ${doc.status}, not a draft`, 'NOT_DRAFT', { status: doc.status });
  return doc;
}

export async function replaceDraftLines(ctx: RequestContext, id: string, kind: DocKind, lines: LineInput[], note?: string | null): Promise<void> {
  const doc = await lockDraft(ctx, id, kind);
  await checkLines(ctx, kind, lines, doc.store_id);
  await insertLines(ctx, id, lines);
  if (note !== undefined) await ctx.em.execute('update pos.stock_document set note = ? where id = ?', [note, id]);
}

export async function cancelDocument(ctx: RequestContext, id: string, kind: DocKind): Promise<void> {
  await lockDraft(ctx, id, kind);
  await ctx.em.execute(`update pos.stock_document set status = 'canceled' where id = ?`, [id]);
}

/**
 * How far from the book figure a quantity may be before the user must confirm it (`confirmLarge`):
 * a count or a move more than ten times what the store holds and above a floor of units — one
 * mistyped zero too many in a count of 50 kg of sugar is 500 kg, a slip of the thumb is 10¹² kg.
 */
const LARGE_FLOOR_MILLI: Record<DocKind, number> = { count: 1_000_000, goods_receipt: 10_000_000, transfer: 10_000_000, adjustment: 1_000_000 };

/** 422 LARGE_QUANTITY naming every line far from the book, unless the user confirmed them. */
export async function checkLargeQuantities(ctx: RequestContext, kind: DocKind, storeId: string, lines: { productId: string; qtyMilli: number }[], products: Map<string, ProductInfo>, confirmed: boolean): Promise<void> {
  if (confirmed) return;
  const book = new Map<string, number>(
    (await ctx.em.execute('select product_id, on_hand_milli from pos.stock_level where store_id = ? and product_id in (select (jsonb_array_elements_text(?::jsonb))::uuid)', [storeId, JSON.stringify(lines.map((l) => l.productId))]))
      .map((r: any) => [r.product_id, Number(r.on_hand_milli)]),
  );
  const far = lines.flatMap((l, i) => {
    const onHand = book.get(l.productId) ?? 0;
    const delta = kind === 'count' ? l.qtyMilli - onHand : l.qtyMilli;
    return Math.abs(delta) > Math.max(10 * Math.abs(onHand), LARGE_FLOOR_MILLI[kind]) ? [{ index: i, productId: l.productId, name: products.get(l.productId)?.name ?? '', qtyMilli: l.qtyMilli, bookMilli: onHand }] : [];
  });
  if (!far.length) return;
  throw new UnprocessableError(`Quantities far from the book figure: ${far.map((f) => `${f.name} ${f.qtyMilli / 1000} (in stock ${f.bookMilli / 1000})`).join('; ')}. Check them, then confirm`, 'LARGE_QUANTITY', {
    lines: far,
    fields: far.map((f) => ({ field: `lines.${f.index}.qtyMilli`, code: 'farFromStock', params: { bookMilli: f.bookMilli }, message: `far from the ${f.bookMilli / 1000} in stock: confirm it is right` })),
  });
}

/** Posts a draft: the stock moves happen now, all of them or none. `confirmLarge`: the user confirmed quantities far from the book. */
export async function postDocument(ctx: RequestContext, id: string, kind: DocKind, opts: { confirmLarge?: boolean } = {}): Promise<void> {
  const doc = await lockDraft(ctx, id, kind);
  const lines = (await ctx.em.execute('select * from pos.stock_document_line where document_id = ? order by line_no', [id])).map((l: any) => ({
    lineNo: l.line_no, productId: l.product_id, qtyMilli: Number(l.qty_milli), unitCost: l.unit_cost === null ? null : Number(l.unit_cost), lot: l.lot, expiresOn: l.expires_on, batchId: l.batch_id ?? null,
  }));
  if (!lines.length) throw new UnprocessableError('The document has no lines', 'EMPTY_DOCUMENT');
  // products may have changed since the draft was saved (archived, stock tracking off)
  const products = await checkLines(ctx, kind, lines, doc.store_id);
  await checkLargeQuantities(ctx, kind, doc.store_id, lines, products, !!opts.confirmLarge);
  const ref = { refType: kind, refId: id };
  const store = await requireStore(ctx, doc.store_id);
  if (kind === 'goods_receipt') {
    for (const l of lines) {
      const p = products.get(l.productId)!;
      await addStock(ctx, {
        ...ref, storeId: doc.store_id, productId: l.productId, qtyMilli: l.qtyMilli, kind: 'receipt', unitCost: l.unitCost,
        newBatch: p.track_batches ? { lot: l.lot, expiresOn: dateOnly(l.expiresOn), cost: l.unitCost ?? 0 } : undefined,
      });
      // the product's cost is its last purchase cost
      if (l.unitCost !== null) await ctx.em.execute('update pos.product set cost = ?, version = version + 1, updated_at = now() where id = ? and cost <> ?', [l.unitCost, l.productId, l.unitCost]);
    }
  } else if (kind === 'transfer') {
    // one step: shipped and received in full at once (the two-step flow is in stock-transfer.ts)
    await requireStore(ctx, doc.to_store_id, 'toStoreId');
    await shipLines(ctx, doc as TransferDoc, lines, products, store.allowNegativeStock);
    await receiveLines(ctx, doc as TransferDoc, new Map(), products);
    await ctx.em.execute('update pos.stock_document set shipped_at = now(), shipped_by = ?, received_at = now(), received_by = ? where id = ?', [ctx.user?.id ?? null, ctx.user?.id ?? null, id]);
  } else if (kind === 'count') {
    for (const l of lines) {
      const r = await postCountDifference(ctx, { ...ref, storeId: doc.store_id, productId: l.productId, countedMilli: l.qtyMilli, trackBatches: products.get(l.productId)!.track_batches });
      await ctx.em.execute('update pos.stock_document_line set expected_milli = ? where document_id = ? and line_no = ?', [r.expectedMilli, id, l.lineNo]);
    }
  } else {
    const moveKind: MoveKind = WRITEOFF_REASONS.includes(doc.reason) ? 'writeoff' : 'adjust';
    const out = lines.filter((l) => l.qtyMilli < 0);
    if (out.length) {
      await takeStock(ctx, doc.store_id, out.map((l) => ({ productId: l.productId, qtyMilli: -l.qtyMilli, trackBatches: products.get(l.productId)!.track_batches })), {
        ...ref, kind: moveKind, allowNegative: store.allowNegativeStock, note: doc.note,
      });
    }
    for (const l of lines.filter((x) => x.qtyMilli > 0)) {
      const p = products.get(l.productId)!;
      await addStock(ctx, { ...ref, storeId: doc.store_id, productId: l.productId, qtyMilli: l.qtyMilli, kind: 'adjust', unitCost: l.unitCost, note: doc.note, newBatch: p.track_batches ? { lot: l.lot, expiresOn: dateOnly(l.expiresOn), cost: l.unitCost ?? 0 } : undefined });
    }
  }
  await ctx.em.execute(`update pos.stock_document set status = 'posted', posted_at = now(), posted_by = ? where id = ?`, [ctx.user?.id ?? null, id]);
  await ctx.emit('pos.stock.moved.v1', {
    documentId: id, kind, number: doc.number, storeId: doc.store_id, toStoreId: doc.to_store_id,
    lines: lines.map((l) => ({ productId: l.productId, qtyMilli: l.qtyMilli })),
  });
}

/** pg returns `date` columns as Date objects at local midnight; batches want the calendar day. */
function dateOnly(v: unknown): string | null {
  if (!v) return null;
  if (v instanceof Date) return `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`;
  return String(v).slice(0, 10);
}
export { dateOnly };
