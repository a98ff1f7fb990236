import fs from 'node:fs';
import path from 'node:path';
import type { Job, JobOutcome } from '../protocol/job.schema.ts';

/** Agent-side life of a job: on disk before it is acked, `executing` before the device is touched. */
export type AgentJobState = 'received' | 'executing' | 'finished';

export interface AgentJobRecord {
  job: Job;
  state: AgentJobState;
  outcome?: JobOutcome;
  /** The kernel acknowledged the result; nothing left to send. */
  reported: boolean;
  finishedAt?: string;
}

type Entry =
  | { t: 'received'; job: Job }
  | { t: 'executing'; jobId: string }
  | { t: 'result'; jobId: string; outcome: JobOutcome; at: string }
  | { t: 'reported'; jobId: string }
  | { t: 'snapshot'; rec: AgentJobRecord };

/**
 * The agent's inbox/outbox: an append-only JSON-lines journal, fsynced after every entry, so a
 * crash or power cut loses nothing that was acknowledged. Reopening replays it; a job that was
 * `executing` when the process died becomes `unknown INTERRUPTED` — it is never run again, because
 * the printer may already have printed it. Opening also compacts: old reported jobs are dropped
 * (their idempotency keys are kept for `retentionMs`), the rest is rewritten through a temp file
 * and an atomic rename.
 */
export class JobJournal {
  readonly file: string;
  private fd: number;
  private readonly jobs = new Map<string, AgentJobRecord>();
  private readonly byKey = new Map<string, string>();
  /** Jobs that this open turned from executing into unknown (for logs and tests). */
  readonly interrupted: string[] = [];

  constructor(file: string, opts: { retentionMs?: number } = {}) {
    this.file = file;
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    this.replay();
    this.compact(opts.retentionMs ?? 7 * 24 * 3600_000);
    this.fd = fs.openSync(file, 'a', 0o600);
    for (const rec of this.jobs.values()) {
      if (rec.state === 'executing') {
        this.interrupted.push(rec.job.jobId);
        this.finish(rec.job.jobId, { state: 'unknown', reason: 'INTERRUPTED', detail: 'agent stopped while the job was executing; not retried' });
      }
    }
  }

  private replay(): void {
    if (!fs.existsSync(this.file)) return;
    const lines = fs.readFileSync(this.file, 'utf8').split('\n');
    for (const line of lines) {
      if (!line) continue;
      let e: Entry;
      try {
        e = JSON.parse(line) as Entry;
      } catch {
        continue; // a torn last line from a crash mid-append: that entry was never fsynced, so never acked
      }
      this.apply(e);
    }
  }

  private apply(e: Entry): void {
    switch (e.t) {
      case 'snapshot': this.jobs.set(e.rec.job.jobId, e.rec); this.byKey.set(e.rec.job.idempotencyKey, e.rec.job.jobId); break;
      case 'received':
        if (!this.jobs.has(e.job.jobId)) {
          this.jobs.set(e.job.jobId, { job: e.job, state: 'received', reported: false });
          this.byKey.set(e.job.idempotencyKey, e.job.jobId);
        }
        break;
      case 'executing': { const r = this.jobs.get(e.jobId); if (r && r.state === 'received') r.state = 'executing'; break; }
      case 'result': {
        const r = this.jobs.get(e.jobId);
        if (r && r.state !== 'finished') { r.state = 'finished'; r.outcome = e.outcome; r.finishedAt = e.at; }
        break;
      }
      case 'reported': { const r = this.jobs.get(e.jobId); if (r) r.reported = true; break; }
    }
  }

  private compact(retentionMs: number): void {
    const cutoff = Date.now() - retentionMs;
    for (const [id, r] of this.jobs) {
      if (r.reported && r.finishedAt && Date.parse(r.finishedAt) < cutoff) {
        this.jobs.delete(id);
        if (this.byKey.get(r.job.idempotencyKey) === id) this.byKey.delete(r.job.idempotencyKey);
      }
    }
    const tmp = `${this.file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    for (const rec of this.jobs.values()) fs.writeSync(fd, JSON.stringify({ t: 'snapshot', rec } satisfies Entry) + '\n');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, this.file);
    const dir = fs.openSync(path.dirname(this.file), 'r');
    try { fs.fsyncSync(dir); } finally { fs.closeSync(dir); }
  }

  private append(e: Entry): void {
    fs.writeSync(this.fd, JSON.stringify(e) + '\n');
    fs.fsyncSync(this.fd);
    this.apply(e);
  }

  get(jobId: string): AgentJobRecord | undefined {
    return this.jobs.get(jobId);
  }

  byIdempotencyKey(key: string): AgentJobRecord | undefined {
    const id = this.byKey.get(key);
    return id ? this.jobs.get(id) : undefined;
  }

  all(): AgentJobRecord[] {
    return [...this.jobs.values()];
  }

  receive(job: Job): void {
    this.append({ t: 'received', job });
  }

  startExecuting(jobId: string): void {
    this.append({ t: 'executing', jobId });
  }

  finish(jobId: string, outcome: JobOutcome): void {
    this.append({ t: 'result', jobId, outcome, at: new Date().toISOString() });
  }

  markReported(jobId: string): void {
    const r = this.jobs.get(jobId);
    if (r && !r.reported) this.append({ t: 'reported', jobId });
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
