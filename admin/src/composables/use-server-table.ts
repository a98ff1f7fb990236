import { reactive, type Ref } from 'vue';
import { useServerTable as serverTable } from '@atrium/sdk/ui';
import type { ListQuery, Page } from '../api/types.ts';

// The shell's pages use the same server-table composable as plugins (@atrium/sdk/ui), as one
// reactive object so templates read `table.rows` and bind `v-model:pagination="table.pagination"`.
export function useServerTable<T>(
  fetchPage: (q: ListQuery) => Promise<Page<T>>,
  opts: { rowsPerPage?: number; sortBy?: string; descending?: boolean; filters?: Ref<Record<string, string | number | undefined>> } = {},
) {
  return reactive(serverTable<T>((q) => fetchPage(q as ListQuery), opts));
}
