import { defineAction, defineService, Type, ValidationError, type RequestContext, type Static } from '@atrium/sdk';
import { salonSettings } from '../domain/settings.ts';
import { findSlots, type ChainStep } from '../domain/slots.ts';
import { addDays, localToInstant } from '../domain/zoned-time.ts';
import { checkDay, Day, Id } from './common.ts';
import { loadCalendars, loadResourceNeeds, loadServiceOptions } from './calendar.ts';

export const SearchParams = Type.Object({
  serviceIds: Type.Array(Id, { minItems: 1, maxItems: 6 }),
  /** A master per service (same order), or none: anyone who performs it. */
  staffIds: Type.Optional(Type.Array(Type.Union([Id, Type.Null()]), { maxItems: 6 })),
  from: Day,
  days: Type.Optional(Type.Integer({ minimum: 1, maximum: 31 })),
  gapMin: Type.Optional(Type.Integer({ minimum: 0, maximum: 240 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000 })),
}, { additionalProperties: false });

/**
 * Free slots for one service or a chain of them (back to back, or `gapMin` apart), across the
 * masters who perform each (or the ones named), over `days` local days from `from` in the salon's
 * zone: hours, breaks, exceptions, buffers, resources (a free unit of each) and existing bookings
 * all count (domain/slots.ts).
 */
export const availabilityService = defineService({
  name: 'availability',
  actions: {
    search: defineAction({
      rest: 'POST /search',
      permission: ['read', 'salon.Service'],
      mutates: false,
      params: SearchParams,
      handler: (ctx) => searchSlots(ctx, ctx.params, false),
    }),
  },
});


/** The search itself, for the front desk and (only online-bookable services) the public page. */
export async function searchSlots(ctx: RequestContext, p: Static<typeof SearchParams>, onlineOnly: boolean) {
  const settings = await salonSettings(ctx);
  checkDay(p.from, 'from');
  if (p.staffIds && p.staffIds.length !== p.serviceIds.length) throw new ValidationError('Invalid input: staffIds', [{ field: 'staffIds', code: 'onePerService', message: 'must name one master (or null) per service' }]);
  const services = await loadServiceOptions(ctx, p.serviceIds);
  const days = p.days ?? 1;
  const from = Math.max(localToInstant(settings.timeZone, p.from, 0), Date.now());
  const to = localToInstant(settings.timeZone, addDays(p.from, days), 0);
  // the chain may run past the last start: read a day more
  const needs = await loadResourceNeeds(ctx, p.serviceIds, from, to + 86_400_000);
  const steps: ChainStep[] = p.serviceIds.map((id, i) => {
    const s = services.get(id);
    if (!s || (onlineOnly && !s.online)) throw new ValidationError(`Invalid input: serviceIds.${i}`, [{ field: `serviceIds.${i}`, code: 'notBookable', message: 'is not a bookable service of this salon' }]);
    const wanted = p.staffIds?.[i];
    return { serviceId: id, bufferBeforeMin: s.bufferBeforeMin, bufferAfterMin: s.bufferAfterMin, options: s.options.filter((o) => !wanted || o.staffId === wanted), resources: needs.get(id) ?? [] };
  });
  const staffIds = [...new Set(steps.flatMap((s) => s.options.map((o) => o.staffId)))];
  const calendars = await loadCalendars(ctx, staffIds, from, to + 86_400_000, settings.timeZone);
  const slots = findSlots({ steps, calendars, timeZone: settings.timeZone, from, to: to - 1, stepMin: settings.slotStepMinutes, gapMin: p.gapMin, limit: p.limit ?? 500 });
  const iso = (t: number) => new Date(t).toISOString();
  return {
    timeZone: settings.timeZone,
    items: slots.map((s) => ({ startsAt: iso(s.startsAt), items: s.items.map((i) => ({ serviceId: i.serviceId, staffId: i.staffId, startsAt: iso(i.startsAt), endsAt: iso(i.endsAt) })) })),
    total: slots.length,
  };
}
