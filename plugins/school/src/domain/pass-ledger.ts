import crypto from 'node:crypto';
import { ConflictError, NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { daysBetween } from './settings.ts';

/**
 * The only code that changes a pass: lessons taken and given back, freezes, expiry, cancellation —
 * each a guarded update of `school.pass` plus a `school.pass_ledger` row in the same transaction.
 *
 * Taking a lesson is `lessons_used = lessons_used + 1 … where lessons_used < lessons_total and the
 * date is inside the validity`: concurrent marks on one pass queue on its row and each re-checks
 * the guard after the one before it committed, so a pass can never give more lessons than it has.
 */

type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'user'>;

export type PassRules = { chargeUnexcused: boolean; chargeExcused: boolean; makeups: boolean };
export type PassRow = {
  id: string; student_id: string; name: string; subject_id: string | null; group_id: string | null; lessons_total: number; lessons_used: number;
  valid_from: string; valid_until: string; status: string; charge_unexcused: boolean; charge_excused: boolean; makeups: boolean;
  max_freeze_days: number; frozen_days: number; price: string; currency: string; invoice_id: string | null; version: number;
};

export const PASS_COLUMNS = `p.id, p.student_id, p.name, p.subject_id, p.group_id, p.lessons_total, p.lessons_used, to_char(p.valid_from, 'YYYY-MM-DD') as valid_from,
  to_char(p.valid_until, 'YYYY-MM-DD') as valid_until, p.status, p.charge_unexcused, p.charge_excused, p.makeups, p.max_freeze_days, p.frozen_days, p.price, p.currency, p.invoice_id, p.version`;

export const rulesOf = (p: Pick<PassRow, 'charge_unexcused' | 'charge_excused' | 'makeups'>): PassRules => ({ chargeUnexcused: p.charge_unexcused, chargeExcused: p.charge_excused, makeups: p.makeups });

async function ledger(ctx: Ctx, pass: { id: string; student_id: string }, kind: string, entry: { lessons?: number; days?: number; usedAfter: number; validUntilAfter: string; lessonId?: string | null; refId?: string | null; note?: string | null }) {
  await ctx.sql(
    `insert into school.pass_ledger (tenant_id, pass_id, student_id, kind, lessons, days, used_after, valid_until_after, lesson_id, ref_id, note, user_id)
     values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::int, $6::int, $7::int, $8::date, $9::uuid, $10::uuid, $11::text, $12::uuid)`,
    [ctx.tenantId, pass.id, pass.student_id, kind, entry.lessons ?? 0, entry.days ?? 0, entry.usedAfter, entry.validUntilAfter, entry.lessonId ?? null, entry.refId ?? null, entry.note ?? null, ctx.user?.id ?? null],
  );
}

export async function loadPass(ctx: Ctx, id: string, lock = false): Promise<PassRow> {
  const [p] = await ctx.sql<PassRow>(`select ${PASS_COLUMNS} from school.pass p where p.tenant_id = $1::uuid and p.id = $2::uuid${lock ? ' for update' : ''}`, [ctx.tenantId, id]);
  if (!p) throw new NotFoundError('Pass not found', { subject: 'school.Pass', id });
  return p;
}

export type IssueInput = {
  studentId: string; name: string; tariffId: string | null; subjectId: string | null; groupId: string | null; lessons: number; validFrom: string; validUntil: string;
  price: number; currency: string; rules: PassRules; maxFreezeDays: number; invoiceId?: string | null; id?: string;
};

export async function issuePass(ctx: Ctx, i: IssueInput): Promise<string> {
  const id = i.id ?? crypto.randomUUID();
  await ctx.sql(
    `insert into school.pass (tenant_id, id, student_id, tariff_id, name, subject_id, group_id, lessons_total, valid_from, valid_until, price, currency, invoice_id,
       charge_unexcused, charge_excused, makeups, max_freeze_days, created_by)
     values ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::text, $6::uuid, $7::uuid, $8::int, $9::date, $10::date, $11::bigint, $12::text, $13::uuid, $14::bool, $15::bool, $16::bool, $17::int, $18::uuid)`,
    [ctx.tenantId, id, i.studentId, i.tariffId, i.name, i.subjectId, i.groupId, i.lessons, i.validFrom, i.validUntil, i.price, i.currency, i.invoiceId ?? null,
      i.rules.chargeUnexcused, i.rules.chargeExcused, i.rules.makeups, i.maxFreezeDays, ctx.user?.id ?? null],
  );
  await ledger(ctx, { id, student_id: i.studentId }, 'issue', { lessons: i.lessons, usedAfter: 0, validUntilAfter: i.validUntil });
  return id;
}

export type LessonScope = { studentId: string; date: string; subjectId: string | null; groupId: string | null; absence?: boolean };

/**
 * The passes that could pay for a lesson, the best first: active, valid on the date, lessons left,
 * covering the lesson (its group, else its subject, else anything); the most specific and the one
 * expiring soonest first. An absence is never charged to a pass frozen on that day.
 */
export async function candidatePasses(ctx: Ctx, s: LessonScope): Promise<PassRow[]> {
  return ctx.sql<PassRow>(
    `select ${PASS_COLUMNS} from school.pass p
      where p.tenant_id = $1::uuid and p.student_id = $2::uuid and p.status = 'active'
        and p.valid_from <= $3::date and p.valid_until >= $3::date and p.lessons_used < p.lessons_total
        and (p.group_id is null or p.group_id = $5::uuid) and (p.subject_id is null or p.subject_id = $4::uuid)
        and not ($6::bool and exists (select 1 from school.pass_freeze f where f.tenant_id = p.tenant_id and f.pass_id = p.id and $3::date between f.starts_on and f.ends_on))
      order by (p.group_id is null), (p.subject_id is null), p.valid_until, p.created_at, p.id`,
    [ctx.tenantId, s.studentId, s.date, s.subjectId, s.groupId, !!s.absence],
  );
}

/**
 * Takes one lesson from `passId` if it still has one and is valid on `date`. Answers the lessons
 * left, or null when the guard refused (another mark took the last lesson meanwhile).
 */
export async function takeLesson(ctx: Ctx, passId: string, date: string, lessonId: string): Promise<{ left: number; pass: PassRow } | null> {
  const [row] = await ctx.sql<{ student_id: string; lessons_used: number; lessons_total: number; valid_until: string }>(
    `update school.pass set lessons_used = lessons_used + 1, updated_at = now(), version = version + 1
      where tenant_id = $1::uuid and id = $2::uuid and status = 'active' and lessons_used < lessons_total and valid_from <= $3::date and valid_until >= $3::date
      returning student_id, lessons_used, lessons_total, to_char(valid_until, 'YYYY-MM-DD') as valid_until`,
    [ctx.tenantId, passId, date],
  );
  if (!row) return null;
  await ledger(ctx, { id: passId, student_id: row.student_id }, 'deduct', { lessons: -1, usedAfter: row.lessons_used, validUntilAfter: row.valid_until, lessonId });
  return { left: row.lessons_total - row.lessons_used, pass: await loadPass(ctx, passId) };
}

/** Takes a lesson from the best pass that has one (trying the next when one runs out meanwhile). */
export async function deductLesson(ctx: Ctx, s: LessonScope & { lessonId: string; preferPassId?: string | null }): Promise<{ passId: string; left: number; pass: PassRow } | null> {
  if (s.preferPassId) {
    const r = await takeLesson(ctx, s.preferPassId, s.date, s.lessonId);
    if (r) return { passId: s.preferPassId, ...r };
  }
  for (const p of await candidatePasses(ctx, s)) {
    if (p.id === s.preferPassId) continue;
    const r = await takeLesson(ctx, p.id, s.date, s.lessonId);
    if (r) return { passId: p.id, ...r };
  }
  return null;
}

/** Gives a lesson back to the pass it was taken from (a mark changed to a free absence). */
export async function returnLesson(ctx: Ctx, passId: string, lessonId: string, note?: string): Promise<number> {
  const [row] = await ctx.sql<{ student_id: string; lessons_used: number; lessons_total: number; valid_until: string }>(
    `update school.pass set lessons_used = lessons_used - 1, updated_at = now(), version = version + 1
      where tenant_id = $1::uuid and id = $2::uuid and lessons_used > 0
      returning student_id, lessons_used, lessons_total, to_char(valid_until, 'YYYY-MM-DD') as valid_until`,
    [ctx.tenantId, passId],
  );
  if (!row) throw new ConflictError('The pass has no lesson to give back', 'PASS_NOTHING_TO_RETURN', { passId });
  await ledger(ctx, { id: passId, student_id: row.student_id }, 'return', { lessons: 1, usedAfter: row.lessons_used, validUntilAfter: row.valid_until, lessonId, note });
  return row.lessons_total - row.lessons_used;
}

/**
 * Freezes a pass for [from, to]: the days are added to its validity (up to the tariff's limit);
 * absences on those days are not charged. Two freezes of one pass may not overlap (exclusion
 * constraint `pass_freeze_overlap`).
 */
export async function freezePass(ctx: Ctx, passId: string, from: string, to: string, reason: string | null): Promise<{ freezeId: string; validUntil: string; frozenDays: number }> {
  const p = await loadPass(ctx, passId, true);
  if (p.status !== 'active') throw new UnprocessableError(`A ${p.status} pass cannot be frozen`, 'PASS_NOT_ACTIVE', { status: p.status });
  if (to < from) throw new UnprocessableError('The freeze ends before it starts', 'FREEZE_RANGE', { field: 'to' });
  if (from < p.valid_from || from > p.valid_until) throw new UnprocessableError('A freeze must start while the pass is valid', 'FREEZE_OUTSIDE_VALIDITY', { field: 'from', validFrom: p.valid_from, validUntil: p.valid_until });
  const days = daysBetween(from, to) + 1;
  if (p.frozen_days + days > p.max_freeze_days) {
    throw new UnprocessableError(`This pass may be frozen for ${p.max_freeze_days} days in all; ${p.max_freeze_days - p.frozen_days} are left`, 'FREEZE_LIMIT', { field: 'to', maxDays: p.max_freeze_days, leftDays: p.max_freeze_days - p.frozen_days, requested: days });
  }
  const freezeId = crypto.randomUUID();
  await ctx.sql('savepoint school_freeze');
  try {
    await ctx.sql(
      'insert into school.pass_freeze (tenant_id, id, pass_id, starts_on, ends_on, reason, created_by) values ($1::uuid, $2::uuid, $3::uuid, $4::date, $5::date, $6::text, $7::uuid)',
      [ctx.tenantId, freezeId, passId, from, to, reason, ctx.user?.id ?? null],
    );
    await ctx.sql('release savepoint school_freeze');
  } catch (e) {
    await ctx.sql('rollback to savepoint school_freeze');
    if ((e as { code?: string }).code === '23P01') throw new ConflictError('The pass is already frozen on some of these days', 'FREEZE_OVERLAP', { field: 'from' });
    throw e;
  }
  const [row] = await ctx.sql<{ valid_until: string; frozen_days: number; lessons_used: number }>(
    `update school.pass set valid_until = valid_until + $3::int, frozen_days = frozen_days + $3::int, updated_at = now(), version = version + 1
      where tenant_id = $1::uuid and id = $2::uuid returning to_char(valid_until, 'YYYY-MM-DD') as valid_until, frozen_days, lessons_used`,
    [ctx.tenantId, passId, days],
  );
  await ledger(ctx, p, 'freeze', { days, usedAfter: row!.lessons_used, validUntilAfter: row!.valid_until, refId: freezeId, note: reason });
  // open make-up credits of this pass live as long as the pass
  await ctx.sql(`update school.makeup_credit set expires_on = $3::date, updated_at = now() where tenant_id = $1::uuid and pass_id = $2::uuid and status in ('open', 'booked')`, [ctx.tenantId, passId, row!.valid_until]);
  return { freezeId, validUntil: row!.valid_until, frozenDays: row!.frozen_days };
}

/** Ends a pass early (a refund, a mistake): no more lessons are taken from it. */
export async function cancelPass(ctx: Ctx, passId: string, reason: string | null): Promise<PassRow> {
  const p = await loadPass(ctx, passId, true);
  if (p.status === 'canceled') return p;
  await ctx.sql(`update school.pass set status = 'canceled', updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, passId]);
  await ledger(ctx, p, 'cancel', { lessons: -(p.lessons_total - p.lessons_used), usedAfter: p.lessons_used, validUntilAfter: p.valid_until, note: reason });
  await ctx.sql(`update school.makeup_credit set status = 'canceled', updated_at = now() where tenant_id = $1::uuid and pass_id = $2::uuid and status = 'open'`, [ctx.tenantId, passId]);
  return { ...p, status: 'canceled' };
}

/**
 * Passes whose last valid day is before `today` expire; the lessons they still had are burned (a
 * ledger row says how many). Open make-up credits past their date expire too. Answers the counts.
 */
export async function expirePasses(ctx: Ctx, today: string): Promise<{ passes: number; credits: number }> {
  const rows = await ctx.sql<{ id: string; student_id: string; left: number; lessons_used: number; valid_until: string }>(
    `update school.pass set status = 'expired', updated_at = now(), version = version + 1
      where tenant_id = $1::uuid and status = 'active' and valid_until < $2::date
      returning id, student_id, lessons_total - lessons_used as left, lessons_used, to_char(valid_until, 'YYYY-MM-DD') as valid_until`,
    [ctx.tenantId, today],
  );
  for (const r of rows) await ledger(ctx, r, 'expire', { lessons: -r.left, usedAfter: r.lessons_used, validUntilAfter: r.valid_until });
  const credits = await ctx.sql(
    `update school.makeup_credit set status = 'expired', updated_at = now() where tenant_id = $1::uuid and status = 'open' and expires_on < $2::date returning id`,
    [ctx.tenantId, today],
  );
  return { passes: rows.length, credits: credits.length };
}

/** Sets how many lessons of a pass were used elsewhere (an import): one `adjust` row for the difference. */
export async function adjustUsed(ctx: Ctx, passId: string, used: number, note: string): Promise<void> {
  const [row] = await ctx.sql<{ student_id: string; before: number; lessons_used: number; valid_until: string }>(
    `update school.pass p set lessons_used = least($3::int, lessons_total), updated_at = now(), version = version + 1
       from (select lessons_used as before from school.pass where tenant_id = $1::uuid and id = $2::uuid) b
      where p.tenant_id = $1::uuid and p.id = $2::uuid
      returning p.student_id, b.before, p.lessons_used, to_char(p.valid_until, 'YYYY-MM-DD') as valid_until`,
    [ctx.tenantId, passId, used],
  );
  if (row && row.lessons_used !== row.before) {
    await ledger(ctx, { id: passId, student_id: row.student_id }, 'adjust', { lessons: row.before - row.lessons_used, usedAfter: row.lessons_used, validUntilAfter: row.valid_until, note });
  }
}
