import type { Job, JobOutcome } from '../protocol/job.schema.ts';

/**
 * Hub-side job state. `queued` → `dispatched` (sent on a socket) → `received` (agent has it on disk)
 * → `done | failed | unknown`; or `expired` when it was never received in time.
 */
export type HubJobState = 'queued' | 'dispatched' | 'received' | 'done' | 'failed' | 'unknown' | 'expired';

export interface HubJob {
  job: Job;
  tenantId: string;
  terminalId: string;
  state: HubJobState;
  outcome?: JobOutcome;
  updatedAt: string;
  /** Kernel bookkeeping carried through storage untouched by the hub (logical role, store, who asked, request hash). */
  meta?: { role?: string; storeId?: string; createdBy?: string; requestHash?: string };
}

export interface TerminalRecord {
  terminalId: string;
  tenantId: string;
  storeId: string;
  name: string;
  /** sha256 hex of the bearer token; the token itself is only ever on the agent. */
  tokenHash: string;
  revoked: boolean;
}

export interface EnrollmentCode {
  code: string;
  tenantId: string;
  storeId: string;
  expiresAt: string;
}

/**
 * What the hub needs from persistence. The kernel implements it on Postgres
 * (kernel.device_job with UNIQUE (tenant_id, idempotency_key); kernel.terminal; kernel.enrollment_code).
 * Every method must be atomic on its own; the hub never needs a multi-call transaction.
 * Job methods name the tenant, so a Postgres storage can run them under that tenant's row level
 * security; only `getTerminal` (agent authentication) and `consumeEnrollmentCode` cross tenants.
 */
export interface JobHubStorage {
  /** Insert unless (tenantId, idempotencyKey) exists; return the stored row either way. */
  insertJob(row: HubJob): Promise<{ row: HubJob; created: boolean }>;
  getJob(tenantId: string, jobId: string): Promise<HubJob | undefined>;
  /** Jobs of a terminal that the agent has not confirmed receiving (queued or dispatched), oldest first. */
  listUndelivered(tenantId: string, terminalId: string): Promise<HubJob[]>;
  /** Compare-and-set on state; returns false when the row was not in one of `from` (or not in this tenant). */
  transition(tenantId: string, jobId: string, from: HubJobState[], to: HubJobState, outcome?: JobOutcome): Promise<boolean>;
  getTerminal(terminalId: string): Promise<TerminalRecord | undefined>;
  saveTerminal(t: TerminalRecord): Promise<void>;
  saveEnrollmentCode(c: EnrollmentCode): Promise<void>;
  /** Delete and return the code if it exists (single use); expiry is checked by the hub. */
  consumeEnrollmentCode(code: string): Promise<EnrollmentCode | undefined>;
}
