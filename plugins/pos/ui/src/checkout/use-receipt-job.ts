import { isApiError, useAtrium, useLiveMessages, type LiveMessage } from '@atrium/sdk/ui';
import { onBeforeUnmount, ref } from 'vue';

/**
 * What the till says about a receipt: no printer, waiting for sync (offline), printing, printed,
 * failed, may-not-have-printed (`unknown`: never reprinted automatically), expired, or `sent`
 * (the user may not read device jobs, so "sent" is all they can know).
 */
export type ReceiptState = 'none' | 'offline' | 'queued' | 'sent' | 'printed' | 'failed' | 'unknown' | 'expired';

const FINAL = new Set<ReceiptState>(['printed', 'failed', 'unknown', 'expired']);

/** A device job's state as the till shows it (`done` → printed; on its way → printing). */
export function receiptStateOf(jobState: string): ReceiptState {
  if (jobState === 'done') return 'printed';
  if (jobState === 'failed' || jobState === 'unknown' || jobState === 'expired') return jobState;
  return 'queued';
}

/**
 * Follows one receipt's print job by the kernel's `devices.job` push over the shell's socket.
 * One read when following starts covers a job that finished before the push could reach us; a
 * read every `recheckMs` while the job is unfinished (at most `maxRechecks`) covers pushes lost
 * while the socket was reconnecting — a till must not show "printing" for a receipt long printed.
 */
export function useReceiptJob(opts: { recheckMs?: number; maxRechecks?: number } = {}) {
  const atrium = useAtrium();
  const state = ref<ReceiptState>('none');
  const jobId = ref<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;

  // Pushes seen for jobs not (yet) followed: a receipt can print before the sale's answer names
  // its job, so the "done" push arrives first; following the job starts from what was pushed.
  const pushed = new Map<string, string>();

  function apply(id: string, jobState: string) {
    if (id !== jobId.value) return;
    // a final state stands: a read that raced the push (still "received") does not undo "printed"
    if (FINAL.has(state.value)) return;
    state.value = receiptStateOf(jobState);
    if (FINAL.has(state.value)) clearTimeout(timer);
  }

  useLiveMessages((m: LiveMessage) => {
    if (m.type !== 'devices.job') return;
    const job = m.job as { id?: string; state?: string } | undefined;
    if (!job?.id || !job.state) return;
    pushed.set(job.id, job.state);
    if (pushed.size > 50) pushed.delete(pushed.keys().next().value!);
    apply(job.id, job.state);
  });

  async function check(id: string) {
    try {
      const job = await atrium.http.get<{ id: string; state: string }>(`/api/devices/jobs/${encodeURIComponent(id)}`);
      apply(id, job.state);
    } catch (e) {
      // no right to read device jobs: the push still tells us when we may; else "sent" it is
      if (isApiError(e) && e.status === 403 && id === jobId.value && !FINAL.has(state.value)) state.value = 'sent';
    }
  }

  /** Starts following a job (replacing the one followed before). */
  function follow(id: string) {
    clearTimeout(timer);
    jobId.value = id;
    state.value = 'queued';
    const known = pushed.get(id);
    if (known) apply(id, known);
    void check(id);
    let left = opts.maxRechecks ?? 60;
    const recheck = () => {
      if (jobId.value !== id || FINAL.has(state.value) || left-- <= 0) return;
      void check(id).finally(() => { if (jobId.value === id && !FINAL.has(state.value)) timer = setTimeout(recheck, opts.recheckMs ?? 5_000); });
    };
    timer = setTimeout(recheck, opts.recheckMs ?? 5_000);
  }

  /** A state with no job to follow (no printer, offline, failed to submit). */
  function set(s: ReceiptState) {
    clearTimeout(timer);
    jobId.value = null;
    state.value = s;
  }

  onBeforeUnmount(() => clearTimeout(timer));
  return { state, jobId, follow, set };
}

export type ReceiptJob = ReturnType<typeof useReceiptJob>;
