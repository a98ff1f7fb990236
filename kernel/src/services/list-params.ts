import { Type } from 'typebox';
import { sortColumn } from '@atrium/sdk';

/** The list conventions every route shares: limit/offset, q, sort=field or -field. */
export const ListParams = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  q: Type.Optional(Type.String({ maxLength: 200 })),
  sort: Type.Optional(Type.String({ maxLength: 60, pattern: '^-?[a-zA-Z_]+$' })),
};

/** Maps `sort` to an SQL order-by over whitelisted columns (never interpolates user text). */
export function orderBy(sort: string | undefined, columns: Record<string, string>, fallback: string): string {
  if (!sort) return fallback;
  const { column, desc } = sortColumn(sort, columns);
  return `${column} ${desc ? 'desc' : 'asc'}`;
}

export const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;

/**
 * MikroORM's `em.execute` expands array params into `?, ?` lists (knex style), so arrays are sent
 * as a Postgres array literal and cast: `... = any(?::text[])`.
 */
export const pgTextArray = (values: string[]) => `{${values.map((v) => `"${v.replace(/["\\]/g, (m) => `\\${m}`)}"`).join(',')}}`;
