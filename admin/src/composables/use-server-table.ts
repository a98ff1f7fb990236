import { onMounted, reactive, ref, watch, type Ref } from 'vue';
import type { ListQuery, Page } from '../api/types.ts';
import { notifyError } from '../plugin-host/host-api.ts';

// QTable in server mode: pagination, sorting and search go to the kernel as limit/offset/sort/q.
// sort is "field" or "-field" (descending).
export function useServerTable<T>(
  fetchPage: (q: ListQuery) => Promise<Page<T>>,
  opts: { rowsPerPage?: number; sortBy?: string; descending?: boolean; filters?: Ref<Record<string, string | number | undefined>> } = {},
) {
  const rows = ref<T[]>([]) as Ref<T[]>;
  const loading = ref(false);
  const error = ref<unknown>(null);
  const search = ref('');
  const pagination = ref({
    page: 1,
    rowsPerPage: opts.rowsPerPage ?? 20,
    rowsNumber: 0,
    sortBy: opts.sortBy ?? '',
    descending: opts.descending ?? false,
  });
  let seq = 0;

  async function load(p = pagination.value) {
    const mine = ++seq; // a slow answer to an old query must not overwrite a newer one
    loading.value = true;
    error.value = null;
    try {
      const res = await fetchPage({
        limit: p.rowsPerPage || undefined,
        offset: p.rowsPerPage ? (p.page - 1) * p.rowsPerPage : 0,
        q: search.value.trim() || undefined,
        sort: p.sortBy ? (p.descending ? '-' : '') + p.sortBy : undefined,
        ...opts.filters?.value,
      });
      if (mine !== seq) return;
      rows.value = res.items;
      pagination.value = { ...p, rowsNumber: res.total };
    } catch (e) {
      if (mine !== seq) return;
      error.value = e;
      notifyError(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  function onRequest(props: { pagination: { page: number; rowsPerPage: number; sortBy: string; descending: boolean; rowsNumber?: number } }) {
    void load({ ...pagination.value, ...props.pagination });
  }

  let debounce: ReturnType<typeof setTimeout> | undefined;
  watch(search, () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => load({ ...pagination.value, page: 1 }), 300);
  });
  if (opts.filters) watch(opts.filters, () => load({ ...pagination.value, page: 1 }), { deep: true });

  onMounted(() => load());

  return reactive({ rows, loading, error, search, pagination, onRequest, reload: () => load() });
}
