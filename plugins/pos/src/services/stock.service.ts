import { NotFoundError, Paging, Sort, Type, ValidationError, defineAction, defineService, likePattern, listPage, orderBy, sqlWhere, type RequestContext } from '@atrium/sdk';
import { requireStore } from '../domain/stores.ts';
import { canSeeCost } from '../domain/products.ts';
import { ADJUST_REASONS, KIND_ACTION, cancelDocument, createDocument, dateOnly, postDocument, replaceDraftLines, type DocKind } from '../domain/stock-documents.ts';
import { endReservation, reserve } from '../domain/reservations.ts';
import { DIFF_REASONS, cancelTransfer, receiveTransfer, shipTransfer } from '../domain/stock-transfer.ts';

/**
 * Stock: levels per store, the movement ledger, batches with expiry, documents (goods receipts,
 * transfers, counts, adjustments: draft → post; transfers also draft → ship → receive, see
 * domain/stock-transfer.ts) and reservations. Nothing here writes stock
 * except through domain/stock-ledger.ts (via stock-documents.ts) and domain/reservations.ts.
 */

const Id = Type.String({ format: 'uuid' });
const Qty = Type.Integer({ minimum: -1e15, maximum: 1e15 });
const Day = Type.String({ format: 'date' });
const Note = Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()]));
const ReceiptLine = Type.Object({
  productId: Id,
  qtyMilli: Qty,
  unitCost: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 1e15 }), Type.Null()])),
  lot: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()])),
  expiresOn: Type.Optional(Type.Union([Day, Type.Null()])),
}, { additionalProperties: false });
/** A transfer line; `batchId`: the source batch it ships from (a lot moved on purpose), else first-expiring-first. */
const TransferLine = Type.Object({
  productId: Id,
  qtyMilli: Qty,
  batchId: Type.Optional(Type.Union([Id, Type.Null()], { description: 'source batch (GET /batches?storeId=<source>&productId=); omitted: first-expiring-first' })),
}, { additionalProperties: false });
/** The user saw the LARGE_QUANTITY warning and confirms the quantities far from the book figure. */
const ConfirmLarge = Type.Optional(Type.Boolean({ description: 'confirm quantities far from the book figure (422 LARGE_QUANTITY otherwise)' }));
const Lines = <T extends typeof ReceiptLine | typeof TransferLine>(t: T) => Type.Array(t, { minItems: 1, maxItems: 2000 });

const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function levelView(r: any) {
  const onHand = Number(r.on_hand_milli ?? 0);
  const reserved = Number(r.reserved_milli ?? 0);
  const low = r.low_stock_milli === null ? null : Number(r.low_stock_milli);
  return {
    productId: r.product_id, sku: r.sku, name: r.name, unit: r.unit, onHandMilli: onHand, reservedMilli: reserved, availableMilli: onHand - reserved,
    inTransitMilli: Number(r.in_transit_milli ?? 0), lowStockMilli: low, low: low !== null && onHand <= low, updatedAt: r.updated_at ?? null,
  };
}

function moveView(r: any, seeCost: boolean) {
  return {
    id: Number(r.id), at: r.at, storeId: r.store_id, productId: r.product_id, sku: r.sku, name: r.name, batchId: r.batch_id, qtyMilli: Number(r.qty_milli), kind: r.kind,
    refType: r.ref_type, refId: r.ref_id, userId: r.user_id, note: r.note, ...(seeCost ? { unitCost: n(r.unit_cost) } : {}),
  };
}

