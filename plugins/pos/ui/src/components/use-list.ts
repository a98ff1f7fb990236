import { useServerTable, type ListFilters } from '@atrium/sdk/ui';
import type { Ref } from 'vue';

/**
 * The POS pages' lists: the SDK's server table (pagination, debounced search, filters, stale answers
 * dropped, a 404 of the route as `missing`), loaded when the page says so (`list.load()`).
 */
export type Filters = ListFilters;

export function useList<T, F extends Filters>(
  fetch: (q: { limit: number; offset: number; q?: string } & F) => Promise<{ items: T[]; total: number | null }>,
  filters: Ref<F>,
  opts: { rowsPerPage?: number } = {},
) {
  return useServerTable<T, F>((q) => fetch(q as { limit: number; offset: number; q?: string } & F), { filters, rowsPerPage: opts.rowsPerPage, immediate: false });
}
