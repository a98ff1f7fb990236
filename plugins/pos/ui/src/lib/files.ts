// Logic of the back office's file features and keyed writes, kept out of the pages so it is tested
// without a browser: catalogue import files, polling a job-based import, per-dialog idempotency
// keys, and which till takes the cash of a customer deposit/repayment.
import type { Register, Shift } from './types.ts';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The media type to upload a catalogue file with, from its name (browsers often leave File.type empty for CSV). Null: not importable. */
export function importContentType(fileName: string): string | null {
  if (/\.xlsx$/i.test(fileName)) return XLSX_TYPE;
  if (/\.(csv|txt)$/i.test(fileName)) return 'text/csv';
  return null;
}

export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

/** A fresh Idempotency-Key for one user intent (a dialog): reused for "try again", renewed for a new intent. */
export function intentKey(kind: string): string {
  return `${kind}-${globalThis.crypto.randomUUID()}`;
}

/** GET /api/pos/products/imports/:id and the import POST answer (domain/import-run.ts importView). */
export interface ImportReport {
  id: string;
  status: 'running' | 'done' | 'failed' | string;
  phase?: string | null;
  mode: 'all' | 'valid';
  dryRun: boolean;
  fileName?: string | null;
  totalRows: number;
  processedRows?: number;
  progress: number;
  created: number;
  updated: number;
  errorCount: number;
  errors: { row: number; field: string; message: string }[];
}

/**
 * Waits for a job-based import (files over 2,000 rows) to finish, reporting progress after each
 * poll. An import answered already finished is returned at once. `wait` is injectable for tests;
 * `signal` stops polling (the dialog was closed) — the import itself goes on on the server.
 */
export async function followImport(
  first: ImportReport,
  get: (id: string) => Promise<ImportReport>,
  opts: { onProgress?: (r: ImportReport) => void; wait?: (ms: number) => Promise<void>; signal?: AbortSignal; intervalMs?: number } = {},
): Promise<ImportReport> {
  const wait = opts.wait ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let r = first;
  opts.onProgress?.(r);
  while (r.status === 'running') {
    if (opts.signal?.aborted) throw new DOMException('stopped following the import', 'AbortError');
    await wait(opts.intervalMs ?? 1000);
    r = await get(r.id);
    opts.onProgress?.(r);
  }
  return r;
}

/** What the report says, for the message under the file: one of the io.* keys with its values. */
export function importOutcome(r: ImportReport): { key: 'checked' | 'checkedErrors' | 'done' | 'doneErrors' | 'failed' | 'importing'; values: Record<string, number> } {
  const values = { rows: r.totalRows, n: r.errorCount, created: r.created, updated: r.updated, p: r.progress };
  if (r.status === 'running') return { key: 'importing', values };
  if (r.dryRun) return { key: r.errorCount ? 'checkedErrors' : 'checked', values };
  if (r.status === 'failed') return { key: 'failed', values };
  return { key: r.errorCount ? 'doneErrors' : 'done', values };
}

/** The till this device works at, as the checkout remembered it (IndexedDB meta, see checkout/use-till.ts). */
export interface DeviceTill {
  register: Register;
  shift: Shift | null;
}

/**
 * A deposit or repayment taken in cash at this device's till goes into that shift's drawer: the
 * body gets `registerId` when the money is cash and the till has an open shift. Card/transfer
 * money, or no open till, leaves the body as it is (the server would refuse a registerId without
 * an open shift with 409 NO_OPEN_SHIFT).
 */
export function withTillCash<T extends { amount: number; method?: string }>(body: T, till: DeviceTill | null): T & { registerId?: string } {
  if ((body.method ?? 'cash') !== 'cash' || !till || till.shift?.status !== 'open' || till.shift.registerId !== till.register.id) return body;
  return { ...body, registerId: till.register.id };
}