/** What left, what is on the way, what arrived and why it differs — per transfer line. */
function transferLineView(d: any, l: any, seeCost: boolean) {
  const shipped = n(l.shipped_milli);
  const received = n(l.received_milli);
  const batches = (typeof l.shipped_batches === 'string' ? JSON.parse(l.shipped_batches) : l.shipped_batches) ?? [];
  return {
    // the source batch the line names (null: first-expiring-first), with its lot, expiry and what it holds now
    batchId: l.batch_id ?? null,
    sourceBatch: l.batch_id ? { lot: l.batch_lot ?? null, expiresOn: dateOnly(l.batch_expires_on), onHandMilli: n(l.batch_on_hand) } : null,
    shippedMilli: shipped, receivedMilli: received, inTransitMilli: d.status === 'in_transit' ? shipped : 0,
    differenceMilli: shipped !== null && received !== null ? received - shipped : null, differenceReason: l.difference_reason ?? null, differenceNote: l.difference_note ?? null,
    batches: batches.map((b: any) => ({ batchId: b.batchId, lot: b.lot, expiresOn: b.expiresOn, qtyMilli: b.qtyMilli, ...(seeCost ? { cost: b.cost } : {}) })),
  };
}

/** The columns `docView` reads. */
const DOC_COLUMNS = `d.id, d.kind, d.number, d.status, d.store_id, d.to_store_id, d.supplier_id, d.reason, d.note, d.created_by, d.created_at, d.posted_at, d.posted_by,
  d.shipped_at, d.shipped_by, d.received_at, d.received_by, d.canceled_at, d.canceled_by, d.cancel_reason`;

function docView(r: any) {
  return {
    id: r.id, kind: r.kind, number: r.number, status: r.status, storeId: r.store_id, toStoreId: r.to_store_id, supplierId: r.supplier_id, reason: r.reason, note: r.note,
    createdBy: r.created_by, createdAt: r.created_at, postedAt: r.posted_at, postedBy: r.posted_by, lineCount: r.line_count === undefined ? undefined : Number(r.line_count),
    ...(r.kind === 'transfer'
      ? {
          shippedAt: r.shipped_at ?? null, shippedBy: r.shipped_by ?? null, receivedAt: r.received_at ?? null, receivedBy: r.received_by ?? null,
          canceledAt: r.canceled_at ?? null, canceledBy: r.canceled_by ?? null, cancelReason: r.cancel_reason ?? null,
          ...(r.shipped_total === undefined ? {} : { shippedMilli: n(r.shipped_total), receivedMilli: n(r.received_total) }),
        }
      : {}),
  };
}

async function loadDocument(ctx: RequestContext, id: string, kind?: DocKind) {
  const [d] = await ctx.em.execute(`select ${DOC_COLUMNS} from pos.stock_document d where id = ?`, [id]);
  if (!d || (kind && d.kind !== kind)) throw new NotFoundError('No such stock document', { subject: 'pos.StockDocument' });
  const seeCost = canSeeCost(ctx);
  const lines = await ctx.em.execute(
    `select l.*, p.sku, p.name, p.unit, b.lot as batch_lot, b.expires_on as batch_expires_on, b.on_hand_milli as batch_on_hand
     from pos.stock_document_line l join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id
     left join pos.batch b on b.tenant_id = l.tenant_id and b.id = l.batch_id
     where l.document_id = ? order by l.line_no`,
    [id],
  );
  return {
    ...docView(d),
    lines: lines.map((l: any) => ({
      lineNo: l.line_no, productId: l.product_id, sku: l.sku, name: l.name, unit: l.unit, qtyMilli: Number(l.qty_milli),
      lot: l.lot, expiresOn: dateOnly(l.expires_on), ...(seeCost ? { unitCost: n(l.unit_cost) } : {}),
      ...(d.kind === 'count' ? { countedMilli: Number(l.qty_milli), expectedMilli: n(l.expected_milli), differenceMilli: l.expected_milli === null ? null : Number(l.qty_milli) - Number(l.expected_milli) } : {}),
      ...(d.kind === 'transfer' ? transferLineView(d, l, seeCost) : {}),
    })),
  };
}

