import { addDays, isoWeekday, localMinutes, localToInstant } from './zoned-time.ts';

/**
 * Free time, as pure functions (no database): a master's working intervals from weekly hours and
 * exceptions in the tenant's zone, and the start times at which one service — or a chain of
 * services (manicure then pedicure, possibly with different masters, back to back or with a gap) —
 * fits every master and resource (room, chair, device with capacity) it needs, honouring hours,
 * breaks, buffers and existing bookings.
 *
 * A booking blocks its master over [start − buffer before, end + buffer after); that whole range
 * must lie in one working interval and overlap no other booking's blocked range — the same rule
 * the database's exclusion constraint enforces, so an offered slot is one the insert accepts.
 */

/** [start, end) in epoch ms. */
export type Interval = { start: number; end: number };
export type WeeklyHours = { weekday: number; startsMin: number; endsMin: number }[];
export type ScheduleException = { day: string; kind: 'off' | 'extra'; startsMin: number | null; endsMin: number | null };

/** A master's working intervals and busy (blocked) ranges, each sorted by start and disjoint. */
export type StaffCalendar = { working: Interval[]; busy: Interval[] };

/** A resource a service needs (a room, a chair): the busy ranges of each of its units. */
export type ResourceNeed = { resourceId: string; units: Interval[][] };

export type ChainStep = {
  serviceId: string;
  bufferBeforeMin: number;
  bufferAfterMin: number;
  /** Who may perform it, with their own duration. */
  options: { staffId: string; durationMin: number }[];
  /** Resources it needs: one free unit of each, over the same blocked range as the master. */
  resources?: ResourceNeed[];
};
export type SlotItem = {
  serviceId: string; staffId: string; startsAt: number; endsAt: number; blockedFrom: number; blockedTo: number;
  /** The unit (1-based) of each needed resource this slot would take. */
  units: { resourceId: string; unit: number }[];
};
export type Slot = { startsAt: number; items: SlotItem[] };

const MIN = 60_000;

/** Sorts and merges overlapping or touching intervals. */
export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = list.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

/** `from` minus `cut` (both in minutes of one day). */
function subtract(from: { s: number; e: number }[], cut: { s: number; e: number }): { s: number; e: number }[] {
  return from.flatMap((i) => {
    if (cut.e <= i.s || cut.s >= i.e) return [i];
    return [{ s: i.s, e: cut.s }, { s: cut.e, e: i.e }].filter((x) => x.e > x.s);
  });
}

/** A master's working intervals (instants) over `days` local days from `fromDay`. */
export function workingIntervals(timeZone: string, hours: WeeklyHours, exceptions: ScheduleException[], fromDay: string, days: number): Interval[] {
  const out: Interval[] = [];
  for (let n = 0; n < days; n++) {
    const day = addDays(fromDay, n);
    const weekday = isoWeekday(day);
    let mins = hours.filter((h) => h.weekday === weekday).map((h) => ({ s: h.startsMin, e: h.endsMin }));
    for (const x of exceptions.filter((x) => x.day === day)) {
      if (x.kind === 'off') mins = x.startsMin === null || x.endsMin === null ? [] : subtract(mins, { s: x.startsMin, e: x.endsMin });
    }
    for (const x of exceptions.filter((x) => x.day === day && x.kind === 'extra')) mins.push({ s: x.startsMin!, e: x.endsMin! });
    for (const m of mins) out.push({ start: localToInstant(timeZone, day, m.s), end: localToInstant(timeZone, day, m.e) });
  }
  return mergeIntervals(out);
}

