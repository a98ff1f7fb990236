import { describe, expect, it } from 'vitest';
import { clientSegment } from './segments.ts';

describe('client segments', () => {
  const now = Date.UTC(2030, 5, 1);
  const daysAgo = (n: number) => new Date(now - n * 86_400_000);
  it('new until three visits or enough spent; regular while coming back; lapsed after 90 days away', () => {
    expect(clientSegment({ visits: 0, spent: 0, lastVisitAt: null }, now)).toBe('new');
    expect(clientSegment({ visits: 2, spent: 1_600_000, lastVisitAt: daysAgo(10) }, now)).toBe('new');
    expect(clientSegment({ visits: 3, spent: 2_400_000, lastVisitAt: daysAgo(10) }, now)).toBe('regular');
    expect(clientSegment({ visits: 1, spent: 6_000_000, lastVisitAt: daysAgo(1) }, now)).toBe('regular');
    expect(clientSegment({ visits: 5, spent: 9_000_000, lastVisitAt: daysAgo(91) }, now)).toBe('lapsed');
    expect(clientSegment({ visits: 5, spent: 9_000_000, lastVisitAt: daysAgo(90) }, now)).toBe('regular');
  });
});