/** The four document kinds share create / edit / post / cancel; each has its own permission. */
function documentActions(kind: DocKind, path: string, line: typeof ReceiptLine | typeof TransferLine, extra: Record<string, any>, summary: string) {
  const perm = ['read', 'pos.Stock'] as const;
  const act = KIND_ACTION[kind];
  return {
    [`create_${kind}`]: defineAction({
      rest: `POST /${path}`,
      permission: [act, 'pos.Stock'],
      status: 201,
      idempotent: true,
      summary: `${summary} (a draft: post it to move stock)`,
      params: Type.Object({ storeId: Id, note: Note, lines: Lines(line), ...extra, confirmLarge: ConfirmLarge }, { additionalProperties: false }),
      async handler(ctx: any) {
        const p = ctx.params;
        const lines = p.lines.map((l: any) => (kind === 'count' ? { productId: l.productId, qtyMilli: l.countedMilli } : l));
        if (p.post && p.ship) throw new ValidationError('Post (one step) or ship (two steps), not both', [{ field: 'ship', code: 'notWith', params: { other: 'post' }, message: 'cannot be combined with post' }]);
        const { confirmLarge, ...doc } = p;
        const id = await createDocument(ctx, kind, { ...doc, lines });
        if (p.post) await postDocument(ctx, id, kind, { confirmLarge });
        if (p.ship) await shipTransfer(ctx, id);
        return loadDocument(ctx, id);
      },
    }),
    [`edit_${kind}`]: defineAction({
      rest: `PUT /${path}/:id`,
      permission: [act, 'pos.Stock'],
      summary: 'Replace the lines of a draft',
      params: Type.Object({ id: Id, note: Note, lines: Lines(line) }, { additionalProperties: false }),
      async handler(ctx: any) {
        const lines = ctx.params.lines.map((l: any) => (kind === 'count' ? { productId: l.productId, qtyMilli: l.countedMilli } : l));
        await replaceDraftLines(ctx, ctx.params.id, kind, lines, ctx.params.note);
        return loadDocument(ctx, ctx.params.id);
      },
    }),
    [`post_${kind}`]: defineAction({
      rest: `POST /${path}/:id/post`,
      permission: [act, 'pos.Stock'],
      summary: 'Post the draft: stock moves now, all lines or none',
      params: Type.Object({ id: Id, confirmLarge: ConfirmLarge }, { additionalProperties: false }),
      async handler(ctx: any) {
        await postDocument(ctx, ctx.params.id, kind, { confirmLarge: ctx.params.confirmLarge });
        return loadDocument(ctx, ctx.params.id);
      },
    }),
    [`cancel_${kind}`]: defineAction({
      rest: `POST /${path}/:id/cancel`,
      permission: [act, 'pos.Stock'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx: any) {
        await cancelDocument(ctx, ctx.params.id, kind);
        return loadDocument(ctx, ctx.params.id);
      },
    }),
    [`get_${kind}`]: defineAction({
      rest: `GET /${path}/:id`,
      permission: perm,
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      handler: (ctx: any) => loadDocument(ctx, ctx.params.id, kind),
    }),
  };
}

const Post = { post: Type.Optional(Type.Boolean({ description: 'post right away' })) };
const DocStatus = Type.Union(['draft', 'posted', 'in_transit', 'received', 'canceled'].map((s) => Type.Literal(s)));
const ReceiveLine = Type.Object({
  lineNo: Type.Integer({ minimum: 1 }),
  receivedMilli: Type.Integer({ minimum: 0, maximum: 1e15 }),
  reason: Type.Optional(Type.Union([...DIFF_REASONS.map((r) => Type.Literal(r)), Type.Null()])),
  note: Type.Optional(Type.Union([Type.String({ maxLength: 400 }), Type.Null()])),
}, { additionalProperties: false });
const CountLine = Type.Object({ productId: Id, countedMilli: Type.Integer({ minimum: 0, maximum: 1e15 }) }, { additionalProperties: false });

