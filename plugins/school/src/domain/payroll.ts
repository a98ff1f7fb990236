/**
 * Teacher pay for a period from their pay-rate rules (pure; the report gathers the lessons).
 *
 * A rule pays per held lesson, per attendee and/or a share of the lesson's revenue (what the
 * students who came paid for it: a pass's price divided by its lessons, a visit's price). For each
 * lesson the most specific rule valid on its date applies — subject and lesson kind, then subject,
 * then kind, then a rule for everything; among equals the one that started last.
 */

export type PayRate = { id: string; subjectId: string | null; lessonKind: string | null; perLesson: number; perAttendee: number; revenueBp: number; validFrom: string; validTo: string | null };
export type HeldLesson = { id: string; date: string; subjectId: string; kind: string; attendees: number; revenue: number };
export type PayLine = { lessonId: string; rateId: string | null; amount: number };

export function pickRate(rates: readonly PayRate[], l: HeldLesson): PayRate | null {
  let best: PayRate | null = null;
  let bestScore = -1;
  for (const r of rates) {
    if (r.validFrom > l.date || (r.validTo !== null && r.validTo < l.date)) continue;
    if (r.subjectId !== null && r.subjectId !== l.subjectId) continue;
    if (r.lessonKind !== null && r.lessonKind !== l.kind) continue;
    const score = (r.subjectId ? 2 : 0) + (r.lessonKind ? 1 : 0);
    if (score > bestScore || (score === bestScore && best && r.validFrom > best.validFrom)) {
      best = r;
      bestScore = score;
    }
  }
  return best;
}

export function payFor(rate: PayRate, l: HeldLesson): number {
  return rate.perLesson + rate.perAttendee * l.attendees + Math.round((l.revenue * rate.revenueBp) / 10_000);
}

export function payroll(rates: readonly PayRate[], lessons: readonly HeldLesson[]): { total: number; lines: PayLine[]; unrated: number } {
  const lines: PayLine[] = [];
  let total = 0;
  let unrated = 0;
  for (const l of lessons) {
    const rate = pickRate(rates, l);
    if (!rate) unrated++;
    const amount = rate ? payFor(rate, l) : 0;
    total += amount;
    lines.push({ lessonId: l.id, rateId: rate?.id ?? null, amount });
  }
  return { total, lines, unrated };
}
