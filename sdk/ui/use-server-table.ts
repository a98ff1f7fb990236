import { inject, onMounted, ref, watch, type Ref } from 'vue';

// QTable in server mode, the one way the shell and plugins page through a list: pagination,
// sorting and a debounced search go to the kernel as limit/offset/sort/q (sort is "field" or
// "-field"), filters reset to page 1, a slow answer to an old query never overwrites a newer one,
// and a 404 of the route itself (a page built ahead of its API) is `missing`, not an error.

/** What every kernel list route takes. */
export interface ListQuery {
  limit?: number;
  offset?: number;
  q?: string;
  /** 'field' ascending, '-field' descending */
  sort?: string;
}
/** What every kernel list route answers (`total` null when a route cannot count cheaply). */
export interface Page<T> {
  items: T[];
  total: number;
}

export type ListFilters = Record<string, string | number | boolean | null | undefined>;

/** QTable's pagination object (v-model:pagination). */
export interface TablePagination {
  page: number;
  rowsPerPage: number;
  rowsNumber: number;
  sortBy: string;
  descending: boolean;
}

export interface ServerTableOptions<F extends ListFilters> {
  rowsPerPage?: number;
  sortBy?: string;
  descending?: boolean;
  /** Extra query params; a change goes back to page 1. Empty values ('', null, undefined) are not sent. */
  filters?: Ref<F>;
  /** Load when the component mounts (default true). */
  immediate?: boolean;
  /** What to do with an error (default: the shell's error toast). The message is in `error` too. */
  onError?: (e: unknown) => void;
}

export interface ServerTable<T> {
  rows: Ref<T[]>;
  loading: Ref<boolean>;
  /** The last load's error message, or null. */
  error: Ref<string | null>;
  /** The route answered 404 itself (not "no such record"): the API is not there yet. */
  missing: Ref<boolean>;
  /** Bound to the search box; debounced 300 ms, back to page 1. */
  search: Ref<string>;
  pagination: Ref<TablePagination>;
  /** QTable's @request. */
  onRequest(props: { pagination: Partial<TablePagination> }): void;
  /** Loads the current page again (or `p`). */
  load(p?: TablePagination): Promise<void>;
  reload(): Promise<void>;
}

type ApiErrorShape = { status?: number; code?: string; message?: string };

/**
 * `const table = useServerTable((q) => atrium.http.get('/api/recipes/recipes', q), { filters })`, then
 * `<q-table v-model:pagination="table.pagination.value" :rows="table.rows.value" :loading="table.loading.value" @request="table.onRequest">`.
 * Call inside setup().
 */
export function useServerTable<T, F extends ListFilters = ListFilters>(
  fetchPage: (q: ListQuery & Partial<F>) => Promise<{ items: T[]; total: number | null }>,
  opts: ServerTableOptions<F> = {},
): ServerTable<T> {
  const host = inject<{ notifyError(e: unknown): void } | null>(Symbol.for('atrium.host'), null);
  const onError = opts.onError ?? ((e: unknown) => host?.notifyError(e));
  const rows = ref<T[]>([]) as Ref<T[]>;
  const loading = ref(false);
  const error = ref<string | null>(null);
  const missing = ref(false);
  const search = ref('');
  const pagination = ref<TablePagination>({ page: 1, rowsPerPage: opts.rowsPerPage ?? 20, rowsNumber: 0, sortBy: opts.sortBy ?? '', descending: opts.descending ?? false });
  let seq = 0;

  async function load(p: TablePagination = pagination.value): Promise<void> {
    const mine = ++seq; // a slow answer to an old query must not overwrite a newer one
    loading.value = true;
    error.value = null;
    const filters = Object.fromEntries(Object.entries(opts.filters?.value ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== '')) as Partial<F>;
    const text = search.value.trim();
    try {
      const res = await fetchPage({
        limit: p.rowsPerPage || undefined,
        offset: p.rowsPerPage ? (p.page - 1) * p.rowsPerPage : 0,
        ...(text ? { q: text } : {}),
        ...(p.sortBy ? { sort: (p.descending ? '-' : '') + p.sortBy } : {}),
        ...filters,
      });
      if (mine !== seq) return;
      rows.value = res.items;
      pagination.value = { ...p, rowsNumber: res.total ?? res.items.length + (p.page - 1) * p.rowsPerPage };
      missing.value = false;
    } catch (e) {
      if (mine !== seq) return;
      rows.value = [];
      const err = e as ApiErrorShape;
      if (err?.status === 404 && err.code !== 'NOT_FOUND_ENTITY') missing.value = true;
      else {
        error.value = (e instanceof Error ? e.message : String(e)) || 'error';
        onError(e);
      }
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  let debounce: ReturnType<typeof setTimeout> | undefined;
  watch(search, () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void load({ ...pagination.value, page: 1 }), 300);
  });
  if (opts.filters) watch(opts.filters, () => void load({ ...pagination.value, page: 1 }), { deep: true });
  if (opts.immediate !== false) onMounted(() => void load());

  return {
    rows, loading, error, missing, search, pagination, load,
    onRequest: (props) => void load({ ...pagination.value, ...props.pagination }),
    reload: () => load(),
  };
}
