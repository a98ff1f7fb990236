import type { RequestContext } from '@atrium/sdk';
import ExcelJS from 'exceljs';
import type { TenantMember } from '../members.ts';
import { receiptLabels } from '../receipt.ts';
import { addDays, DAY_START } from './report-clock.ts';

/**
 * Sales over a period broken down by employee, by category or by payment type — the three reports a
 * Loyverse owner opens first — with the numbers (receipts, sales, refunds, net) rather than bars.
 * Live from the stored sales and returns, days on the shop's clock. Pure SQL per dimension:
 *
 * - `employee`: who served (the till's PIN operator, else who was signed in); refunds count for
 *   whoever took them back;
 * - `category`: sale lines by their product's category (none: `key` null), refunds by the lines returned;
 * - `payment`: tenders by method, refunds by the tender they went back to.
 *
 * A row's `receipts` counts the receipts it appears on; the total counts each receipt once.
 */
export type BreakdownBy = 'employee' | 'category' | 'payment';
export type BreakdownRow = { key: string | null; name: string | null; receipts: number; sales: number; refunds: number; net: number };
export type Breakdown = { by: BreakdownBy; items: BreakdownRow[]; totals: Omit<BreakdownRow, 'key' | 'name'> };

const n = (v: unknown) => Number(v ?? 0);

/** Per dimension: the sales side and the refunds side, each `key, receipts, amount` over the period. */
function queries(by: BreakdownBy, store: (col: string) => string): { sales: string; refunds: string; receipts: string } {
  const period = (col: string) => `${col} >= ${DAY_START} and ${col} < ${DAY_START}`;
  const sold = `s.status = 'completed' and ${period('s.sold_at')} ${store('s.store_id')}`;
  // a receipt paid by cash and card, or of two categories, is one receipt in the total
  const receipts = `select count(*)::int as n from pos.sale s where ${sold}`;
  const returned = `${period('r.created_at')} ${store('s.store_id')}`;
  const returns = 'pos.sale_return r join pos.sale s on s.tenant_id = r.tenant_id and s.id = r.sale_id';
  if (by === 'employee') {
    return {
      receipts,
      sales: `select coalesce(s.operator_id, s.sold_by)::text as key, count(*)::int as receipts, sum(s.total)::bigint as amount from pos.sale s where ${sold} group by 1`,
      refunds: `select r.created_by::text as key, count(*)::int as receipts, sum(r.amount)::bigint as amount from ${returns} where ${returned} group by 1`,
    };
  }
  if (by === 'category') {
    return {
      receipts,
      sales: `select p.category_id::text as key, count(distinct s.id)::int as receipts, sum(l.total)::bigint as amount
              from pos.sale s join pos.sale_line l on l.tenant_id = s.tenant_id and l.sale_id = s.id
              left join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id
              where ${sold} group by 1`,
      refunds: `select p.category_id::text as key, count(distinct r.id)::int as receipts, sum(j.amount)::bigint as amount
                from ${returns} cross join lateral jsonb_to_recordset(r.lines) as j("lineNo" int, amount bigint)
                join pos.sale_line l on l.tenant_id = r.tenant_id and l.sale_id = r.sale_id and l.line_no = j."lineNo"
                left join pos.product p on p.tenant_id = l.tenant_id and p.id = l.product_id
                where ${returned} group by 1`,
    };
  }
  return {
    receipts,
    sales: `select pay.method as key, count(distinct s.id)::int as receipts, sum(pay.amount)::bigint as amount
            from pos.sale s join pos.sale_payment pay on pay.tenant_id = s.tenant_id and pay.sale_id = s.id
            where ${sold} group by 1`,
    refunds: `select f.method as key, count(distinct r.id)::int as receipts, sum(f.amount)::bigint as amount
              from ${returns} cross join lateral jsonb_to_recordset(r.refunds) as f(method text, amount bigint)
              where ${returned} group by 1`,
  };
}

/** Names for the keys: category names, or the team's display names (PIN names, then members, when the reader may see them). */
async function namesOf(ctx: RequestContext, by: BreakdownBy, keys: string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!keys.length || by === 'payment') return names;
  if (by === 'category') {
      for (const r of await ctx.sql<{ id: string; name: string }>('select id::text as id, name from pos.category where id = any($1::uuid[])', [keys])) names.set(r.id, r.name);
    return names;
  }
  const people = keys.filter((k) => /^[0-9a-f-]{36}$/i.test(k));
  for (const r of await ctx.sql<{ id: string; name: string }>('select user_id::text as id, name from pos.staff where user_id = any($1::uuid[])', [people])) names.set(r.id, r.name);
  if (keys.every((k) => names.has(k))) return names;
  // members' names need `read kernel.Member`; without it the report still shows PIN names and ids
  const members = await ctx.call<{ items: TenantMember[] }>('tenants.listMembers', { limit: 200, offset: 0 }).catch(() => ({ items: [] as TenantMember[] }));
  for (const m of members.items) if (!names.has(m.userId)) names.set(m.userId, m.displayName || m.email);
  return names;
}

