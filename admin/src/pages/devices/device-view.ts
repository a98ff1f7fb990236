// Pure helpers of the terminals & devices page: countdowns, status and job rows, live merging.
// No Vue, no DOM: unit-tested in admin/test/device-view.test.ts.
import type { DeviceJob, DeviceJobState, DeviceStatus, Terminal } from '../../api/device-types.ts';

/** Milliseconds left until `expiresAt` (never negative). */
export function remainingMs(expiresAt: string | number | Date, now: number): number {
  const end = expiresAt instanceof Date ? expiresAt.getTime() : new Date(expiresAt).getTime();
  if (Number.isNaN(end)) return 0;
  return Math.max(0, end - now);
}

/** "9:59" for an enrolment code's countdown; rounds up so "0:00" means expired. */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/** Groups a code for reading aloud / typing: "K7Q2M9XA" → "K7Q2 M9XA". */
export function groupCode(code: string): string {
  return code.replace(/(.{4})(?=.)/g, '$1 ');
}

export type TerminalState = 'online' | 'offline' | 'revoked';

/**
 * A terminal's state: revoked wins; otherwise the newest live event (if any) beats the list row,
 * because the push is sent before the kernel's bookkeeping commits.
 */
export function terminalState(t: Pick<Terminal, 'connected' | 'revokedAt'>, live?: boolean): TerminalState {
  if (t.revokedAt) return 'revoked';
  return (live ?? t.connected) ? 'online' : 'offline';
}

export type Tone = 'positive' | 'negative' | 'warning' | 'grey' | 'info';

export const TERMINAL_TONE: Record<TerminalState, Tone> = { online: 'positive', offline: 'grey', revoked: 'negative' };

export const DEVICE_TONE: Record<DeviceStatus, Tone> = {
  online: 'positive', offline: 'grey', 'paper-out': 'warning', 'cover-open': 'warning', error: 'negative',
};

const JOB_TONE: Record<DeviceJobState, Tone> = {
  queued: 'info', dispatched: 'info', received: 'info', done: 'positive', failed: 'negative', unknown: 'warning', expired: 'grey',
};

const FINAL: ReadonlySet<DeviceJobState> = new Set(['done', 'failed', 'unknown', 'expired']);

export interface JobRow {
  id: string;
  kind: DeviceJob['kind'];
  state: DeviceJobState;
  tone: Tone;
  final: boolean;
  /** PAPER_OUT, TIMEOUT, INTERRUPTED… for failed/unknown/expired jobs. */
  reason: string | null;
  detail: string | null;
  target: string;
  at: string;
}

/** One line of the "last jobs" lists. */
export function jobRow(j: DeviceJob): JobRow {
  const reason = j.outcome?.reason ?? (j.state === 'expired' ? 'EXPIRED' : null);
  return {
    id: j.id,
    kind: j.kind,
    state: j.state,
    tone: JOB_TONE[j.state] ?? 'grey',
    final: FINAL.has(j.state),
    reason: j.state === 'done' ? null : reason,
    detail: j.state === 'done' ? null : (j.outcome?.detail ?? null),
    target: j.role ? `${j.role} · ${j.deviceId}` : j.deviceId,
    at: j.updatedAt || j.createdAt,
  };
}

/**
 * Applies a pushed job to a newest-first list: replaces the same job (unless the push is older
 * than what we have), or puts a new one on top; keeps at most `max`.
 */
export function mergeJob(list: readonly DeviceJob[], job: DeviceJob, max: number): DeviceJob[] {
  const i = list.findIndex((j) => j.id === job.id);
  if (i >= 0) {
    if (new Date(list[i]!.updatedAt).getTime() > new Date(job.updatedAt).getTime()) return [...list];
    const next = [...list];
    next[i] = job;
    return next;
  }
  return [job, ...list].slice(0, max);
}

/** `receipt@front-desk`: what the device does @ where it is (the kernel's RoleName pattern). */
export const ROLE_NAME = /^[a-z][a-z0-9-]{0,39}@[a-z0-9][a-z0-9-]{0,59}$/;
export function isRoleName(s: string): boolean {
  return ROLE_NAME.test(s);
}


/** i18n keys are camelCase: "paper-out" → "paperOut", "print-receipt" → "printReceipt". */
export function i18nKey(s: string): string {
  return s.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

/**
 * When an enrolment code stops working, by this browser's clock: the kernel's `expiresAt`, but never
 * later than `ttlMs` after we received it (a browser clock behind the kernel's would otherwise
 * promise minutes the code does not have).
 */
export function codeDeadline(expiresAt: string, receivedAt: number, ttlMs = 10 * 60_000): number {
  const end = new Date(expiresAt).getTime();
  return Number.isNaN(end) ? receivedAt + ttlMs : Math.min(end, receivedAt + ttlMs);
}
