/**
 * A client's segment, by visits and spend: `new` (fewer than 3 completed visits and less than
 * REGULAR_SPEND spent), `regular` (3 visits or more, or that much spent, the last one within
 * LAPSED_AFTER_DAYS), `lapsed` (visited before, but not for LAPSED_AFTER_DAYS).
 */
export type Segment = 'new' | 'regular' | 'lapsed';
export const REGULAR_VISITS = 3;
/** Minor units (KZT tiyn): 50 000 ₸. */
export const REGULAR_SPEND = 5_000_000;
export const LAPSED_AFTER_DAYS = 90;

export function clientSegment(c: { visits: number; spent: number; lastVisitAt: Date | string | null }, now = Date.now()): Segment {
  if (c.visits > 0 && c.lastVisitAt && now - new Date(c.lastVisitAt).getTime() > LAPSED_AFTER_DAYS * 86_400_000) return 'lapsed';
  return c.visits >= REGULAR_VISITS || c.spent >= REGULAR_SPEND ? 'regular' : 'new';
}
