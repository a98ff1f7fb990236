import { createHash } from 'node:crypto';
import type { EnrollmentCode, HubJob, HubJobState, JobHubStorage, JobOutcome, TerminalRecord } from '@atrium/devices/hub';
import type { Database } from '../db/database.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const FINAL: HubJobState[] = ['done', 'failed', 'unknown', 'expired'];

/** A Postgres array literal for `?::text[]` (the ORM's `execute` would expand a JS array into a list). */
export function pgTextArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (m) => `\\${m}`)}"`).join(',')}}`;
}

/** Columns every job read selects, mapped by `toHubJob`. */
export const JOB_COLUMNS = `tenant_id, id, terminal_id, state, job, outcome, updated_at, role, store_id, created_by, request_hash`;

export function toHubJob(r: any): HubJob {
  const meta: HubJob['meta'] = {};
  if (r.role) meta.role = r.role;
  if (r.store_id) meta.storeId = r.store_id;
  if (r.created_by) meta.createdBy = r.created_by;
  if (r.request_hash) meta.requestHash = r.request_hash;
  return {
    job: typeof r.job === 'string' ? JSON.parse(r.job) : r.job,
    tenantId: r.tenant_id,
    terminalId: r.terminal_id,
    state: r.state,
    ...(r.outcome ? { outcome: typeof r.outcome === 'string' ? JSON.parse(r.outcome) : r.outcome } : {}),
    updatedAt: new Date(r.updated_at).toISOString(),
    meta,
  };
}

/**
 * The JobHub's storage on Postgres. Every job/terminal write runs in its own short transaction under
 * the owning tenant's RLS setting (app role, `app.tenant_id`), so a bug in the hub cannot touch another
 * tenant's rows. Only the two lookups that happen before a tenant is known use the BYPASSRLS system
 * pool: an agent's hello (terminal by id, then the token hash is compared) and enrolment (code hash,
 * deleted in the same statement: single use).
 *
 * Transitions are compare-and-set (`where state = any(from)`), so a late or duplicated agent message
 * can never move a finished job, and the unique (tenant_id, idempotency_key) index makes a retried
 * intent return the first job.
 */
export class PgHubStorage implements JobHubStorage {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  private tx<T = any[]>(tenantId: string, fn: (em: any) => Promise<T>): Promise<T> {
    return this.db.transaction({ tenantId }, fn);
  }

  async insertJob(row: HubJob): Promise<{ row: HubJob; created: boolean }> {
    const j = row.job;
    return this.tx(row.tenantId, async (em) => {
      const inserted = await em.execute(
        `insert into kernel.device_job (tenant_id, id, idempotency_key, request_hash, kind, terminal_id, device_id, role, store_id, job, state, created_by, created_at, updated_at, expires_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (tenant_id, idempotency_key) do nothing returning ${JOB_COLUMNS}`,
        [row.tenantId, j.jobId, j.idempotencyKey, row.meta?.requestHash ?? null, j.kind, row.terminalId, j.deviceId, row.meta?.role ?? null, row.meta?.storeId ?? null,
          JSON.stringify(j), row.state, row.meta?.createdBy ?? null, j.createdAt, row.updatedAt, j.expiresAt ?? null],
      );
      if (inserted.length) return { row: toHubJob(inserted[0]), created: true };
      const [existing] = await em.execute(`select ${JOB_COLUMNS} from kernel.device_job where tenant_id = ? and idempotency_key = ?`, [row.tenantId, j.idempotencyKey]);
      return { row: toHubJob(existing), created: false };
    });
  }

  async getJob(tenantId: string, jobId: string): Promise<HubJob | undefined> {
    const [r] = await this.tx(tenantId, (em) => em.execute(`select ${JOB_COLUMNS} from kernel.device_job where tenant_id = ? and id = ?`, [tenantId, jobId]));
    return r ? toHubJob(r) : undefined;
  }

  async listUndelivered(tenantId: string, terminalId: string): Promise<HubJob[]> {
    const rows = await this.tx(tenantId, (em) => em.execute(
      `select ${JOB_COLUMNS} from kernel.device_job where tenant_id = ? and terminal_id = ? and state in ('queued', 'dispatched') order by created_at, id`,
      [tenantId, terminalId],
    ));
    return rows.map(toHubJob);
  }

  async transition(tenantId: string, jobId: string, from: HubJobState[], to: HubJobState, outcome?: JobOutcome): Promise<boolean> {
    const rows = await this.tx(tenantId, (em) => em.execute(
      `update kernel.device_job set state = ?, outcome = coalesce(?::jsonb, outcome), reason = coalesce(?, reason), updated_at = now(),
         finished_at = case when ? then now() else finished_at end
       where tenant_id = ? and id = ? and state = any(?::text[]) returning 1 as ok`,
      [to, outcome ? JSON.stringify(outcome) : null, outcome?.reason ?? null, FINAL.includes(to), tenantId, jobId, pgTextArray(from)],
    ));
    return rows.length > 0;
  }

  /** System pool: the agent's hello names only its terminal id. */
  async getTerminal(terminalId: string): Promise<TerminalRecord | undefined> {
    const [r] = await this.db.systemQuery(
      'select tenant_id, id, store_id, name, token_hash, revoked_at from kernel.terminal where id = $1',
      [terminalId],
    );
    return r ? { terminalId: r.id, tenantId: r.tenant_id, storeId: r.store_id, name: r.name, tokenHash: r.token_hash, revoked: !!r.revoked_at } : undefined;
  }

  /** Upsert under the terminal's tenant. A revoked terminal stays revoked whatever is saved later. */
  async saveTerminal(t: TerminalRecord): Promise<void> {
    await this.tx(t.tenantId, (em) => em.execute(
      `insert into kernel.terminal (tenant_id, id, store_id, name, token_hash, revoked_at) values (?, ?, ?, ?, ?, case when ? then now() end)
       on conflict (tenant_id, id) do update set name = excluded.name, token_hash = excluded.token_hash,
         revoked_at = coalesce(kernel.terminal.revoked_at, excluded.revoked_at)`,
      [t.tenantId, t.terminalId, t.storeId, t.name, t.tokenHash, t.revoked],
    ));
  }

  /** Only the sha256 of the code is stored. */
  async saveEnrollmentCode(c: EnrollmentCode): Promise<void> {
    await this.tx(c.tenantId, (em) => em.execute(
      'insert into kernel.enrollment_code (tenant_id, code_hash, store_id, expires_at) values (?, ?, ?, ?)',
      [c.tenantId, sha256(c.code), c.storeId, c.expiresAt],
    ));
  }

  /** System pool: the code is all an enrolling agent has. Deleted in the same statement: single use. */
  async consumeEnrollmentCode(code: string): Promise<EnrollmentCode | undefined> {
    const [r] = await this.db.systemQuery(
      'delete from kernel.enrollment_code where code_hash = $1 returning tenant_id, store_id, expires_at',
      [sha256(code)],
    );
    return r ? { code, tenantId: r.tenant_id, storeId: r.store_id, expiresAt: new Date(r.expires_at).toISOString() } : undefined;
  }
}
