import type { RequestContext } from '@atrium/sdk';
import { reminderTimes } from './booking-flow.ts';

/** What every booking read selects (alias b; s staff, v service, c client). */
export const BOOKING_SELECT = `b.id, b.chain_id, b.position, b.client_id, b.staff_id, b.master_user_id, b.service_id, b.starts_at, b.ends_at,
  lower(b.blocked) as blocked_from, upper(b.blocked) as blocked_to, b.status, b.hold_expires_at, b.price, b.currency, b.notes, b.source, b.version, b.created_at,
  s.name as staff_name, v.name as service_name, c.name as client_name, c.phone as client_phone`;
export const BOOKING_FROM = `salon.booking b
  join salon.staff s on s.tenant_id = b.tenant_id and s.id = b.staff_id
  join salon.service v on v.tenant_id = b.tenant_id and v.id = b.service_id
  left join salon.client c on c.tenant_id = b.tenant_id and c.id = b.client_id`;

export type BookingRow = {
  id: string; chain_id: string; position: number; client_id: string | null; staff_id: string; master_user_id: string | null; service_id: string;
  starts_at: Date; ends_at: Date; blocked_from: Date; blocked_to: Date; status: string; hold_expires_at: Date | null; price: string; currency: string;
  notes: string | null; source: string; version: number; created_at: Date; staff_name: string; service_name: string; client_name: string | null; client_phone: string | null;
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** A booking as the API shows it; the client's contact comes only with a booking the caller may read. */
export function bookingView(r: BookingRow) {
  return {
    id: r.id, chainId: r.chain_id, position: r.position, status: r.status,
    staff: { id: r.staff_id, name: r.staff_name }, masterUserId: r.master_user_id,
    service: { id: r.service_id, name: r.service_name },
    client: r.client_id ? { id: r.client_id, name: r.client_name, phone: r.client_phone } : null,
    startsAt: iso(r.starts_at)!, endsAt: iso(r.ends_at)!, blockedFrom: iso(r.blocked_from)!, blockedTo: iso(r.blocked_to)!,
    holdExpiresAt: iso(r.hold_expires_at), price: Number(r.price), currency: r.currency.trim(), notes: r.notes, source: r.source, version: r.version, createdAt: iso(r.created_at)!,
  };
}
export type BookingView = ReturnType<typeof bookingView>;

/**
 * (Re)plans the reminders of bookings that are now booked or confirmed: pending ones are replaced
 * by the offsets still ahead; sent ones stay (a moved booking is not reminded twice at one offset).
 */
export async function planReminders(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, bookings: { id: string; startsAt: string | Date }[], offsetsMin: readonly number[]): Promise<void> {
  const ids = bookings.map((b) => b.id);
  await ctx.sql(`delete from salon.reminder where tenant_id = $1::uuid and booking_id = any($2::uuid[]) and status = 'pending'`, [ctx.tenantId, ids]);
  const now = Date.now();
  const rows = bookings.flatMap((b) => reminderTimes(new Date(b.startsAt).getTime(), offsetsMin, now).map((r) => ({ bookingId: b.id, ...r })));
  if (!rows.length) return;
  await ctx.sql(
    `insert into salon.reminder (tenant_id, id, booking_id, offset_min, due_at)
     select $1::uuid, gen_random_uuid(), b, o, d from unnest($2::uuid[], $3::int[], $4::timestamptz[]) as x(b, o, d)
     on conflict (tenant_id, booking_id, offset_min) do nothing`,
    [ctx.tenantId, rows.map((r) => r.bookingId), rows.map((r) => r.offsetMin), rows.map((r) => new Date(r.dueAt))],
  );
}

/** Pending reminders of bookings that will not happen are dropped (kept as skipped, for the record). */
export async function skipReminders(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, bookingIds: string[], note: string): Promise<void> {
  await ctx.sql(`update salon.reminder set status = 'skipped', note = $3::text where tenant_id = $1::uuid and booking_id = any($2::uuid[]) and status = 'pending'`, [ctx.tenantId, bookingIds, note]);
}
