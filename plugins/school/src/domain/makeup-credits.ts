import crypto from 'node:crypto';
import { ConflictError, NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';

/**
 * Make-up credits: an excused miss of a group lesson (when the pass's tariff allows make-ups)
 * becomes a credit to attend another lesson of the same subject before the pass ends.
 *
 * open → booked (a seat in a lesson: a `lesson_student` row of kind `makeup`) → used (the student
 * came, or did not and lost it). Each step is a guarded update on the credit's status, and the
 * booking's row is unique per credit, so two people booking the same credit at once get one
 * booking and a 409; a credit is consumed exactly once.
 */

type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'user'>;

export type CreditRow = {
  id: string; student_id: string; pass_id: string; subject_id: string | null; source_lesson_id: string; source_group_id: string | null;
  status: string; prepaid: boolean; expires_on: string; booked_lesson_id: string | null;
};
const CREDIT_COLUMNS = `id, student_id, pass_id, subject_id, source_lesson_id, source_group_id, status, prepaid, to_char(expires_on, 'YYYY-MM-DD') as expires_on, booked_lesson_id`;

export async function loadCredit(ctx: Ctx, id: string, lock = false): Promise<CreditRow> {
  const [c] = await ctx.sql<CreditRow>(`select ${CREDIT_COLUMNS} from school.makeup_credit where tenant_id = $1::uuid and id = $2::uuid${lock ? ' for update' : ''}`, [ctx.tenantId, id]);
  if (!c) throw new NotFoundError('Make-up credit not found', { subject: 'school.Pass', id });
  return c;
}

/** The credit an excused miss gives (one per missed lesson; an existing one is answered again). */
export async function grantCredit(ctx: Ctx, c: { studentId: string; passId: string; subjectId: string | null; lessonId: string; groupId: string | null; expiresOn: string; prepaid: boolean }): Promise<string> {
  const [row] = await ctx.sql<{ id: string; status: string }>(
    `insert into school.makeup_credit (tenant_id, id, student_id, pass_id, subject_id, source_lesson_id, source_group_id, prepaid, expires_on)
     values ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::uuid, $7::uuid, $8::bool, $9::date)
     on conflict (tenant_id, source_lesson_id, student_id) do update set status = case when school.makeup_credit.status = 'canceled' then 'open' else school.makeup_credit.status end,
       pass_id = excluded.pass_id, prepaid = excluded.prepaid, expires_on = excluded.expires_on, updated_at = now()
     returning id, status`,
    [ctx.tenantId, crypto.randomUUID(), c.studentId, c.passId, c.subjectId, c.lessonId, c.groupId, c.prepaid, c.expiresOn],
  );
  return row!.id;
}

/** Takes back an unused credit (the miss was re-marked); a booked or used one cannot be. */
export async function withdrawCredit(ctx: Ctx, creditId: string): Promise<void> {
  const c = await loadCredit(ctx, creditId, true);
  if (c.status === 'booked' || c.status === 'used') {
    throw new ConflictError('The make-up credit of this miss is already booked or used: unbook it first', 'CREDIT_IN_USE', { creditId, status: c.status, lessonId: c.booked_lesson_id });
  }
  await ctx.sql(`update school.makeup_credit set status = 'canceled', updated_at = now() where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, creditId]);
}

/**
 * Books an open credit into a lesson: open → booked, guarded, and the student's seat in the lesson.
 * The caller has checked the lesson (subject, date, capacity).
 */
export async function bookCredit(ctx: Ctx, creditId: string, lesson: { id: string; date: string }): Promise<void> {
  const rows = await ctx.sql(
    `update school.makeup_credit set status = 'booked', booked_lesson_id = $3::uuid, updated_at = now()
      where tenant_id = $1::uuid and id = $2::uuid and status = 'open' and expires_on >= $4::date returning id`,
    [ctx.tenantId, creditId, lesson.id, lesson.date],
  );
  if (!rows.length) {
    const c = await loadCredit(ctx, creditId);
    if (c.status === 'open') throw new UnprocessableError(`The make-up credit is valid until ${c.expires_on}`, 'CREDIT_EXPIRES_BEFORE_LESSON', { expiresOn: c.expires_on, field: 'lessonId' });
    throw new ConflictError(`The make-up credit is ${c.status}`, 'CREDIT_NOT_AVAILABLE', { status: c.status, lessonId: c.booked_lesson_id });
  }
  const [c] = await ctx.sql<{ student_id: string }>('select student_id from school.makeup_credit where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, creditId]);
  await ctx.sql(
    `insert into school.lesson_student (tenant_id, lesson_id, student_id, kind, makeup_credit_id, added_by) values ($1::uuid, $2::uuid, $3::uuid, 'makeup', $4::uuid, $5::uuid)`,
    [ctx.tenantId, lesson.id, c!.student_id, creditId, ctx.user?.id ?? null],
  );
}

/** Frees a booked credit (the seat is given up before the lesson): booked → open. */
export async function unbookCredit(ctx: Ctx, creditId: string): Promise<void> {
  const c = await loadCredit(ctx, creditId, true);
  if (c.status !== 'booked') throw new ConflictError(`The make-up credit is ${c.status}`, 'CREDIT_NOT_BOOKED', { status: c.status });
  const [marked] = await ctx.sql('select 1 from school.attendance where tenant_id = $1::uuid and lesson_id = $2::uuid and student_id = $3::uuid', [ctx.tenantId, c.booked_lesson_id, c.student_id]);
  if (marked) throw new ConflictError('The make-up lesson is already marked', 'CREDIT_ALREADY_MARKED', { lessonId: c.booked_lesson_id });
  await ctx.sql('delete from school.lesson_student where tenant_id = $1::uuid and lesson_id = $2::uuid and makeup_credit_id = $3::uuid', [ctx.tenantId, c.booked_lesson_id, creditId]);
  await ctx.sql(`update school.makeup_credit set status = 'open', booked_lesson_id = null, updated_at = now() where tenant_id = $1::uuid and id = $2::uuid`, [ctx.tenantId, creditId]);
}

/** Consumes a booked credit in its lesson (booked → used); false when it was no longer booked there. */
export async function consumeCredit(ctx: Ctx, creditId: string, lessonId: string): Promise<boolean> {
  const rows = await ctx.sql(
    `update school.makeup_credit set status = 'used', used_at = now(), updated_at = now()
      where tenant_id = $1::uuid and id = $2::uuid and status = 'booked' and booked_lesson_id = $3::uuid returning id`,
    [ctx.tenantId, creditId, lessonId],
  );
  return rows.length === 1;
}

/** A mark of a make-up lesson taken back: used → booked again. */
export async function restoreCredit(ctx: Ctx, creditId: string, lessonId: string): Promise<void> {
  await ctx.sql(
    `update school.makeup_credit set status = 'booked', used_at = null, updated_at = now() where tenant_id = $1::uuid and id = $2::uuid and status = 'used' and booked_lesson_id = $3::uuid`,
    [ctx.tenantId, creditId, lessonId],
  );
}