export async function salesBreakdown(ctx: RequestContext, tz: string, p: { from: string; to: string; storeId?: string; by: BreakdownBy }): Promise<Breakdown> {
  const store = (col: string) => (p.storeId ? `and ${col} = ?` : '');
  const args = [p.from, tz, addDays(p.to, 1), tz, ...(p.storeId ? [p.storeId] : [])];
  const q = queries(p.by, store);
  const [sales, refunds] = [await ctx.em.execute(q.sales, args), await ctx.em.execute(q.refunds, args)];
  const rows = new Map<string | null, BreakdownRow>();
  const row = (key: string | null) => {
    let r = rows.get(key);
    if (!r) rows.set(key, (r = { key, name: null, receipts: 0, sales: 0, refunds: 0, net: 0 }));
    return r;
  };
  for (const s of sales) Object.assign(row(s.key), { receipts: n(s.receipts), sales: n(s.amount) });
  for (const f of refunds) row(f.key).refunds = n(f.amount);
  const names = await namesOf(ctx, p.by, [...rows.keys()].filter((k): k is string => !!k));
  const items = [...rows.values()]
    .map((r) => ({ ...r, name: r.key ? (names.get(r.key) ?? null) : null, net: r.sales - r.refunds }))
    .sort((a, b) => b.net - a.net || String(a.key).localeCompare(String(b.key)));
  const [{ n: receipts }] = await ctx.em.execute(q.receipts, args);
  const totals = items.reduce((t, r) => ({ ...t, sales: t.sales + r.sales, refunds: t.refunds + r.refunds, net: t.net + r.net }), { receipts: Number(receipts), sales: 0, refunds: 0, net: 0 });
  return { by: p.by, items, totals };
}

/** Column titles of the exported sheet (the reader's language, like the receipts' labels). */
const SHEET: Record<string, Record<string, string>> = {
  en: { employee: 'Employee', category: 'Category', payment: 'Payment type', none: '(none)', receipts: 'Receipts', sales: 'Sales', refunds: 'Refunds', net: 'Net', total: 'Total', period: 'Period' },
  ru: { employee: 'Сотрудник', category: 'Категория', payment: 'Тип оплаты', none: '(без категории)', receipts: 'Чеков', sales: 'Продажи', refunds: 'Возвраты', net: 'Итого', total: 'Всего', period: 'Период' },
  uk: { employee: 'Працівник', category: 'Категорія', payment: 'Тип оплати', none: '(без категорії)', receipts: 'Чеків', sales: 'Продажі', refunds: 'Повернення', net: 'Разом', total: 'Усього', period: 'Період' },
  kk: { employee: 'Қызметкер', category: 'Санат', payment: 'Төлем түрі', none: '(санатсыз)', receipts: 'Чектер', sales: 'Сатылым', refunds: 'Қайтарулар', net: 'Барлығы', total: 'Жиыны', period: 'Кезең' },
};

/** What a row is called in the reader's language: a tender's receipt name, the person or category, or «none». */
export function rowLabel(by: BreakdownBy, r: Pick<BreakdownRow, 'key' | 'name'>, locale: string): string {
  const words = SHEET[locale] ?? SHEET.en;
  if (by === 'payment') return (receiptLabels(locale) as Record<string, string>)[r.key ?? ''] ?? r.key ?? words.none;
  return r.name ?? r.key ?? words.none;
}

/** The breakdown as an .xlsx sheet: money as numbers in major units with the currency's digits, a total row. */
export async function breakdownXlsx(b: Breakdown, o: { locale: string; currency: string; digits: number; from: string; to: string }): Promise<Buffer> {
  const words = SHEET[o.locale] ?? SHEET.en;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Atrium POS';
  const ws = wb.addWorksheet(words[b.by], { views: [{ state: 'frozen', ySplit: 2 }] });
  const money = o.digits ? `#,##0.${'0'.repeat(o.digits)}` : '#,##0';
  ws.addRow([`${words.period}: ${o.from} — ${o.to}`, '', '', '', o.currency]);
  ws.addRow([words[b.by], words.receipts, words.sales, words.refunds, words.net]).font = { bold: true };
  const major = (v: number) => v / 10 ** o.digits;
  for (const r of b.items) ws.addRow([rowLabel(b.by, r, o.locale), r.receipts, major(r.sales), major(r.refunds), major(r.net)]);
  ws.addRow([words.total, b.totals.receipts, major(b.totals.sales), major(b.totals.refunds), major(b.totals.net)]).font = { bold: true };
  ws.columns.forEach((c, i) => { c.width = i === 0 ? 36 : 16; if (i >= 2) c.numFmt = money; });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
