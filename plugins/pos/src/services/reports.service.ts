import { currencyDigits, defineAction, defineService, ForbiddenError, NotFoundError, Type, ValidationError } from '@atrium/sdk';
import { breakdownXlsx, rowLabel, salesBreakdown, type BreakdownBy } from '../domain/analytics/breakdown.ts';
import { rfmCustomers, rfmSummary, recomputeRfm, segmentToGroup, DEFAULT_WINDOW_DAYS } from '../domain/analytics/customer-rfm.ts';
import { dashboard } from '../domain/analytics/dashboard.ts';
import { readDaily, redactFigures, sumFigures, type DailyRow } from '../domain/analytics/daily-report.ts';
import { productPerformance, type ProductSort } from '../domain/analytics/product-performance.ts';
import { loadRun, runView, startRebuild } from '../domain/analytics/rebuild.ts';
import { addDays, dayRange, reportClock } from '../domain/analytics/report-clock.ts';
import { AT_RISK_SEGMENTS, SEGMENTS, type Segment } from '../domain/analytics/rfm.ts';
import { readStock, stockHistory } from '../domain/analytics/stock-snapshot.ts';
import { posSettings } from '../domain/settings.ts';
import { requireStore } from '../domain/stores.ts';

const REPORT = 'pos.Report';
const Id = Type.String({ format: 'uuid' });
const Day = Type.String({ format: 'date', description: 'YYYY-MM-DD, a calendar day in the POS time zone (setting timeZone, default UTC)' });
const Limit = (max: number, def: number) => Type.Optional(Type.Integer({ minimum: 1, maximum: max, default: def }));
const Offset = Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }));
const SegmentParam = Type.Union(SEGMENTS.map((s) => Type.Literal(s)));

const canSeeMargin = (ctx: { can(a: string, s: string): boolean }) => ctx.can('read', 'pos.Margin');

function strip<T extends Record<string, unknown>>(show: boolean, o: T, fields: readonly string[]): T {
  if (show) return o;
  const out: any = { ...o };
  for (const f of fields) delete out[f];
  return out;
}

async function checkStore(ctx: any, storeId?: string) {
  if (storeId) await requireStore(ctx, storeId);
}

/**
 * Analytics under /api/pos/reports: the daily sales report (stored nightly, today live), product
 * performance, stock snapshots, RFM segments with the segment → customer-group action, and the
 * dashboard. Cost and margin figures need `read pos.Margin` on top of `read pos.Report`; without
 * it they are left out of every answer. Days are counted in the POS setting `timeZone` (IANA,
 * default UTC) — the kernel keeps no time zone per tenant.
 */