export const stockService = defineService({
  name: 'stock',
  actions: {
    levels: defineAction({
      rest: 'GET /levels',
      permission: ['read', 'pos.Stock'],
      summary: 'Stock of every stock-tracked product in a store; lowStock=true: only those at or below their low-stock level',
      params: Type.Object({
        ...Paging,
        storeId: Id,
        q: Type.Optional(Type.String({ maxLength: 100 })),
        categoryId: Type.Optional(Id),
        lowStock: Type.Optional(Type.Boolean()),
        inStock: Type.Optional(Type.Boolean()),
        sort: Sort,
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, storeId, q, categoryId, lowStock, inStock, sort } = ctx.params;
        await requireStore(ctx, storeId);
        const where = sqlWhere('p.track_stock', 'not p.archived');
        for (const t of (q ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 5)) {
          where.always('p.name ilike ? or lower(p.sku) like lower(?) or p.id in (select product_id from pos.barcode where code = ?)', likePattern(t, t.length >= 3 ? 'contains' : 'prefix'), likePattern(t, 'prefix'), t);
        }
        where.add('p.category_id = ?', categoryId);
        if (lowStock) where.always('p.low_stock_milli is not null and coalesce(l.on_hand_milli, 0) <= p.low_stock_milli');
        if (inStock) where.always('coalesce(l.on_hand_milli, 0) > 0');
        // goods shipped to this store and not received yet
        const inTransit = `(select coalesce(sum(dl.shipped_milli), 0) from pos.stock_document d join pos.stock_document_line dl on dl.tenant_id = d.tenant_id and dl.document_id = d.id
          where d.kind = 'transfer' and d.status = 'in_transit' and d.to_store_id = ? and dl.product_id = p.id) as in_transit_milli`;
        return listPage(ctx, {
          select: `p.id as product_id, p.sku, p.name, p.unit, p.low_stock_milli, l.on_hand_milli, l.reserved_milli, l.updated_at, ${inTransit}`,
          from: 'pos.product p left join pos.stock_level l on l.tenant_id = p.tenant_id and l.store_id = ? and l.product_id = p.id',
          params: [storeId, storeId], where,
          orderBy: orderBy(sort, { name: 'p.name', sku: 'lower(p.sku)', onHand: 'coalesce(l.on_hand_milli, 0)' }, 'p.name', 'p.id'), limit, offset,
        }, levelView);
      },
    }),
    moves: defineAction({
      rest: 'GET /moves',
      permission: ['read', 'pos.Stock'],
      summary: 'The stock ledger, newest first',
      params: Type.Object({
        ...Paging,
        storeId: Type.Optional(Id),
        productId: Type.Optional(Id),
        kind: Type.Optional(Type.Union(['receipt', 'sale', 'return', 'void', 'transfer_out', 'transfer_in', 'count', 'adjust', 'writeoff'].map((k) => Type.Literal(k)))),
        refType: Type.Optional(Type.String({ maxLength: 24 })),
        refId: Type.Optional(Id),
        from: Type.Optional(Type.String({ format: 'date-time' })),
        to: Type.Optional(Type.String({ format: 'date-time' })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, storeId, productId, kind, refType, refId, from, to } = ctx.params;
        const where = sqlWhere().add('m.store_id = ?', storeId).add('m.product_id = ?', productId).add('m.kind = ?', kind).add('m.ref_type = ?', refType)
          .add('m.ref_id = ?', refId).add('m.at >= ?', from).add('m.at < ?', to);
        const seeCost = canSeeCost(ctx);
        return listPage(ctx, {
          select: 'm.id, m.at, m.store_id, m.product_id, m.batch_id, m.qty_milli, m.kind, m.ref_type, m.ref_id, m.user_id, m.note, m.unit_cost, p.sku, p.name',
          from: 'pos.stock_move m join pos.product p on p.tenant_id = m.tenant_id and p.id = m.product_id', where, orderBy: 'm.id desc', limit, offset,
        }, (r: any) => moveView(r, seeCost));
      },
    }),
    batches: defineAction({
      rest: 'GET /batches',
      permission: ['read', 'pos.Stock'],
      summary: 'Batches of a product (lot, expiry, on hand) in picking order: first to expire first',
      params: Type.Object({ ...Paging, productId: Id, storeId: Type.Optional(Id), includeEmpty: Type.Optional(Type.Boolean()), expiringBefore: Type.Optional(Day) }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, productId, storeId, includeEmpty, expiringBefore } = ctx.params;
        const where = sqlWhere().always('b.product_id = ?', productId).add('b.store_id = ?', storeId).add('b.expires_on < ?', expiringBefore);
        if (!includeEmpty) where.always('b.on_hand_milli > 0');
        const seeCost = canSeeCost(ctx);
        return listPage(ctx, {
          select: 'b.id, b.store_id, b.product_id, b.lot, b.expires_on, b.received_at, b.on_hand_milli, b.cost', from: 'pos.batch b', where,
          orderBy: 'b.store_id, b.expires_on nulls last, b.received_at, b.id', limit, offset,
        }, (b: any) => ({ id: b.id, storeId: b.store_id, productId: b.product_id, lot: b.lot, expiresOn: dateOnly(b.expires_on), receivedAt: b.received_at, onHandMilli: Number(b.on_hand_milli), ...(seeCost ? { cost: Number(b.cost) } : {}) }));
      },
    }),
    documents: defineAction({
      rest: 'GET /documents',
      permission: ['read', 'pos.Stock'],
      summary: 'Goods receipts, transfers, counts and adjustments, newest first',
      params: Type.Object({
        ...Paging,
        kind: Type.Optional(Type.Union([Type.Literal('goods_receipt'), Type.Literal('transfer'), Type.Literal('count'), Type.Literal('adjustment')])),
        status: Type.Optional(DocStatus),
        storeId: Type.Optional(Id),
        supplierId: Type.Optional(Id),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, kind, status, storeId, supplierId } = ctx.params;
        const where = sqlWhere().add('d.kind = ?', kind).add('d.status = ?', status).add('d.store_id = ? or d.to_store_id = ?', storeId, storeId).add('d.supplier_id = ?', supplierId);
        return listPage(ctx, {
          select: `${DOC_COLUMNS}, (select count(*) from pos.stock_document_line l where l.tenant_id = d.tenant_id and l.document_id = d.id) as line_count`,
          from: 'pos.stock_document d', where, orderBy: 'd.created_at desc, d.id', limit, offset,
        }, docView);
      },
    }),
    document: defineAction({
      rest: 'GET /documents/:id',
      permission: ['read', 'pos.Stock'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      handler: (ctx) => loadDocument(ctx, ctx.params.id),
    }),
    ...documentActions('goods_receipt', 'receipts', ReceiptLine, { supplierId: Type.Optional(Id), ...Post }, 'Receive goods from a supplier: new batches with lot, expiry and cost; the product cost becomes the last purchase cost'),
    ...documentActions('transfer', 'transfers', TransferLine, { toStoreId: Id, ...Post, ship: Type.Optional(Type.Boolean({ description: 'ship right away (two steps: receive it at the destination)' })) },
      'Move stock to another store: from the batch a line names (batchId, a batch of that product in the source store: else 400 naming lines[i].batchId), else first-expiring-first; arriving with the same lots and expiry there. post: in one step; ship: in transit until received'),
    ...documentActions('count', 'counts', CountLine as any, { ...Post }, 'Stock count: the counted quantities; posting records expected and difference per line'),
    ...documentActions('adjustment', 'adjustments', ReceiptLine, { reason: Type.Union(ADJUST_REASONS.map((r) => Type.Literal(r))), ...Post }, 'Adjustment or write-off with a reason: + found, − written off'),
    // ---- transfers in two steps: draft → ship (in transit) → receive; cancel returns shipped goods ----
    transfers: defineAction({
      rest: 'GET /transfers',
      permission: ['read', 'pos.Stock'],
      summary: 'Transfers between stores, newest first, with shipped and received totals; storeId matches either side',
      params: Type.Object({
        ...Paging,
        status: Type.Optional(DocStatus),
        storeId: Type.Optional(Id),
        fromStoreId: Type.Optional(Id),
        toStoreId: Type.Optional(Id),
        productId: Type.Optional(Id),
        number: Type.Optional(Type.Integer({ minimum: 1 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, status, storeId, fromStoreId, toStoreId, productId, number } = ctx.params;
        const where = sqlWhere(`d.kind = 'transfer'`).add('d.status = ?', status).add('d.store_id = ? or d.to_store_id = ?', storeId, storeId)
          .add('d.store_id = ?', fromStoreId).add('d.to_store_id = ?', toStoreId).add('d.number = ?', number)
          .add('exists (select 1 from pos.stock_document_line x where x.tenant_id = d.tenant_id and x.document_id = d.id and x.product_id = ?)', productId);
        return listPage(ctx, {
          select: `${DOC_COLUMNS}, t.line_count, t.shipped_total, t.received_total`,
          from: `pos.stock_document d
           cross join lateral (select count(*) as line_count, sum(l.shipped_milli) as shipped_total, sum(l.received_milli) as received_total
             from pos.stock_document_line l where l.tenant_id = d.tenant_id and l.document_id = d.id) t`,
          where, orderBy: 'd.created_at desc, d.id', limit, offset,
        }, docView);
      },
    }),
    ship_transfer: defineAction({
      rest: 'POST /transfers/:id/ship',
      permission: ['transfer', 'pos.Stock'],
      idempotent: true,
      summary: 'Ship a draft transfer: the goods leave the source store now (from the batch a line names, else first-expiring-first) and are in transit; 409 OUT_OF_STOCK naming the product (and the batch, which never goes below zero), NOT_DRAFT if shipped already',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        await shipTransfer(ctx, ctx.params.id);
        const t = await loadDocument(ctx, ctx.params.id);
        ctx.audit.diff({ status: 'draft' }, {
          status: t.status,
          lines: t.lines.map((l: any) => ({ productId: l.productId, shippedMilli: l.shippedMilli, ...(l.batchId ? { batchId: l.batchId } : {}), batches: l.batches.map((b: any) => ({ batchId: b.batchId, lot: b.lot, qtyMilli: b.qtyMilli })) })),
        });
        return t;
      },
    }),
    receive_transfer: defineAction({
      rest: 'POST /transfers/:id/receive',
      permission: ['transfer', 'pos.Stock'],
      idempotent: true,
      summary: 'Receive a transfer in transit at the destination: what arrived per line (lines not given arrived as shipped); a difference needs a reason (short, damaged, over, other) and is posted as a write-off or adjustment',
      params: Type.Object({ id: Id, lines: Type.Optional(Type.Array(ReceiveLine, { maxItems: 2000 })) }, { additionalProperties: false }),
      async handler(ctx) {
        await receiveTransfer(ctx, ctx.params.id, { lines: ctx.params.lines as any });
        const t = await loadDocument(ctx, ctx.params.id);
        ctx.audit.diff({ status: 'in_transit' }, {
          status: t.status,
          lines: t.lines.map((l: any) => ({ productId: l.productId, shippedMilli: l.shippedMilli, receivedMilli: l.receivedMilli, reason: l.differenceReason, note: l.differenceNote })),
        });
        return t;
      },
    }),
    cancel_transfer: defineAction({
      rest: 'POST /transfers/:id/cancel',
      permission: ['transfer', 'pos.Stock'],
      idempotent: true,
      summary: 'Cancel a draft, or a transfer in transit: its goods go back into the source store (the batches they left)',
      params: Type.Object({ id: Id, reason: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])) }, { additionalProperties: false }),
      async handler(ctx) {
        const before = await cancelTransfer(ctx, ctx.params.id, ctx.params.reason?.trim() || null);
        ctx.audit.diff({ status: before }, { status: 'canceled', reason: ctx.params.reason ?? null, returnedToSource: before === 'in_transit' });
        return loadDocument(ctx, ctx.params.id);
      },
    }),
    in_transit: defineAction({
      rest: 'GET /in-transit',
      permission: ['read', 'pos.Stock'],
      summary: 'Goods on the way: quantity per destination store and product over transfers in transit',
      params: Type.Object({ ...Paging, storeId: Type.Optional(Id), fromStoreId: Type.Optional(Id), productId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, storeId, fromStoreId, productId } = ctx.params;
        const where = sqlWhere(`d.kind = 'transfer'`, `d.status = 'in_transit'`).add('d.to_store_id = ?', storeId).add('d.store_id = ?', fromStoreId).add('l.product_id = ?', productId);
        return listPage(ctx, {
          select: 'd.to_store_id, l.product_id, p.sku, p.name, p.unit, sum(l.shipped_milli) as qty, count(distinct d.id) as transfers, min(d.shipped_at) as since',
          from: `pos.stock_document d
           join pos.stock_document_line l on l.tenant_id = d.tenant_id and l.document_id = d.id
           join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id`,
          where, groupBy: 'd.to_store_id, l.product_id, p.sku, p.name, p.unit', orderBy: 'p.name, l.product_id, d.to_store_id', limit, offset,
        }, (r: any) => ({ storeId: r.to_store_id, productId: r.product_id, sku: r.sku, name: r.name, unit: r.unit, inTransitMilli: Number(r.qty), transfers: Number(r.transfers), since: r.since }));
      },
    }),
    reservations: defineAction({
      rest: 'GET /reservations',
      permission: ['read', 'pos.Stock'],
      params: Type.Object({
        ...Paging,
        storeId: Type.Optional(Id),
        productId: Type.Optional(Id),
        status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('released'), Type.Literal('consumed'), Type.Literal('expired')])),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, storeId, productId, status } = ctx.params;
        const where = sqlWhere().add('r.store_id = ?', storeId).add('r.product_id = ?', productId).add('r.status = ?', status);
        return listPage(ctx, { select: RESERVATION_COLUMNS, from: 'pos.reservation r', where, orderBy: 'r.created_at desc, r.id', limit, offset }, reservationView);
      },
    }),
    reserve: defineAction({
      rest: 'POST /reservations',
      permission: ['reserve', 'pos.Stock'],
      status: 201,
      idempotent: true,
      summary: 'Hold stock (an order, a layaway); sales cannot take held stock. Expires at expiresAt if given.',
      params: Type.Object({
        storeId: Id,
        productId: Id,
        qtyMilli: Type.Integer({ minimum: 1, maximum: 1e15 }),
        expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
        refType: Type.Optional(Type.String({ minLength: 1, maxLength: 24 })),
        refId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const id = await reserve(ctx, ctx.params);
        return reservationView((await ctx.em.execute(`select ${RESERVATION_COLUMNS} from pos.reservation r where id = ?`, [id]))[0]);
      },
    }),
    release: defineAction({
      rest: 'POST /reservations/:id/release',
      permission: ['reserve', 'pos.Stock'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        await endReservation(ctx, ctx.params.id, 'released');
        return reservationView((await ctx.em.execute(`select ${RESERVATION_COLUMNS} from pos.reservation r where id = ?`, [ctx.params.id]))[0]);
      },
    }),
  },
});

const RESERVATION_COLUMNS = 'r.id, r.store_id, r.product_id, r.qty_milli, r.status, r.ref_type, r.ref_id, r.expires_at, r.created_by, r.created_at';

function reservationView(r: any) {
  return { id: r.id, storeId: r.store_id, productId: r.product_id, qtyMilli: Number(r.qty_milli), status: r.status, refType: r.ref_type, refId: r.ref_id, expiresAt: r.expires_at, createdBy: r.created_by, createdAt: r.created_at };
}