/** Index of the first interval whose end is after `t` (intervals sorted and disjoint). */
function firstEndingAfter(list: Interval[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.end > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Whether [from, to) lies inside one working interval and overlaps no busy range. */
export function isFree(cal: StaffCalendar, from: number, to: number): boolean {
  const w = cal.working[firstEndingAfter(cal.working, from)];
  if (!w || w.start > from || w.end < to) return false;
  const b = cal.busy[firstEndingAfter(cal.busy, from)];
  return !b || b.start >= to;
}

/** Whether a list of busy ranges (sorted, disjoint) leaves [from, to) free. */
function busyFree(busy: Interval[], from: number, to: number): boolean {
  const b = busy[firstEndingAfter(busy, from)];
  return !b || b.start >= to;
}

/**
 * The service at `start` with this master, if the master and one unit of every resource it needs
 * are free — units the chain's earlier services take count as busy.
 */
function place(step: ChainStep, opt: { staffId: string; durationMin: number }, start: number, cal: StaffCalendar, placed: SlotItem[]): SlotItem | null {
  const item = itemAt(step, opt, start);
  if (!isFree(cal, item.blockedFrom, item.blockedTo)) return null;
  for (const need of step.resources ?? []) {
    const taken = (u: number) => placed.some((p) => p.blockedFrom < item.blockedTo && item.blockedFrom < p.blockedTo && p.units.some((x) => x.resourceId === need.resourceId && x.unit === u));
    const u = need.units.findIndex((busy, i) => !taken(i + 1) && busyFree(busy, item.blockedFrom, item.blockedTo));
    if (u < 0) return null;
    item.units.push({ resourceId: need.resourceId, unit: u + 1 });
  }
  return item;
}

/** Places steps[k..] from `earliest` on, first fit in option order; null when the chain cannot continue. */
function placeRest(steps: ChainStep[], k: number, earliest: number, placed: SlotItem[], calendars: Map<string, StaffCalendar>, gapMs: number): SlotItem[] | null {
  if (k === steps.length) return placed;
  const step = steps[k]!;
  for (const opt of step.options) {
    const cal = calendars.get(opt.staffId);
    if (!cal) continue;
    let start = earliest;
    // the same master twice in a row: their cleanup after and preparation before both fit between
    const own = placed.filter((p) => p.staffId === opt.staffId);
    if (own.length) start = Math.max(start, Math.max(...own.map((p) => p.blockedTo)) + step.bufferBeforeMin * MIN);
    const item = place(step, opt, start, cal, placed);
    if (!item) continue;
    const rest = placeRest(steps, k + 1, item.endsAt + gapMs, [...placed, item], calendars, gapMs);
    if (rest) return rest;
  }
  return null;
}

function itemAt(step: ChainStep, opt: { staffId: string; durationMin: number }, start: number): SlotItem {
  const endsAt = start + opt.durationMin * MIN;
  return { serviceId: step.serviceId, staffId: opt.staffId, startsAt: start, endsAt, blockedFrom: start - step.bufferBeforeMin * MIN, blockedTo: endsAt + step.bufferAfterMin * MIN, units: [] };
}

export type FindSlotsInput = {
  steps: ChainStep[];
  calendars: Map<string, StaffCalendar>;
  timeZone: string;
  /** Earliest and latest start of the first service (epoch ms). */
  from: number;
  to: number;
  /** Start times are multiples of this many minutes after local midnight. */
  stepMin: number;
  /** Minutes between one service's end and the next one's start (0: back to back). */
  gapMin?: number;
  /** At most this many slots (earliest first). */
  limit?: number;
};

/**
 * Start times (earliest first) at which the whole chain fits: one slot per start time and first
 * master, each with the masters and times of every service in it.
 */
export function findSlots(input: FindSlotsInput): Slot[] {
  const { steps, calendars, timeZone, from, to, stepMin } = input;
  const gapMs = (input.gapMin ?? 0) * MIN;
  const limit = input.limit ?? 1000;
  const first = steps[0];
  if (!first) return [];
  // every start on the grid of every first master, earliest first: the chain is only tried until
  // `limit` slots are found (an answer is read from its start; the later days cost nothing)
  const candidates: { t: number; k: number }[] = [];
  first.options.forEach((opt, k) => {
    const cal = calendars.get(opt.staffId);
    if (!cal) return;
    for (const w of cal.working) {
      if (w.end <= from || w.start >= to + first.bufferBeforeMin * MIN) continue;
      let t = Math.ceil(Math.max(w.start + first.bufferBeforeMin * MIN, from) / MIN) * MIN;
      const off = localMinutes(timeZone, t) % stepMin;
      if (off) t += (stepMin - off) * MIN;
      for (; t <= to && t + opt.durationMin * MIN <= w.end; t += stepMin * MIN) candidates.push({ t, k });
    }
  });
  candidates.sort((a, b) => a.t - b.t || first.options[a.k]!.staffId.localeCompare(first.options[b.k]!.staffId));
  const out: Slot[] = [];
  for (const { t, k } of candidates) {
    if (out.length >= limit) break;
    const opt = first.options[k]!;
    const item = place(first, opt, t, calendars.get(opt.staffId)!, []);
    if (!item) continue;
    const items = placeRest(steps, 1, item.endsAt + gapMs, [item], calendars, gapMs);
    if (items) out.push({ startsAt: t, items });
  }
  return out;
}

/**
 * Units for the services of one booking (a chain), in order: for each service and each resource it
 * needs, the first unit free over its blocked range and not taken by an earlier service of the
 * chain that overlaps it. `failed` names the first service and resource with no unit left.
 */
export function assignUnits(items: { serviceId: string; blockedFrom: number; blockedTo: number }[], needs: Map<string, ResourceNeed[]>):
  { units: { resourceId: string; unit: number }[][] } | { failed: { index: number; resourceId: string } } {
  const out: { resourceId: string; unit: number }[][] = [];
  for (const [index, item] of items.entries()) {
    const mine: { resourceId: string; unit: number }[] = [];
    for (const need of needs.get(item.serviceId) ?? []) {
      const taken = (u: number) => items.slice(0, index).some((p, k) => p.blockedFrom < item.blockedTo && item.blockedFrom < p.blockedTo && out[k]!.some((x) => x.resourceId === need.resourceId && x.unit === u));
      const u = need.units.findIndex((busy, i) => !taken(i + 1) && busyFree(busy, item.blockedFrom, item.blockedTo));
      if (u < 0) return { failed: { index, resourceId: need.resourceId } };
      mine.push({ resourceId: need.resourceId, unit: u + 1 });
    }
    out.push(mine);
  }
  return { units: out };
}
