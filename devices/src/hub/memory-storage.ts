import type { EnrollmentCode, HubJob, HubJobState, JobHubStorage, TerminalRecord } from './job-hub.storage.ts';
import type { JobOutcome } from '../protocol/job.schema.ts';

/** In-memory JobHubStorage for tests and the `--virtual` demo hub. Same semantics as the Postgres one must have. */
export class MemoryHubStorage implements JobHubStorage {
  readonly jobs = new Map<string, HubJob>();
  private readonly byKey = new Map<string, string>();
  readonly terminals = new Map<string, TerminalRecord>();
  private readonly codes = new Map<string, EnrollmentCode>();

  async insertJob(row: HubJob) {
    const key = `${row.tenantId}\u0000${row.job.idempotencyKey}`;
    const existing = this.byKey.get(key);
    if (existing) return { row: structuredClone(this.jobs.get(existing)!), created: false };
    this.byKey.set(key, row.job.jobId);
    this.jobs.set(row.job.jobId, structuredClone(row));
    return { row: structuredClone(row), created: true };
  }

  async getJob(tenantId: string, jobId: string) {
    const j = this.jobs.get(jobId);
    return j && j.tenantId === tenantId ? structuredClone(j) : undefined;
  }

  async listUndelivered(tenantId: string, terminalId: string) {
    return [...this.jobs.values()]
      .filter((j) => j.tenantId === tenantId && j.terminalId === terminalId && (j.state === 'queued' || j.state === 'dispatched'))
      .sort((a, b) => a.job.createdAt.localeCompare(b.job.createdAt))
      .map((j) => structuredClone(j));
  }

  async transition(tenantId: string, jobId: string, from: HubJobState[], to: HubJobState, outcome?: JobOutcome) {
    const j = this.jobs.get(jobId);
    if (!j || j.tenantId !== tenantId || !from.includes(j.state)) return false;
    j.state = to;
    if (outcome) j.outcome = outcome;
    j.updatedAt = new Date().toISOString();
    return true;
  }

  async getTerminal(id: string) {
    const t = this.terminals.get(id);
    return t && { ...t };
  }

  async saveTerminal(t: TerminalRecord) {
    this.terminals.set(t.terminalId, { ...t });
  }

  async saveEnrollmentCode(c: EnrollmentCode) {
    this.codes.set(c.code, { ...c });
  }

  async consumeEnrollmentCode(code: string) {
    const c = this.codes.get(code);
    this.codes.delete(code);
    return c;
  }
}
