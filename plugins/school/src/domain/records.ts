import { ConflictError, NotFoundError, numbered, sqlSet, UnprocessableError, type RequestContext, type SqlClause } from '@atrium/sdk';

/**
 * The update every editable record shares: the fields a PATCH sent (`sqlSet()`), guarded by the
 * version the client read (optimistic locking: 409 STALE when someone saved in between), and by
 * the caller's row rules when the subject has conditions. Answers the row as `returning` lists it.
 */
export async function patchRecord<T = Record<string, unknown>>(
  ctx: Pick<RequestContext, 'sql' | 'tenantId'>,
  opts: { table: string; subject: string; id: string; version?: number; set: SqlClause; returning: string; rule?: { sql: string; params: unknown[] }; touch?: boolean },
): Promise<T> {
  const set = sqlSet().merge(opts.set).always('version = version + 1');
  if (opts.touch !== false) set.always('updated_at = now()');
  const rule = opts.rule ?? { sql: 'true', params: [] };
  const rows = await ctx.sql<T>(...numbered(
    `update ${opts.table} set ${set.text()} where tenant_id = ? and id = ? and (?::int is null or version = ?::int) and ${rule.sql} returning ${opts.returning}`,
    [...set.params, ctx.tenantId, opts.id, opts.version ?? null, opts.version ?? null, ...rule.params],
  ));
  if (rows.length) return rows[0]!;
  const [found] = await ctx.sql<{ version: number }>(...numbered(`select version from ${opts.table} where tenant_id = ? and id = ? and ${rule.sql}`, [ctx.tenantId, opts.id, ...rule.params]));
  if (!found) throw new NotFoundError('Not found', { subject: opts.subject, id: opts.id });
  throw new ConflictError('The record was changed by someone else; reload and try again', 'STALE', { currentVersion: found.version });
}

/**
 * A reference in the input (a room, a teacher, a subject…) must be a live row of this tenant:
 * otherwise 422 naming the field. `extra` narrows it (`not archived`).
 */
export async function requireRef(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, table: string, subject: string, id: string, field: string, extra = 'true'): Promise<void> {
  const [r] = await ctx.sql(`select 1 from ${table} where tenant_id = $1::uuid and id = $2::uuid and ${extra}`, [ctx.tenantId, id]);
  if (!r) throw new UnprocessableError(`No such ${subject} (${field})`, 'UNKNOWN_REFERENCE', { field, subject, id });
}
