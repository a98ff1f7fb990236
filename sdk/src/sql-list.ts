import { Type } from 'typebox';
import { sortColumn } from './list-sort.ts';
import type { RequestContext } from './plugin.ts';

/**
 * Hand-written SQL lists and partial updates, the one way: a clause builder that skips absent
 * filters (`sqlWhere`, `sqlSet`), `listPage` for the `{ items, total }` every list route returns,
 * `orderBy` over whitelisted columns, and `likePattern` for user text in LIKE/ILIKE.
 *
 * Fragments use `?` placeholders (as `ctx.em.execute` does); `listPage` numbers them `$1…` and
 * runs the query through `ctx.sql` (a prepared statement). A `?` is always a placeholder, so write
 * jsonb's key operators as functions (`jsonb_exists(col, ?)`), never `col ? 'key'`.
 *
 * ```ts
 * const where = sqlWhere().add('s.shift_id = ?', p.shiftId).add('s.sold_at >= ?', p.from);  // undefined → skipped
 * return listPage(ctx, { select: 's.id, s.number, s.total', from: 'pos.sale s', where, orderBy: 's.sold_at desc, s.id', limit, offset }, saleRow);
 *
 * const set = sqlSet().add('name = ?', p.name).add('discount_bp = ?', p.discountBp).always('updated_at = now()');
 * await ctx.sql(...numbered(`update pos.customer_group set ${set.text()} where id = ? returning id`, [...set.params, p.id]));
 * ```
 */
export class SqlClause {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  private readonly joiner: string;

  constructor(joiner: string) {
    this.joiner = joiner;
  }

  /** Adds `fragment` with its values — unless one of them is `undefined` (a filter not given). */
  add(fragment: string, ...values: unknown[]): this {
    if (values.some((v) => v === undefined)) return this;
    return this.always(fragment, ...values);
  }

  /** Adds `fragment` whatever its values are (`null` binds as NULL). */
  always(fragment: string, ...values: unknown[]): this {
    const holes = countPlaceholders(fragment);
    if (holes !== values.length) throw new Error(`SqlClause: "${fragment}" has ${holes} placeholder(s) but got ${values.length} value(s)`);
    this.parts.push(fragment);
    this.params.push(...values);
    return this;
  }

  /** Adds every part of another clause (e.g. the caller's row rules) to this one. */
  merge(other: SqlClause): this {
    this.parts.push(...other.parts);
    this.params.push(...other.params);
    return this;
  }

  get empty(): boolean {
    return this.parts.length === 0;
  }

  /** The parts joined (`a and b`, or `x = ?, y = ?` for a SET); '' when empty. */
  text(): string {
    return this.parts.map((p) => (this.joiner === ' and ' && this.parts.length > 1 ? `(${p})` : p)).join(this.joiner);
  }

  /** `where …` or '' — for conditions. */
  where(): string {
    return this.empty ? '' : `where ${this.text()}`;
  }
}

/** Conditions joined with AND; `initial` parts are always added. */
export function sqlWhere(...initial: string[]): SqlClause {
  const c = new SqlClause(' and ');
  for (const p of initial) c.always(p);
  return c;
}

/** Assignments of an UPDATE's SET, joined with commas; fields not given (`undefined`) are left out. */
export function sqlSet(): SqlClause {
  return new SqlClause(', ');
}

function countPlaceholders(sql: string): number {
  let n = 0;
  for (const ch of sql) if (ch === '?') n++;
  return n;
}

/** `?` placeholders → `$1, $2 …` for `ctx.sql`; returns the arguments `ctx.sql` takes. */
export function numbered(sql: string, params: readonly unknown[]): [string, unknown[]] {
  let i = 0;
  const text = sql.replace(/\?/g, () => `$${++i}`);
  if (i !== params.length) throw new Error(`numbered(): ${i} placeholder(s) for ${params.length} value(s)`);
  return [text, [...params]];
}

/** One page of a list and how many rows match in all: what every list route answers. */
export type ListPage<T> = { items: T[]; total: number };

export type ListQuery = {
  /** A WITH clause body put before the select (`t as (…)`, or `recursive t as (…)`); no placeholders. */
  with?: string;
  /** Column list (name the columns: no `select *`). May hold `?` placeholders, bound from `params`. */
  select: string;
  /** Table(s) and joins, without the WHERE. May hold `?` placeholders, bound from `params` after the select's. */
  from: string;
  /** Values for the placeholders of `select` and `from`, in order. */
  params?: readonly unknown[];
  where?: SqlClause;
  /** GROUP BY body, for a list of groups (the total then counts groups). */
  groupBy?: string;
  /** ORDER BY body; end it with a unique tie-breaker so pages are stable (`orderBy()` does). */
  orderBy: string;
  limit: number;
  offset: number;
};

/**
 * Runs a list query and answers `{ items, total }`. The total comes with the page
 * (`count(*) over ()`), so a page costs one statement; only a page past the end (no rows at an
 * offset) asks for the count separately.
 */
export async function listPage<R = any, T = R>(ctx: Pick<RequestContext, 'sql'>, q: ListQuery, map: (row: R) => T = (r) => r as unknown as T): Promise<ListPage<T>> {
  const where = q.where ?? sqlWhere();
  const base = [...(q.params ?? []), ...where.params];
  const withSql = q.with ? `with ${q.with} ` : '';
  const group = q.groupBy ? ` group by ${q.groupBy}` : '';
  const rows = await ctx.sql<R & { __total: string | number }>(
    ...numbered(`${withSql}select ${q.select}, count(*) over () as __total from ${q.from} ${where.where()}${group} order by ${q.orderBy} limit ? offset ?`, [...base, q.limit, q.offset]),
  );
  let total = rows.length ? Number(rows[0].__total) : 0;
  if (!rows.length && q.offset > 0) {
    const [c] = await ctx.sql<{ n: string }>(...numbered(`${withSql}select count(*) as n from (select 1 from ${q.from} ${where.where()}${group}) x`, base));
    total = Number(c.n);
  }
  return { items: rows.map(({ __total: _t, ...row }) => map(row as R)), total };
}

/** `limit`/`offset` every list takes (query strings are coerced to integers by the gateway). */
export const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
};

/** `sort=field` or `sort=-field` (descending); checked against the route's columns by `orderBy`. */
export const Sort = Type.Optional(Type.String({ maxLength: 40, pattern: '^-?[a-zA-Z]+$' }));

/**
 * `sort` → an ORDER BY body over whitelisted SQL expressions, nulls last, then `tieBreaker` so
 * pages are stable. User text is never interpolated: an unknown field is a 400 naming `sort`.
 */
export function orderBy(sort: string | undefined, columns: Record<string, string>, fallback: string, tieBreaker: string): string {
  if (!sort) return `${fallback}, ${tieBreaker}`;
  const { column, desc } = sortColumn(sort, columns);
  return `${column} ${desc ? 'desc nulls last' : 'asc nulls last'}, ${tieBreaker}`;
}

/** User text for LIKE/ILIKE with its own `%`, `_` and `\` taken literally: `contains` → `%text%`, `prefix` → `text%`. */
export function likePattern(q: string, mode: 'contains' | 'prefix' = 'contains'): string {
  const escaped = q.replace(/[\\%_]/g, (m) => `\\${m}`);
  return mode === 'prefix' ? `${escaped}%` : `%${escaped}%`;
}