export const reportsService = defineService({
  name: 'reports',
  actions: {
    daily: defineAction({
      rest: 'GET /daily',
      permission: ['read', REPORT],
      summary: 'Daily sales per store and day: stored rows for closed days, live figures for today',
      params: Type.Object({ from: Type.Optional(Day), to: Type.Optional(Day), storeId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        await checkStore(ctx, ctx.params.storeId);
        const clock = await reportClock(ctx);
        const { from, to } = dayRange(ctx.params, clock, { defaultDays: 7, maxDays: 366 });
        const rows = await readDaily(ctx, clock, from, to, ctx.params.storeId);
        const byDay = new Map<string, DailyRow[]>();
        for (const r of rows) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
        const show = canSeeMargin(ctx);
        return {
          from, to, today: clock.today, timeZone: clock.timeZone, currency: (await posSettings(ctx)).currency, storeId: ctx.params.storeId ?? null,
          items: rows.map((r) => redactFigures(show, r)),
          days: [...byDay].map(([day, rs]) => redactFigures(show, { day, live: rs.some((r) => r.live), ...sumFigures(rs) })),
          totals: redactFigures(show, sumFigures(rows)),
        };
      },
    }),

    rebuildDaily: defineAction({
      rest: 'POST /daily/rebuild',
      permission: ['run', REPORT],
      status: 202,
      idempotent: true,
      summary: 'Recompute the stored daily rows and stock snapshots of closed days, as a chain of jobs; poll GET /runs/:id',
      params: Type.Object({ from: Day, to: Day, storeId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        await checkStore(ctx, ctx.params.storeId);
        const clock = await reportClock(ctx);
        const { from, to } = dayRange(ctx.params, clock, { defaultDays: 1, maxDays: 3660 });
        const r = await startRebuild(ctx, clock, { from, to, storeId: ctx.params.storeId });
        ctx.audit.target(r.run.id);
        return { ...r.run, started: r.started };
      },
    }),

    run: defineAction({
      rest: 'GET /runs/:id',
      permission: ['read', REPORT],
      summary: 'Progress of a rebuild',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const r = await loadRun(ctx, ctx.params.id);
        if (!r) throw new NotFoundError('Report run not found', { subject: 'pos.ReportRun' });
        return runView(r);
      },
    }),

    breakdown: defineAction({
      rest: 'GET /breakdown',
      permission: ['read', REPORT],
      summary: 'Sales by employee, by category or by payment type over a period: receipts, sales, refunds and net per row, with totals; format=xlsx: the same as an Excel sheet',
      params: Type.Object({
        by: Type.Union([Type.Literal('employee'), Type.Literal('category'), Type.Literal('payment')]),
        from: Type.Optional(Day),
        to: Type.Optional(Day),
        storeId: Type.Optional(Id),
        format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('xlsx')])),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await checkStore(ctx, p.storeId);
        const clock = await reportClock(ctx);
        const { from, to } = dayRange(p, clock, { defaultDays: 7, maxDays: 366 });
        const b = await salesBreakdown(ctx, clock.timeZone, { from, to, storeId: p.storeId, by: p.by as BreakdownBy });
        const currency = (await posSettings(ctx)).currency;
        if (p.format === 'xlsx') {
          const file = await breakdownXlsx(b, { locale: ctx.locale, currency, digits: currencyDigits(currency), from, to });
          return { $binary: file.toString('base64'), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', filename: `sales-by-${p.by}-${from}-${to}.xlsx` };
        }
        return { from, to, timeZone: clock.timeZone, currency, storeId: p.storeId ?? null, by: b.by, items: b.items.map((r) => ({ ...r, label: rowLabel(b.by, r, ctx.locale) })), totals: b.totals };
      },
    }),

    products: defineAction({
      rest: 'GET /products',
      permission: ['read', REPORT],
      summary: 'Product performance: top sellers, slow movers (stock with few or no sales), margin; days of stock left',
      params: Type.Object({
        from: Type.Optional(Day),
        to: Type.Optional(Day),
        storeId: Type.Optional(Id),
        categoryId: Type.Optional(Id),
        sort: Type.Optional(Type.Union([Type.Literal('top'), Type.Literal('slow'), Type.Literal('margin')], { default: 'top' })),
        limit: Limit(200, 20),
        offset: Offset,
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await checkStore(ctx, p.storeId);
        const show = canSeeMargin(ctx);
        const sort = (p.sort ?? 'top') as ProductSort;
        if (sort === 'margin' && !show) throw new ForbiddenError('Sorting by margin needs the permission to see margins (read pos.Margin)', 'MARGIN_FORBIDDEN');
        const clock = await reportClock(ctx);
        const { from, to } = dayRange(p, clock, { defaultDays: 30, maxDays: 366 });
        const r = await productPerformance(ctx, clock.timeZone, { from, to, storeId: p.storeId, categoryId: p.categoryId, sort, limit: p.limit ?? 20, offset: p.offset ?? 0 });
        return {
          from, to, days: r.days, sort, storeId: p.storeId ?? null,
          items: r.items.map((i) => strip(show, i, ['cost', 'margin', 'marginPct'])),
          total: r.total, limit: p.limit ?? 20, offset: p.offset ?? 0,
        };
      },
    }),

    stock: defineAction({
      rest: 'GET /stock',
      permission: ['read', REPORT],
      summary: 'Stock at the end of a day (stored snapshot; computed from the ledger when none is stored; today = so far)',
      params: Type.Object({ day: Type.Optional(Day), storeId: Type.Optional(Id), q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), limit: Limit(500, 50), offset: Offset }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await checkStore(ctx, p.storeId);
        const clock = await reportClock(ctx);
        const day = p.day ?? addDays(clock.today, -1);
        if (day > clock.today) throw new ValidationError('day is in the future', [{ field: 'day', code: 'notAfter', params: { limit: clock.today }, message: `must be ${clock.today} or earlier` }]);
        const r = await readStock(ctx, clock.timeZone, day, { storeId: p.storeId, q: p.q, limit: p.limit ?? 50, offset: p.offset ?? 0 });
        const show = canSeeMargin(ctx);
        return {
          day, timeZone: clock.timeZone, storeId: p.storeId ?? null, live: r.live, computedAt: r.computedAt,
          items: r.items.map((i) => strip(show, i, ['unitCost', 'value'])),
          total: r.total, limit: p.limit ?? 50, offset: p.offset ?? 0,
          totals: strip(show, r.totals, ['value']),
        };
      },
    }),

    stockHistory: defineAction({
      rest: 'GET /stock/history',
      permission: ['read', REPORT],
      summary: 'One product’s on hand on every snapshotted day of the range',
      params: Type.Object({ productId: Id, storeId: Type.Optional(Id), from: Type.Optional(Day), to: Type.Optional(Day) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        await checkStore(ctx, p.storeId);
        const [product] = await ctx.em.execute('select id, sku, name, unit from pos.product where id = ?', [p.productId]);
        if (!product) throw new NotFoundError('Product not found (productId)', { subject: 'pos.Product', field: 'productId' });
        const clock = await reportClock(ctx);
        const { from, to } = dayRange(p, clock, { defaultDays: 90, maxDays: 366 });
        const points = await stockHistory(ctx, clock.timeZone, p.productId, from, to, p.storeId);
        const show = canSeeMargin(ctx);
        return { product: { id: product.id, sku: product.sku, name: product.name, unit: product.unit }, from, to, storeId: p.storeId ?? null, items: points.map((x) => strip(show, x, ['unitCost', 'value'])), total: points.length };
      },
    }),

    rfm: defineAction({
      rest: 'GET /rfm',
      permission: ['read', REPORT],
      summary: 'RFM: customers and money per segment (all 11 listed), and the customers-at-risk total',
      async handler(ctx) {
        return rfmSummary(ctx);
      },
    }),

    rfmCustomers: defineAction({
      rest: 'GET /rfm/customers',
      permission: ['read', REPORT],
      summary: 'Customers with their RFM scores, biggest spenders first; filter by segment',
      params: Type.Object({ segment: Type.Optional(SegmentParam), limit: Limit(200, 50), offset: Offset }, { additionalProperties: false }),
      async handler(ctx) {
        return rfmCustomers(ctx, { segments: ctx.params.segment ? [ctx.params.segment as Segment] : undefined, limit: ctx.params.limit ?? 50, offset: ctx.params.offset ?? 0 });
      },
    }),

    rfmAtRisk: defineAction({
      rest: 'GET /rfm/at-risk',
      permission: ['read', REPORT],
      summary: 'Customers at risk: the At Risk and Can’t Lose Them segments, biggest spenders first',
      params: Type.Object({ limit: Limit(200, 50), offset: Offset }, { additionalProperties: false }),
      async handler(ctx) {
        return rfmCustomers(ctx, { segments: AT_RISK_SEGMENTS, limit: ctx.params.limit ?? 50, offset: ctx.params.offset ?? 0 });
      },
    }),

    recomputeRfm: defineAction({
      rest: 'POST /rfm/recompute',
      permission: ['run', REPORT],
      summary: 'Recompute RFM scores and segments now (the nightly job does it too)',
      params: Type.Object({ windowDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3660, default: DEFAULT_WINDOW_DAYS })) }, { additionalProperties: false }),
      async handler(ctx) {
        const clock = await reportClock(ctx);
        return recomputeRfm(ctx, clock, ctx.params.windowDays ?? DEFAULT_WINDOW_DAYS);
      },
    }),

    segmentToGroup: defineAction({
      rest: 'POST /rfm/segments/:segment/to-group',
      permission: ['update', 'pos.CustomerGroup'],
      idempotent: true,
      summary: 'Put every customer of an RFM segment into a customer group (by id, or by name — created if missing)',
      params: Type.Object({
        segment: SegmentParam,
        groupId: Type.Optional(Id),
        groupName: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        return segmentToGroup(ctx, ctx.params.segment as Segment, { groupId: ctx.params.groupId, groupName: ctx.params.groupName });
      },
    }),

    dashboard: defineAction({
      rest: 'GET /dashboard',
      permission: ['read', REPORT],
      summary: 'Today vs the same weekday last week, open shifts, low-stock count, top 5 products today',
      params: Type.Object({ storeId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        await checkStore(ctx, ctx.params.storeId);
        return dashboard(ctx, await reportClock(ctx), ctx.params.storeId);
      },
    }),
  },
});
