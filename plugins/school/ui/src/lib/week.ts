// Weeks of the calendar, in plain dates (YYYY-MM-DD): pure, so the schedule page and its tests agree.

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** ISO weekday of a date: 1 Monday … 7 Sunday. */
export function weekday(date: string): number {
  return ((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
}

/** The Monday of the week a date is in. */
export function mondayOf(date: string): string {
  return addDays(date, 1 - weekday(date));
}

/** Today in the browser's own calendar. */
export function today(now = new Date()): string {
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** The seven dates of the week starting at `monday`. */
export function daysOf(monday: string): string[] {
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

/**
 * The instants that bound a week for the API: a day before Monday and a day after Sunday in UTC, so
 * lessons of any centre's time zone are in; the page then groups them by their own local `date`.
 */
export function weekRange(monday: string): { from: string; to: string } {
  return { from: `${addDays(monday, -1)}T00:00:00.000Z`, to: `${addDays(monday, 8)}T00:00:00.000Z` };
}

/** Lessons by their local date, each day's in start order. */
export function byDay<T extends { date: string; startsAt: string }>(lessons: T[], days: string[]): Map<string, T[]> {
  const out = new Map<string, T[]>(days.map((d) => [d, []]));
  for (const l of lessons) out.get(l.date)?.push(l);
  for (const list of out.values()) list.sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  return out;
}
