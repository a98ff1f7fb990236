import { ConflictError, Type, ValidationError, type RequestContext, type SqlClause } from '@atrium/sdk';

export const Id = Type.String({ format: 'uuid' });
export const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a calendar day, YYYY-MM-DD' });
export const Minutes = Type.Integer({ minimum: 0, maximum: 1440, description: 'minutes after local midnight' });
export const Version = Type.Integer({ minimum: 1 });

/** A name with its spaces trimmed; blank is a 400 naming the field. */
export function cleanName(name: string, field = 'name'): string {
  const t = name.trim();
  if (!t) throw new ValidationError(`Invalid input: ${field} is blank`, [{ field, code: 'blank', message: 'must not be blank' }]);
  return t;
}

/** A phone number as stored: digits only (+7 701 123-45-67 → 77011234567); null for none. */
export function cleanPhone(phone: string | null | undefined, field = 'phone'): string | null {
  if (phone === undefined || phone === null || !phone.trim()) return null;
  const digits = phone.replace(/[\s()+-]/g, '');
  if (!/^\d{7,15}$/.test(digits)) throw new ValidationError('Invalid input: phone', [{ field, code: 'phone', message: 'must be a phone number of 7 to 15 digits' }]);
  return digits;
}

/** A calendar day that exists (2030-02-30 does not): else a 400 naming the field. */
export function checkDay(day: string, field: string): string {
  const [y, m, d] = day.split('-').map(Number);
  const real = new Date(Date.UTC(y!, m! - 1, d!));
  if (Number.isNaN(real.getTime()) || real.toISOString().slice(0, 10) !== day || y! < 1900 || y! > 2999) {
    throw new ValidationError(`Invalid input: ${field}`, [{ field, code: 'calendarDay', message: 'is not a calendar day (YYYY-MM-DD, years 1900–2999)' }]);
  }
  return day;
}

/** An instant in epoch ms, within years 1900–2999 (what the database and a calendar take). */
export function checkInstant(value: string, field: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t) || t < Date.UTC(1900, 0, 1) || t >= Date.UTC(3000, 0, 1)) {
    throw new ValidationError(`Invalid input: ${field}`, [{ field, code: 'dateTimeRange', message: 'must be a date-time between the years 1900 and 2999' }]);
  }
  return t;
}

/** Whether a database error is the exclusion constraint that keeps bookings apart. */
export const isOverlap = (e: unknown) => (e as { code?: string })?.code === '23P01' || (e as any)?.cause?.code === '23P01';
/** The constraint a database error names (pg puts it on the error, the ORM on its cause). */
export const constraintOf = (e: unknown): string | null => (e as any)?.constraint ?? (e as any)?.cause?.constraint ?? null;
export const isDuplicate = (e: unknown) => (e as { code?: string })?.code === '23505' || (e as any)?.cause?.code === '23505';

/** A stale `version` from the client: someone else changed the record since it was read. */
export function checkVersion(what: string, given: number | undefined, current: number): void {
  if (given !== undefined && given !== current) throw new ConflictError(`The ${what} was changed by someone else; reload and retry`, 'STALE', { currentVersion: current });
}

/**
 * A PATCH of an editable record: the SET of the fields sent (nothing sent: unchanged), the version
 * bump, a unique key hit as the caller's 409, the audit diff; answers the record as it is now.
 */
export async function patchRecord<V>(ctx: RequestContext, o: {
  table: string; id: string; set: SqlClause; before: V; reload: () => Promise<V>; onDuplicate: () => Error; then?: () => Promise<void>;
}): Promise<V> {
  if (o.set.empty) return o.before;
  try {
    await ctx.em.execute(`update ${o.table} set ${o.set.always('updated_at = now()').always('version = version + 1').text()} where tenant_id = ? and id = ?`, [...o.set.params, ctx.tenantId, o.id]);
    await o.then?.();
  } catch (e) {
    if (isDuplicate(e)) throw o.onDuplicate();
    throw e;
  }
  const after = await o.reload();
  ctx.audit.diff(o.before, after);
  return after;
}
