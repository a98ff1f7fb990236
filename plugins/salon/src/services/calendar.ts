import type { RequestContext } from '@atrium/sdk';
import { LIVE_STATUSES } from '../domain/booking-flow.ts';
import { mergeIntervals, workingIntervals, type Interval, type ResourceNeed, type ScheduleException, type StaffCalendar, type WeeklyHours } from '../domain/slots.ts';
import { addDays, localDay } from '../domain/zoned-time.ts';

/**
 * Reads what the pure slot finder needs: each master's weekly hours and exceptions turned into
 * working intervals in the tenant's zone, and the blocked ranges of their live bookings (an
 * expired hold no longer counts, even before the job marks it).
 */
export async function loadCalendars(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, staffIds: string[], from: number, to: number, timeZone: string): Promise<Map<string, StaffCalendar>> {
  const out = new Map<string, StaffCalendar>();
  if (!staffIds.length) return out;
  // a day either side: local days in the zone may start before `from` in UTC
  const fromDay = addDays(localDay(timeZone, from), -1);
  const days = Math.ceil((to - from) / 86_400_000) + 3;
  // one after another: the statements share the request's connection
  const hours = await ctx.sql<{ staff_id: string; weekday: number; starts_min: number; ends_min: number }>(
      'select staff_id, weekday, starts_min, ends_min from salon.working_hours where tenant_id = $1::uuid and staff_id = any($2::uuid[])', [ctx.tenantId, staffIds]);
  const exceptions = await ctx.sql<{ staff_id: string; day: string; kind: 'off' | 'extra'; starts_min: number | null; ends_min: number | null }>(
      `select staff_id, to_char(day, 'YYYY-MM-DD') as day, kind, starts_min, ends_min from salon.schedule_exception
        where tenant_id = $1::uuid and staff_id = any($2::uuid[]) and day between $3::date and $4::date`, [ctx.tenantId, staffIds, fromDay, addDays(fromDay, days)]);
  const busy = await ctx.sql<{ staff_id: string; lo: Date; hi: Date }>(
      `select staff_id, lower(blocked) as lo, upper(blocked) as hi from salon.booking
        where tenant_id = $1::uuid and staff_id = any($2::uuid[]) and blocked && tstzrange($3::timestamptz, $4::timestamptz)
          and status = any($5::text[]) and not (status = 'held' and hold_expires_at <= now())`,
      [ctx.tenantId, staffIds, new Date(from - 86_400_000), new Date(to + 86_400_000), LIVE_STATUSES]);
  for (const id of staffIds) {
    const h: WeeklyHours = hours.filter((r) => r.staff_id === id).map((r) => ({ weekday: r.weekday, startsMin: r.starts_min, endsMin: r.ends_min }));
    const x: ScheduleException[] = exceptions.filter((r) => r.staff_id === id).map((r) => ({ day: r.day, kind: r.kind, startsMin: r.starts_min, endsMin: r.ends_min }));
    const b: Interval[] = busy.filter((r) => r.staff_id === id).map((r) => ({ start: new Date(r.lo).getTime(), end: new Date(r.hi).getTime() }));
    out.set(id, { working: workingIntervals(timeZone, h, x, fromDay, days), busy: mergeIntervals(b) });
  }
  return out;
}

export type ServiceOption = { serviceId: string; name: string; bufferBeforeMin: number; bufferAfterMin: number; online: boolean; options: { staffId: string; durationMin: number; price: number; masterUserId: string | null }[]; currency: string };

/** The services asked for, each with the active masters who perform it (their own duration and price). */
export async function loadServiceOptions(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, serviceIds: string[]): Promise<Map<string, ServiceOption>> {
  const rows = await ctx.sql<{ id: string; name: string; buffer_before_min: number; buffer_after_min: number; online: boolean; currency: string; staff_id: string | null; user_id: string | null; duration_min: number; price: string }>(
    `select v.id, v.name, v.buffer_before_min, v.buffer_after_min, v.online, v.currency, s.id as staff_id, s.user_id,
            coalesce(ss.duration_min, v.duration_min) as duration_min, coalesce(ss.price, v.price) as price
       from salon.service v
       left join salon.staff_service ss on ss.tenant_id = v.tenant_id and ss.service_id = v.id
       left join salon.staff s on s.tenant_id = ss.tenant_id and s.id = ss.staff_id and s.active
      where v.tenant_id = $1::uuid and v.id = any($2::uuid[]) and not v.archived
      order by s.name, s.id`, [ctx.tenantId, serviceIds]);
  const out = new Map<string, ServiceOption>();
  for (const r of rows) {
    let o = out.get(r.id);
    if (!o) {
      o = { serviceId: r.id, name: r.name, bufferBeforeMin: r.buffer_before_min, bufferAfterMin: r.buffer_after_min, online: r.online, currency: r.currency.trim(), options: [] };
      out.set(r.id, o);
    }
    if (r.staff_id) o.options.push({ staffId: r.staff_id, durationMin: r.duration_min, price: Number(r.price), masterUserId: r.user_id });
  }
  return out;
}

/**
 * The resources each service needs, with the busy ranges of every unit between `from` and `to`
 * (live bookings; a hold past its expiry no longer counts).
 */
export async function loadResourceNeeds(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, serviceIds: string[], from: number, to: number): Promise<Map<string, ResourceNeed[]>> {
  const out = new Map<string, ResourceNeed[]>();
  const needs = await ctx.sql<{ service_id: string; resource_id: string; capacity: number }>(
    `select sr.service_id, r.id as resource_id, r.capacity from salon.service_resource sr join salon.resource r on r.tenant_id = sr.tenant_id and r.id = sr.resource_id
      where sr.tenant_id = $1::uuid and sr.service_id = any($2::uuid[]) and r.active order by r.name, r.id`, [ctx.tenantId, serviceIds]);
  if (!needs.length) return out;
  const resourceIds = [...new Set(needs.map((n) => n.resource_id))];
  const busy = await ctx.sql<{ resource_id: string; unit: number; lo: Date; hi: Date }>(
    `select br.resource_id, br.unit, lower(br.blocked) as lo, upper(br.blocked) as hi from salon.booking_resource br
      join salon.booking b on b.tenant_id = br.tenant_id and b.id = br.booking_id
      where br.tenant_id = $1::uuid and br.resource_id = any($2::uuid[]) and br.live and br.blocked && tstzrange($3::timestamptz, $4::timestamptz)
        and not (b.status = 'held' and b.hold_expires_at <= now())`,
    [ctx.tenantId, resourceIds, new Date(from - 86_400_000), new Date(to + 86_400_000)]);
  const units = new Map<string, Interval[][]>();
  for (const n of needs) {
    if (units.has(n.resource_id)) continue;
    units.set(n.resource_id, Array.from({ length: n.capacity }, (_, u) => mergeIntervals(busy.filter((b) => b.resource_id === n.resource_id && b.unit === u + 1).map((b) => ({ start: new Date(b.lo).getTime(), end: new Date(b.hi).getTime() })))));
  }
  for (const n of needs) {
    const list = out.get(n.service_id) ?? [];
    list.push({ resourceId: n.resource_id, units: units.get(n.resource_id)! });
    out.set(n.service_id, list);
  }
  return out;
}
