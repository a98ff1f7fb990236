/**
 * Wall-clock time in a tenant's IANA zone ↔ instants, with nothing but Intl: working hours are
 * local ("Mon 10:00–19:00 in Asia/Almaty") while bookings are instants (timestamptz). A local time
 * skipped by a DST jump maps to the instant after the jump; a repeated one to its first occurrence.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
function format(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(timeZone, f);
  }
  return f;
}

/** Whether the zone is one Intl knows (settings are validated by pattern only). */
export function isTimeZone(timeZone: string): boolean {
  try {
    format(timeZone);
    return true;
  } catch {
    return false;
  }
}

function wallParts(timeZone: string, ms: number) {
  const p: Record<string, number> = {};
  for (const x of format(timeZone).formatToParts(new Date(ms))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return p as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

/** The zone's offset from UTC at an instant, in ms (Asia/Almaty: +5 h). */
export function offsetMs(timeZone: string, ms: number): number {
  const p = wallParts(timeZone, ms);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** The instant of `minutes` after local midnight of `day` (YYYY-MM-DD) in the zone. */
export function localToInstant(timeZone: string, day: string, minutes: number): number {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y!, m! - 1, d!) + minutes * 60_000;
  // the offsets before and after any transition near this wall time
  const before = offsetMs(timeZone, wall - 43_200_000);
  const after = offsetMs(timeZone, wall + 43_200_000);
  const valid = [wall - before, wall - after].filter((t, i) => offsetMs(timeZone, t) === (i === 0 ? before : after));
  // repeated (clocks went back): the first occurrence; skipped (clocks went forward): after the jump
  return valid.length ? Math.min(...valid) : wall - before;
}

/** The local calendar day (YYYY-MM-DD) of an instant in the zone. */
export function localDay(timeZone: string, ms: number): string {
  const p = wallParts(timeZone, ms);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Minutes after local midnight of an instant in the zone. */
export function localMinutes(timeZone: string, ms: number): number {
  const p = wallParts(timeZone, ms);
  return p.hour * 60 + p.minute;
}

/** ISO weekday of a calendar day: 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  const w = new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay();
  return w === 0 ? 7 : w;
}

/** The calendar day `n` days after `day`. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + n)).toISOString().slice(0, 10);
}
