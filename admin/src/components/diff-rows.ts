// Normalises the audit diff into rows of field / before / after. The kernel may send
// { before: {...}, after: {...} }, { field: [before, after] } or { field: { from, to } };
// anything else is shown as JSON.
export interface DiffRow {
  field: string;
  before: unknown;
  after: unknown;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function diffRows(diff: unknown): DiffRow[] | null {
  if (!isObj(diff)) return null;
  if ('before' in diff || 'after' in diff) {
    const b = isObj(diff.before) ? diff.before : {};
    const a = isObj(diff.after) ? diff.after : {};
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
    return keys.filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k])).map((k) => ({ field: k, before: b[k], after: a[k] }));
  }
  const rows: DiffRow[] = [];
  for (const [k, v] of Object.entries(diff)) {
    if (Array.isArray(v) && v.length === 2) rows.push({ field: k, before: v[0], after: v[1] });
    else if (isObj(v) && ('from' in v || 'to' in v)) rows.push({ field: k, before: v.from, after: v.to });
    else return null;
  }
  return rows;
}

export const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
