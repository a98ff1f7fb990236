import { createHash } from 'node:crypto';
import { BUILTIN_PROFILES, type HubJob, type JobKind, type JobPayload, type PrinterProfile } from '@atrium/devices/hub';
import { UnprocessableError, ValidationError, type DeviceJob } from '@atrium/sdk';

/**
 * A client's Idempotency-Key (REST `POST /api/devices/jobs`) is that user's own: two users of a
 * tenant sending the same key get two jobs, never each other's (issue 24). The stored key carries
 * the user, so the hub's unique (tenant, key) index and the agent's inbox both tell them apart;
 * views show the key the client sent. Keys `ctx.devices` derives already name their intent.
 */
const USER_KEY_PREFIX = /^u:[0-9a-f-]{36}:/;
export function userScopedKey(userId: string | null | undefined, key: string): string {
  return `u:${userId ?? '00000000-0000-0000-0000-000000000000'}:${key}`;
}
/** The key as its sender wrote it. */
export function clientKey(stored: string): string {
  return stored.replace(USER_KEY_PREFIX, '');
}
/** SQL for "the stored key, as its sender wrote it" (for filters). */
export const CLIENT_KEY_SQL = `regexp_replace(idempotency_key, '^u:[0-9a-f-]{36}:', '')`;

/** The job as the API, the admin push and `ctx.devices` show it. */
export function jobView(r: HubJob): DeviceJob {
  return {
    id: r.job.jobId,
    state: r.state,
    kind: r.job.kind,
    role: r.meta?.role ?? null,
    terminalId: r.terminalId,
    deviceId: r.job.deviceId,
    idempotencyKey: clientKey(r.job.idempotencyKey),
    outcome: r.outcome ?? null,
    createdAt: r.job.createdAt,
    updatedAt: r.updatedAt,
    expiresAt: r.job.expiresAt ?? null,
  };
}

/** The `kernel.device_job` columns `jobViewFromRow` reads. */
export const JOB_VIEW_COLUMNS = 'id, state, kind, role, store_id, terminal_id, device_id, idempotency_key, outcome, created_at, updated_at, expires_at';

/** Same view from a `kernel.device_job` row read in a request transaction (list/get). */
export function jobViewFromRow(r: any): DeviceJob & { storeId: string | null } {
  return {
    id: r.id,
    state: r.state,
    kind: r.kind,
    role: r.role ?? null,
    storeId: r.store_id ?? null,
    terminalId: r.terminal_id,
    deviceId: r.device_id,
    idempotencyKey: clientKey(r.idempotency_key),
    outcome: r.outcome ?? null,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
    expiresAt: r.expires_at ? new Date(r.expires_at).toISOString() : null,
  };
}

/** Which device kind a job kind needs. */
export const KIND_NEEDS: Record<JobKind, 'printer' | 'display' | 'scale'> = {
  'print-receipt': 'printer', 'print-raw': 'printer', 'open-drawer': 'printer', 'test-page': 'printer',
  display: 'display', 'read-scale': 'scale',
};

/** Kinds that act on the physical world: a client must name the intent with an Idempotency-Key. */
export const NEEDS_IDEMPOTENCY_KEY = new Set<JobKind>(['print-receipt', 'print-raw', 'open-drawer', 'test-page']);

export type SubmitParams = {
  kind: JobKind;
  role?: string;
  storeId?: string;
  terminalId?: string;
  deviceId?: string;
  document?: any;
  base64?: string;
  pin?: 2 | 5;
  lines?: string[];
  ttlSeconds?: number;
};

export const requestHash = (p: SubmitParams) =>
  createHash('sha256').update(JSON.stringify([p.kind, p.role ?? null, p.storeId ?? null, p.terminalId ?? null, p.deviceId ?? null, p.document ?? null, p.base64 ?? null, p.pin ?? null, p.lines ?? null])).digest('hex');

/** Checks the fields each kind needs (the schema can only say what is allowed) and builds the payload. */
export function buildPayload(p: SubmitParams, profile: PrinterProfile | undefined): JobPayload {
  const need = (field: keyof SubmitParams, what: string) => {
    if (p[field] === undefined) throw new ValidationError(`"${field}" is required for ${p.kind} jobs`, [{ field, code: 'requiredForJob', params: { kind: p.kind }, message: `is required: ${what}` }]);
  };
  const forbid = (...fields: (keyof SubmitParams)[]) => {
    for (const f of fields) if (p[f] !== undefined) throw new ValidationError(`"${f}" does not apply to ${p.kind} jobs`, [{ field: f, code: 'notForJob', params: { kind: p.kind }, message: `not allowed for ${p.kind}` }]);
  };
  switch (p.kind) {
    case 'print-receipt':
      need('document', 'the receipt document');
      forbid('base64', 'pin', 'lines');
      return { kind: 'print-receipt', document: p.document, ...(profile ? { profile } : {}) };
    case 'print-raw':
      need('base64', 'the ESC/POS bytes, base64');
      forbid('document', 'pin', 'lines');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(p.base64!)) throw new ValidationError('"base64" is not base64', [{ field: 'base64', code: 'base64', message: 'must be base64' }]);
      return { kind: 'print-raw', base64: p.base64! };
    case 'open-drawer':
      forbid('document', 'base64', 'lines');
      return { kind: 'open-drawer', ...(p.pin ? { pin: p.pin } : {}) };
    case 'display':
      need('lines', 'one or two lines of text');
      forbid('document', 'base64', 'pin');
      return { kind: 'display', lines: p.lines! };
    case 'read-scale':
      forbid('document', 'base64', 'pin', 'lines');
      return { kind: 'read-scale' };
    case 'test-page':
      forbid('document', 'base64', 'pin', 'lines');
      return { kind: 'test-page', ...(profile ? { profile } : {}) };
  }
}

/** A built-in profile with the tenant's overrides (paper width, preferred code page). */
export function effectiveProfile(row: { profile_id: string; paper_width_mm: number | null; code_page: string | null } | undefined): PrinterProfile | undefined {
  if (!row) return undefined;
  const base = BUILTIN_PROFILES[row.profile_id];
  if (!base) throw new UnprocessableError(`Unknown printer profile "${row.profile_id}"`, 'UNKNOWN_PROFILE', { profile: row.profile_id });
  const p: PrinterProfile = structuredClone(base);
  if (row.paper_width_mm && row.paper_width_mm !== p.paperWidthMm) {
    p.paperWidthMm = row.paper_width_mm as 58 | 80;
    p.dotsPerLine = row.paper_width_mm === 58 ? 384 : 576;
    p.columns = row.paper_width_mm === 58 ? 32 : 48;
  }
  if (row.code_page && (p.codePages as Record<string, number | undefined>)[row.code_page] !== undefined) {
    // the chosen page is tried first after plain ASCII; the rest stay as fallbacks
    const cp = row.code_page as PrinterProfile['codePagePreference'][number];
    p.codePagePreference = [...p.codePagePreference.filter((c) => c === 'cp437'), cp, ...p.codePagePreference.filter((c) => c !== 'cp437' && c !== cp)];
  }
  return p;
}
