/**
 * RFM segmentation — pure functions, no database.
 *
 * Each customer who bought in the window has recency (days since the last purchase), frequency
 * (purchases) and monetary (what they spent, net of returns). Each becomes a score 1–5 by
 * quintile over the tenant's customers:
 *
 *     score = ceil(5 × rank / n)
 *
 * where rank (1…n) is the customer's position from worst to best and tied customers share the
 * lowest rank of their tie (SQL `rank()`), so the same behaviour always gets the same score and a
 * tie straddling a quintile boundary falls to the lower score. With n distinct values the scores
 * are exact quintiles (n = 10 → 1,1,2,2,3,3,4,4,5,5). Consequences worth knowing: the most common
 * case — many customers with one purchase — gives all of them F = 1 (the worst tie), while a lone
 * customer (n = 1) is by definition the best the shop has (5, 5, 5). Lower recency is better.
 *
 * F and M are combined as FM = floor((F + M) / 2) and the segment is read off the R × FM grid
 * below, which assigns every one of the 25 cells to one of the 11 segments of the seed product.
 */
export const SEGMENTS = [
  'champions',
  'loyal_customers',
  'potential_loyalists',
  'new_customers',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose_them',
  'hibernating',
  'lost',
] as const;
export type Segment = (typeof SEGMENTS)[number];

export const SEGMENT_NAMES: Record<Segment, string> = {
  champions: 'Champions',
  loyal_customers: 'Loyal Customers',
  potential_loyalists: 'Potential Loyalists',
  new_customers: 'New Customers',
  promising: 'Promising',
  need_attention: 'Need Attention',
  about_to_sleep: 'About To Sleep',
  at_risk: 'At Risk',
  cant_lose_them: "Can't Lose Them",
  hibernating: 'Hibernating',
  lost: 'Lost',
};

/** "Customers at risk": they were valuable and are slipping away. */
export const AT_RISK_SEGMENTS: readonly Segment[] = ['at_risk', 'cant_lose_them'];

type Score = 1 | 2 | 3 | 4 | 5;

/**
 * GRID[r − 1][fm − 1]. Rows: recency score 1 (long ago) … 5 (just now); columns: FM 1 … 5.
 *
 *              FM=1             FM=2                 FM=3                 FM=4              FM=5
 *   R=5   new_customers   potential_loyalists  potential_loyalists  champions         champions
 *   R=4   promising       potential_loyalists  potential_loyalists  loyal_customers   champions
 *   R=3   about_to_sleep  about_to_sleep       need_attention       loyal_customers   loyal_customers
 *   R=2   hibernating     hibernating          at_risk              at_risk           at_risk
 *   R=1   lost            hibernating          at_risk              cant_lose_them    cant_lose_them
 */
const GRID: Segment[][] = [
  ['lost', 'hibernating', 'at_risk', 'cant_lose_them', 'cant_lose_them'],
  ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'at_risk'],
  ['about_to_sleep', 'about_to_sleep', 'need_attention', 'loyal_customers', 'loyal_customers'],
  ['promising', 'potential_loyalists', 'potential_loyalists', 'loyal_customers', 'champions'],
  ['new_customers', 'potential_loyalists', 'potential_loyalists', 'champions', 'champions'],
];

function checkScore(name: string, v: number): asserts v is Score {
  if (!Number.isInteger(v) || v < 1 || v > 5) throw new RangeError(`${name} score must be an integer 1–5, got ${v}`);
}

export function combineFm(f: number, m: number): Score {
  checkScore('F', f);
  checkScore('M', m);
  return Math.floor((f + m) / 2) as Score;
}

export function segmentOf(r: number, fm: number): Segment {
  checkScore('R', r);
  checkScore('FM', fm);
  return GRID[r - 1][fm - 1];
}

/**
 * Quintile scores of `values`, higher value = better unless `lowerIsBetter`. Ties share the
 * lowest rank of the tie. Returns scores in the order of `values`.
 */
export function quintileScores(values: readonly number[], lowerIsBetter = false): Score[] {
  const n = values.length;
  if (!n) return [];
  // worst first
  const sorted = [...values].sort((a, b) => (lowerIsBetter ? b - a : a - b));
  const firstRank = new Map<number, number>();
  sorted.forEach((v, i) => {
    if (!firstRank.has(v)) firstRank.set(v, i + 1);
  });
  return values.map((v) => Math.ceil((5 * firstRank.get(v)!) / n) as Score);
}

export type RfmInput = { customerId: string; recencyDays: number; frequency: number; monetary: number };
export type RfmResult = RfmInput & { r: Score; f: Score; m: Score; fm: Score; segment: Segment };

/** Scores and segments every customer against the others. */
export function scoreCustomers(rows: readonly RfmInput[]): RfmResult[] {
  for (const x of rows) {
    if (!Number.isFinite(x.recencyDays) || x.recencyDays < 0) throw new RangeError(`recencyDays must be ≥ 0 (customer ${x.customerId})`);
    if (!Number.isInteger(x.frequency) || x.frequency < 1) throw new RangeError(`frequency must be ≥ 1 (customer ${x.customerId})`);
    if (!Number.isFinite(x.monetary)) throw new RangeError(`monetary must be a number (customer ${x.customerId})`);
  }
  const r = quintileScores(rows.map((x) => x.recencyDays), true);
  const f = quintileScores(rows.map((x) => x.frequency));
  const m = quintileScores(rows.map((x) => x.monetary));
  return rows.map((x, i) => {
    const fm = combineFm(f[i], m[i]);
    return { ...x, r: r[i], f: f[i], m: m[i], fm, segment: segmentOf(r[i], fm) };
  });
}

export type SegmentSummary = { segment: Segment; name: string; customers: number; monetary: number; share: number };

/** Customers and money per segment, every segment listed (zeros included), in SEGMENTS order. */
export function summarize(rows: readonly Pick<RfmResult, 'segment' | 'monetary'>[]): SegmentSummary[] {
  const total = rows.length;
  return SEGMENTS.map((segment) => {
    const of = rows.filter((x) => x.segment === segment);
    return {
      segment,
      name: SEGMENT_NAMES[segment],
      customers: of.length,
      monetary: of.reduce((a, x) => a + x.monetary, 0),
      share: total ? Math.round((of.length * 1000) / total) / 10 : 0,
    };
  });
}
