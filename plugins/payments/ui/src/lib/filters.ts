import { parseMajor } from './money.ts';
import { STATUSES, type PaymentStatus } from './types.ts';

/** What the list page's filter bar holds (strings as typed; dates as YYYY-MM-DD in local time). */
export interface ListFilters {
  status: PaymentStatus | null;
  provider: string | null;
  currency: string | null;
  from: string;
  to: string;
  amountMin: string;
  amountMax: string;
  q: string;
}
export const emptyFilters = (): ListFilters => ({ status: null, provider: null, currency: null, from: '', to: '', amountMin: '', amountMax: '', q: '' });

export type FilterError = { field: keyof ListFilters; error: 'invalidDate' | 'dateOrder' | 'invalidAmount' | 'amountOrder' };

/** Local midnight of a YYYY-MM-DD day, or null. */
export function localDayStart(day: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.getFullYear() === Number(m[1]) && d.getMonth() === Number(m[2]) - 1 && d.getDate() === Number(m[3]) ? d : null;
}

export interface ListParams {
  limit: number;
  offset: number;
  sort?: string;
  status?: string;
  provider?: string;
  currency?: string;
  from?: string;
  to?: string;
  amountMin?: number;
  amountMax?: number;
  q?: string;
}

/**
 * Filters + page → the query of GET /api/payments/intents. The date range is whole local days
 * ("to" inclusive → the next midnight, exclusive on the server). Amounts are typed in major units
 * of the chosen currency (2 decimals when none is chosen) and sent in minor units.
 */
export function toListParams(f: ListFilters, page: { page: number; rowsPerPage: number; sortBy?: string | null; descending?: boolean }): { params: ListParams; errors: FilterError[] } {
  const errors: FilterError[] = [];
  const params: ListParams = { limit: page.rowsPerPage, offset: (page.page - 1) * page.rowsPerPage };
  if (page.sortBy) params.sort = (page.descending ? '-' : '') + page.sortBy;
  if (f.status && (STATUSES as readonly string[]).includes(f.status)) params.status = f.status;
  if (f.provider) params.provider = f.provider;
  if (f.currency) params.currency = f.currency.toUpperCase();
  const q = f.q.trim();
  if (q) params.q = q.slice(0, 200);
  let fromD: Date | null = null;
  let toD: Date | null = null;
  if (f.from) {
    fromD = localDayStart(f.from);
    if (fromD) params.from = fromD.toISOString();
    else errors.push({ field: 'from', error: 'invalidDate' });
  }
  if (f.to) {
    const d = localDayStart(f.to);
    if (d) {
      toD = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1);
      params.to = toD.toISOString();
    } else errors.push({ field: 'to', error: 'invalidDate' });
  }
  if (fromD && toD && fromD >= toD) {
    errors.push({ field: 'to', error: 'dateOrder' });
    delete params.from;
    delete params.to;
  }
  const cur = f.currency || 'USD';
  for (const key of ['amountMin', 'amountMax'] as const) {
    if (!f[key].trim()) continue;
    const r = parseMajor(f[key], cur);
    if (r.ok) params[key] = r.minor;
    else errors.push({ field: key, error: 'invalidAmount' });
  }
  if (params.amountMin !== undefined && params.amountMax !== undefined && params.amountMin > params.amountMax) {
    errors.push({ field: 'amountMax', error: 'amountOrder' });
    delete params.amountMin;
    delete params.amountMax;
  }
  return { params, errors };
}

/** How many filters are set (the phone layout shows it on the collapsed filter button). */
export const activeFilterCount = (f: ListFilters) =>
  [f.status, f.provider, f.currency, f.from, f.to, f.amountMin.trim(), f.amountMax.trim()].filter(Boolean).length;
