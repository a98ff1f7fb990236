import { isApiError, useAtrium } from '@atrium/sdk/ui';
import { ref, watch, type Ref } from 'vue';

/**
 * Server-side list state for QTable (server mode): pagination, a debounced search, filters, the
 * loading and error states, and "this endpoint does not exist yet" (404 → `missing`) for pages
 * built ahead of their API. Stale answers are dropped (a slow page 1 never overwrites page 2).
 */
export type Filters = Record<string, string | number | boolean | null | undefined>;

export function useList<T, F extends Filters>(
  fetch: (q: { limit: number; offset: number; q?: string } & F) => Promise<{ items: T[]; total: number | null }>,
  filters: Ref<F>,
  opts: { rowsPerPage?: number } = {},
) {
  const atrium = useAtrium();
  const rows = ref<T[]>([]) as Ref<T[]>;
  const loading = ref(false);
  const error = ref<string | null>(null);
  const missing = ref(false);
  const search = ref('');
  const pagination = ref({ page: 1, rowsPerPage: opts.rowsPerPage ?? 20, rowsNumber: 0 });
  let seq = 0;

  async function load(p: { page: number; rowsPerPage: number; rowsNumber: number } = pagination.value) {
    const mine = ++seq;
    loading.value = true;
    error.value = null;
    const clean = Object.fromEntries(Object.entries(filters.value).filter(([, v]) => v !== undefined && v !== null && v !== '')) as F;
    try {
      const res = await fetch({ limit: p.rowsPerPage, offset: (p.page - 1) * p.rowsPerPage, ...(search.value.trim() ? { q: search.value.trim() } : {}), ...clean });
      if (mine !== seq) return;
      rows.value = res.items;
      pagination.value = { ...p, rowsNumber: res.total ?? res.items.length + (p.page - 1) * p.rowsPerPage };
      missing.value = false;
    } catch (e) {
      if (mine !== seq) return;
      rows.value = [];
      if (isApiError(e) && e.status === 404 && e.code !== 'NOT_FOUND_ENTITY') missing.value = true;
      else {
        error.value = e instanceof Error ? e.message : String(e);
        atrium.notifyError(e);
      }
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  watch(search, () => {
    clearTimeout(timer);
    timer = setTimeout(() => load({ ...pagination.value, page: 1 }), 300);
  });
  watch(filters, () => load({ ...pagination.value, page: 1 }), { deep: true });

  return { rows, loading, error, missing, search, pagination, load, onRequest: (r: { pagination: { page: number; rowsPerPage: number; rowsNumber?: number } }) => load({ ...r.pagination, rowsNumber: r.pagination.rowsNumber ?? 0 }) };
}
