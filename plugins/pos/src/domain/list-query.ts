import { sortColumn, Type } from '@atrium/sdk';

/** limit/offset every list shares (query strings are coerced to integers by the gateway). */
export const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
};

/** `%text%` for ILIKE with the user's own %, _ and \ taken literally. */
export const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/**
 * `sort=field` / `sort=-field` → an ORDER BY over whitelisted SQL expressions; user text is never
 * interpolated. A tie-breaker keeps pages stable.
 */
export function orderBy(sort: string | undefined, columns: Record<string, string>, fallback: string, tieBreaker: string): string {
  if (!sort) return `${fallback}, ${tieBreaker}`;
  const { column, desc } = sortColumn(sort, columns);
  return `${column} ${desc ? 'desc nulls last' : 'asc nulls last'}, ${tieBreaker}`;
}

export const Sort = Type.Optional(Type.String({ maxLength: 40, pattern: '^-?[a-zA-Z]+$' }));

/** Postgres bigint/numeric arrive as strings; money and counts are safe integers in JS. */
export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
