import { describe, expect, it } from 'vitest';
import { combineFm, quintileScores, scoreCustomers, segmentOf, SEGMENTS, summarize, type RfmInput } from '../src/domain/analytics/rfm.ts';

/** The pure RFM module: quintile boundaries, ties, the segment grid, one-purchase customers. */
describe('quintile scores', () => {
  it('ten distinct values fall two per quintile, higher is better', () => {
    expect(quintileScores([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    // order of the input does not matter, only the rank
    expect(quintileScores([100, 10, 55, 20])).toEqual([5, 2, 4, 3]);
  });

  it('boundaries: five values are exactly 1…5; the 20 % / 40 % cut points fall as ceil(5·rank/n)', () => {
    expect(quintileScores([1, 2, 3, 4, 5])).toEqual([1, 2, 3, 4, 5]);
    // n = 7: ranks 1..7 → ceil(5/7)=1, ceil(10/7)=2, ceil(15/7)=3, ceil(20/7)=3, ceil(25/7)=4, ceil(30/7)=5, ceil(35/7)=5
    expect(quintileScores([1, 2, 3, 4, 5, 6, 7])).toEqual([1, 2, 3, 3, 4, 5, 5]);
  });

  it('recency: fewer days is better', () => {
    expect(quintileScores([0, 5, 30, 90, 300], true)).toEqual([5, 4, 3, 2, 1]);
  });

  it('ties share a score — the lower one when the tie straddles a boundary', () => {
    // 8 customers with 1 purchase, 2 with 3: the ones take rank 1 → score 1; the threes rank 9 → 5
    expect(quintileScores([1, 1, 1, 1, 1, 1, 1, 1, 3, 3])).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 5, 5]);
    // the tie at 20 covers ranks 2..4 of 5: all get ceil(5·2/5) = 2, not 2/3/4
    expect(quintileScores([10, 20, 20, 20, 50])).toEqual([1, 2, 2, 2, 5]);
    // same for "lower is better"
    expect(quintileScores([7, 7, 1], true)).toEqual([2, 2, 5]);
  });

  it('a lone customer is the best the shop has; an empty set scores nobody', () => {
    expect(quintileScores([42])).toEqual([5]);
    expect(quintileScores([])).toEqual([]);
  });
});

describe('segment grid', () => {
  it('combines F and M by the floor of their mean', () => {
    expect(combineFm(1, 1)).toBe(1);
    expect(combineFm(1, 2)).toBe(1);
    expect(combineFm(1, 5)).toBe(3);
    expect(combineFm(4, 5)).toBe(4);
    expect(combineFm(5, 5)).toBe(5);
    expect(() => combineFm(0, 3)).toThrow(RangeError);
    expect(() => segmentOf(6, 1)).toThrow(RangeError);
  });

  it('every cell maps to a segment and all 11 segments are reachable', () => {
    const seen = new Set<string>();
    for (let r = 1; r <= 5; r++) for (let fm = 1; fm <= 5; fm++) seen.add(segmentOf(r, fm));
    expect([...seen].sort()).toEqual([...SEGMENTS].sort());
    expect(SEGMENTS).toHaveLength(11);
  });

  it('the corners and the named cells', () => {
    expect(segmentOf(5, 5)).toBe('champions');
    expect(segmentOf(5, 1)).toBe('new_customers');
    expect(segmentOf(4, 1)).toBe('promising');
    expect(segmentOf(3, 3)).toBe('need_attention');
    expect(segmentOf(3, 1)).toBe('about_to_sleep');
    expect(segmentOf(4, 4)).toBe('loyal_customers');
    expect(segmentOf(5, 2)).toBe('potential_loyalists');
    expect(segmentOf(2, 4)).toBe('at_risk');
    expect(segmentOf(1, 5)).toBe('cant_lose_them');
    expect(segmentOf(2, 2)).toBe('hibernating');
    expect(segmentOf(1, 1)).toBe('lost');
  });
});

describe('scoreCustomers', () => {
  const c = (id: string, recencyDays: number, frequency: number, monetary: number): RfmInput => ({ customerId: id, recencyDays, frequency, monetary });

  it('segments a known population', () => {
    // five customers spread evenly on every axis, so each axis scores exactly 1..5
    const out = scoreCustomers([
      c('best', 1, 20, 100_000), // R4 (0 days beats 1) F5 M5 → champions
      c('new', 0, 1, 900), // R5 F1 M1 → FM1 → new_customers
      c('faded', 200, 12, 50_000), // R2 F4 M4 → FM4 → at_risk
      c('middle', 30, 5, 9_000), // R3 F3 M3 → need_attention
      c('gone', 300, 2, 2_000), // R1 F2 M2 → hibernating
    ]);
    const by = Object.fromEntries(out.map((x) => [x.customerId, x]));
    expect([by.new.r, by.best.r, by.middle.r, by.faded.r, by.gone.r]).toEqual([5, 4, 3, 2, 1]);
    expect(by.new).toMatchObject({ f: 1, m: 1, fm: 1, segment: 'new_customers' });
    expect(by.best).toMatchObject({ r: 4, f: 5, m: 5, fm: 5, segment: 'champions' });
    expect(by.middle).toMatchObject({ r: 3, f: 3, m: 3, segment: 'need_attention' });
    expect(by.faded).toMatchObject({ r: 2, f: 4, m: 4, fm: 4, segment: 'at_risk' });
    expect(by.gone).toMatchObject({ r: 1, f: 2, m: 2, fm: 2, segment: 'hibernating' });
  });

  it('customers with one purchase share F = 1 and split by recency and spend', () => {
    const rows = Array.from({ length: 10 }, (_, i) => c(`c${i}`, i * 10, 1, 1000 * (i + 1)));
    const out = scoreCustomers(rows);
    expect(new Set(out.map((x) => x.f))).toEqual(new Set([1]));
    // the most recent one-timer spent least: R5, M1 → FM1 → new customer
    expect(out[0]).toMatchObject({ r: 5, f: 1, m: 1, segment: 'new_customers' });
    // the oldest spent most: R1, M5 → FM3 → at risk (a big one-off buyer gone quiet)
    expect(out[9]).toMatchObject({ r: 1, f: 1, m: 5, fm: 3, segment: 'at_risk' });
  });

  it('rejects impossible input instead of scoring it', () => {
    expect(() => scoreCustomers([c('x', -1, 1, 10)])).toThrow(RangeError);
    expect(() => scoreCustomers([c('x', 1, 0, 10)])).toThrow(RangeError);
    expect(() => scoreCustomers([c('x', 1, 1.5, 10)])).toThrow(RangeError);
  });

  it('summarize lists every segment with customers, money and share', () => {
    const s = summarize([
      { segment: 'lost', monetary: 100 },
      { segment: 'lost', monetary: 50 },
      { segment: 'champions', monetary: 1000 },
      { segment: 'at_risk', monetary: 10 },
    ]);
    expect(s).toHaveLength(11);
    expect(s.find((x) => x.segment === 'lost')).toMatchObject({ customers: 2, monetary: 150, share: 50, name: 'Lost' });
    expect(s.find((x) => x.segment === 'cant_lose_them')).toMatchObject({ customers: 0, monetary: 0, share: 0, name: "Can't Lose Them" });
    expect(s.reduce((a, x) => a + x.customers, 0)).toBe(4);
  });
});
