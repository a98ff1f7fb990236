/** Quiet hours of a tenant: non-urgent sends wait until they end (in the tenant's time zone). */
export interface QuietHours {
  enabled: boolean;
  /** "21:00" */
  start: string;
  /** "09:00"; an end before the start spans midnight. */
  end: string;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function minutesOf(hhmm: string): number {
  const m = HHMM.exec(hhmm);
  if (!m) throw new RangeError(`not a time of day (HH:MM): ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The wall-clock minute of the day and second of the minute of `at` in `timeZone`. */
function localClock(at: Date, timeZone: string): { minute: number; second: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return { minute: get('hour') * 60 + get('minute'), second: get('second') };
}

/**
 * When a non-urgent message asked for at `at` may go: `at` itself outside quiet hours, else the end
 * of the quiet period (local wall clock in `timeZone`; on a night the clocks change the wait is an
 * hour off at most, never negative).
 */
export function quietUntil(q: QuietHours | undefined, timeZone: string, at: Date): Date | null {
  if (!q?.enabled) return null;
  const start = minutesOf(q.start);
  const end = minutesOf(q.end);
  if (start === end) return null;
  const { minute, second } = localClock(at, timeZone);
  const quiet = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!quiet) return null;
  const wait = (end - minute + 1440) % 1440;
  return new Date(at.getTime() + (wait * 60 - second) * 1000);
}
