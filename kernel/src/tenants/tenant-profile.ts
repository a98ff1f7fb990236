import { Type } from 'typebox';
import type { TenantProfile } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';

const PROFILE_SQL = 'select id, name, locale, currency, time_zone as "timeZone" from kernel.tenant where id = ?';

/** An IANA name (`Asia/Almaty`) in params; `isKnownTimeZone` checks it against the runtime's zone database. */
export const TimeZone = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z_]+(/[A-Za-z0-9_+-]+){0,2}$' });

/** An IANA time zone name this runtime knows (`Asia/Almaty`, `UTC`); what signup and the tenant settings accept. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+){0,2}$/.test(zone);
  } catch {
    return false;
  }
}

/** The settings cache key of the tenant's profile: beside the plugins' settings, invalidated the same way. */
export const TENANT_PROFILE_KEY = '$tenant';

/**
 * `ctx.tenant()`: the tenant's name, locale, currency and time zone, read in the request's
 * transaction (or a short read-only one under the tenant's RLS setting) and cached per tenant
 * like plugin settings — a sale's receipt reads it, the tenant changes it once a year.
 */
export async function loadTenantProfile(deps: KernelDeps, em: any, tenantId: string): Promise<TenantProfile> {
  const usable = (() => { try { return typeof em?.execute === 'function'; } catch { return false; } })();
  const rows = usable
    ? await em.execute(PROFILE_SQL, [tenantId])
    : await deps.db.transaction({ tenantId }, (own) => own.execute(PROFILE_SQL, [tenantId]), { readOnly: true });
  const t = rows[0];
  return { id: tenantId, name: t?.name ?? '', locale: t?.locale ?? 'en', currency: t?.currency ?? 'USD', timeZone: t?.timeZone ?? 'UTC' };
}
