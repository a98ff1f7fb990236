/**
 * The statuses of a booking and the moves between them. `held` waits for a deposit and expires;
 * live statuses block the master's time (the database's exclusion constraint lists the same ones).
 */
export const BOOKING_STATUSES = ['held', 'booked', 'confirmed', 'arrived', 'done', 'no_show', 'cancelled', 'expired'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export const LIVE_STATUSES: readonly BookingStatus[] = ['held', 'booked', 'confirmed', 'arrived', 'done'];

const NEXT: Record<BookingStatus, readonly BookingStatus[]> = {
  held: ['booked', 'confirmed', 'cancelled', 'expired'],
  booked: ['confirmed', 'arrived', 'no_show', 'cancelled'],
  confirmed: ['booked', 'arrived', 'no_show', 'cancelled'],
  arrived: ['done', 'confirmed'],
  done: [],
  no_show: ['arrived'],
  cancelled: [],
  expired: [],
};

export function canMove(from: BookingStatus, to: BookingStatus): boolean {
  return NEXT[from].includes(to);
}

/** Statuses a person may set through the API (expiry is the platform's). */
export const SETTABLE_STATUSES: readonly BookingStatus[] = ['booked', 'confirmed', 'arrived', 'done', 'no_show', 'cancelled'];

/** Only a booking that has not started being served can be moved in time or to another master. */
export function canReschedule(status: BookingStatus): boolean {
  return status === 'held' || status === 'booked' || status === 'confirmed';
}

/** When each reminder of a booking is due: offsets before the start that are still in the future. */
export function reminderTimes(startsAt: number, offsetsMin: readonly number[], now: number): { offsetMin: number; dueAt: number }[] {
  return [...new Set(offsetsMin)]
    .map((offsetMin) => ({ offsetMin, dueAt: startsAt - offsetMin * 60_000 }))
    .filter((r) => r.dueAt > now)
    .sort((a, b) => a.dueAt - b.dueAt);
}
