import { describe, expect, it } from 'vitest';
import { payroll, pickRate, type HeldLesson, type PayRate } from './payroll.ts';

const rate = (r: Partial<PayRate>): PayRate => ({ id: 'r', subjectId: null, lessonKind: null, perLesson: 0, perAttendee: 0, revenueBp: 0, validFrom: '2000-01-01', validTo: null, ...r });
const lesson = (l: Partial<HeldLesson>): HeldLesson => ({ id: 'l', date: '2025-03-10', subjectId: 'eng', kind: 'group', attendees: 6, revenue: 1_500_000, ...l });

describe('payroll rules', () => {
  it('the most specific rule valid on the date pays: subject and kind, then subject, then kind, then any', () => {
    const rates = [
      rate({ id: 'any', perLesson: 500_000 }),
      rate({ id: 'kind', lessonKind: 'individual', perLesson: 700_000 }),
      rate({ id: 'subject', subjectId: 'eng', perAttendee: 100_000 }),
      rate({ id: 'both', subjectId: 'eng', lessonKind: 'individual', revenueBp: 4000 }),
      rate({ id: 'old', subjectId: 'eng', perLesson: 1, validTo: '2025-01-31' }),
    ];
    expect(pickRate(rates, lesson({}))?.id).toBe('subject');
    expect(pickRate(rates, lesson({ kind: 'individual' }))?.id).toBe('both');
    expect(pickRate(rates, lesson({ subjectId: 'math', kind: 'individual' }))?.id).toBe('kind');
    expect(pickRate(rates, lesson({ subjectId: 'math' }))?.id).toBe('any');
    expect(pickRate(rates, lesson({ date: '2025-01-15', subjectId: 'eng' }))?.id).toBe('subject');
    expect(pickRate([rate({ id: 'a', validFrom: '2025-01-01', perLesson: 1 }), rate({ id: 'b', validFrom: '2025-03-01', perLesson: 2 })], lesson({}))?.id).toBe('b');
    expect(pickRate([rate({ validFrom: '2025-04-01', perLesson: 1 })], lesson({}))).toBeNull();
  });

  it('pays per lesson + per attendee + a share of revenue, and counts lessons without a rule', () => {
    const rates = [rate({ id: 'x', subjectId: 'eng', perLesson: 200_000, perAttendee: 50_000, revenueBp: 1000 })];
    const r = payroll(rates, [lesson({ id: 'a' }), lesson({ id: 'b', attendees: 0, revenue: 0 }), lesson({ id: 'c', subjectId: 'math' })]);
    expect(r.lines).toEqual([{ lessonId: 'a', rateId: 'x', amount: 200_000 + 300_000 + 150_000 }, { lessonId: 'b', rateId: 'x', amount: 200_000 }, { lessonId: 'c', rateId: null, amount: 0 }]);
    expect(r).toMatchObject({ total: 850_000, unrated: 1 });
  });
});
