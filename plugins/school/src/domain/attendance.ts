import { NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { recordActivity } from './activity.ts';
import { cancelInvoice, createInvoice } from './invoices.ts';
import { consumeCredit, grantCredit, loadCredit, restoreCredit, withdrawCredit, type CreditRow } from './makeup-credits.ts';
import { candidatePasses, deductLesson, loadPass, returnLesson, rulesOf, type PassRow, type PassRules } from './pass-ledger.ts';
import type { SchoolSettings } from './settings.ts';
import { iso } from './fields.ts';

/**
 * Attendance: who is in a lesson (the roster) and what a mark does.
 *
 * A mark is attended, excused or unexcused. Whether it costs a lesson follows the rules of the pass
 * that pays (copied from its tariff): coming always does, an unexcused miss does unless the tariff
 * says not, an excused miss does only if the tariff says so — and gives a make-up credit when the
 * tariff allows make-ups. Without a pass, coming (and an unexcused miss) is charged as a visit at
 * the lesson's price, an invoice that becomes a debt. Changing a mark undoes what the old one did
 * (the lesson goes back to the pass, the visit invoice is canceled, the credit withdrawn), so
 * marking the same thing twice changes nothing and marking it back restores the start.
 */

export type Mark = 'attended' | 'excused' | 'unexcused';
export const MARKS: readonly Mark[] = ['attended', 'excused', 'unexcused'];
export type ParticipantKind = 'member' | 'guest' | 'trial' | 'makeup';
export type Participant = { studentId: string; name: string; kind: ParticipantKind; makeupCreditId: string | null };

export type LessonForMark = {
  id: string; kind: string; status: string; group_id: string | null; group_name: string | null; subject_id: string; subject_name: string;
  branch_id: string; starts_at: string; date: string; visit_price: string | null; teacher_user_id: string | null;
  /** Today in the lesson's branch time zone (the day a mark is made on, where the lesson is). */
  today: string;
};

/** Whether a mark costs a lesson under these rules (null: the student has no pass). */
export function shouldCharge(status: Mark, rules: PassRules | null): boolean {
  if (status === 'attended') return true;
  if (status === 'unexcused') return rules ? rules.chargeUnexcused : true;
  return rules ? rules.chargeExcused : false;
}

/** Whether a mark gives a make-up credit: an excused miss of one's own group's lesson, if the tariff allows make-ups. */
export function givesCredit(status: Mark, rules: PassRules | null, participant: ParticipantKind, lessonKind: string): boolean {
  return status === 'excused' && !!rules?.makeups && participant === 'member' && lessonKind === 'group';
}

type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'user' | 'emit'>;

/**
 * The lesson's roster: the group's students enrolled on the lesson's date, those added to the
 * lesson itself (individual lessons, trials, guests, make-ups), and anyone already marked.
 */
export async function rosterOf(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, lesson: { id: string; group_id: string | null; date: string }): Promise<Participant[]> {
  return ctx.sql<Participant>(
    `select distinct on (x.student_id) x.student_id as "studentId", s.name, x.kind, x.makeup_credit_id as "makeupCreditId"
       from (
         select e.student_id, 'member' as kind, null::uuid as makeup_credit_id, 1 as pri from school.enrolment e
          where e.tenant_id = $1::uuid and e.group_id = $3::uuid and e.joined_on <= $4::date and (e.left_on is null or e.left_on > $4::date)
         union all
         select ls.student_id, ls.kind, ls.makeup_credit_id, 0 from school.lesson_student ls where ls.tenant_id = $1::uuid and ls.lesson_id = $2::uuid
         union all
         select a.student_id, 'member', null, 2 from school.attendance a where a.tenant_id = $1::uuid and a.lesson_id = $2::uuid
       ) x join school.student s on s.tenant_id = $1::uuid and s.id = x.student_id
      order by x.student_id, x.pri`,
    [ctx.tenantId, lesson.id, lesson.group_id, lesson.date],
  ).then((rows) => rows.sort((a, b) => a.name.localeCompare(b.name)));
}

export type MarkResult = {
  studentId: string; status: Mark; previous: Mark | null; changed: boolean;
  passId: string | null; lessonsLeft: number | null; invoiceId: string | null; creditId: string | null;
};

type Existing = { status: Mark; pass_id: string | null; invoice_id: string | null; credit_id: string | null };

/**
 * Marks one student of a lesson (the caller has locked the lesson and checked who may mark it).
 * All effects happen in the request's transaction: a refusal (a credit already used) leaves nothing.
 */
export async function markStudent(ctx: Ctx, lesson: LessonForMark, who: Participant, status: Mark, settings: SchoolSettings): Promise<MarkResult> {
  const [prev] = await ctx.sql<Existing>(
    'select status, pass_id, invoice_id, credit_id from school.attendance where tenant_id = $1::uuid and lesson_id = $2::uuid and student_id = $3::uuid for update',
    [ctx.tenantId, lesson.id, who.studentId],
  );
  if (prev?.status === status) {
    return { studentId: who.studentId, status, previous: status, changed: false, passId: prev.pass_id, lessonsLeft: null, invoiceId: prev.invoice_id, creditId: prev.credit_id };
  }
  const credit: CreditRow | null = who.kind === 'makeup' && who.makeupCreditId ? await loadCredit(ctx, who.makeupCreditId, true) : null;
  const scope = { studentId: who.studentId, date: lesson.date, subjectId: lesson.subject_id, groupId: lesson.group_id, absence: status !== 'attended' };
  // the pass whose rules decide: the one already charged, the make-up credit's, else the one that would pay
  let rulesPass: PassRow | null = null;
  if (prev?.pass_id) rulesPass = await loadPass(ctx, prev.pass_id);
  else if (credit) rulesPass = await loadPass(ctx, credit.pass_id);
  else if (who.kind !== 'trial') rulesPass = (await candidatePasses(ctx, scope))[0] ?? null;
  const rules = rulesPass ? rulesOf(rulesPass) : null;
  const charge = credit?.prepaid ? false : who.kind === 'trial' ? status === 'attended' : shouldCharge(status, rules);

  let creditId = prev?.credit_id ?? null;
  const wantsCredit = givesCredit(status, rules, who.kind, lesson.kind);
  // first what can refuse, so a refusal leaves nothing half done
  if (creditId && !wantsCredit) {
    await withdrawCredit(ctx, creditId);
    creditId = null;
  }

  let passId = prev?.pass_id ?? null;
  let left: number | null = null;
  let chargedPass: PassRow | null = passId ? rulesPass : null;
  if (passId && !charge) {
    left = await returnLesson(ctx, passId, lesson.id, `marked ${status}`);
    passId = null;
    chargedPass = null;
  }
  if (!passId && charge && who.kind !== 'trial') {
    const d = await deductLesson(ctx, { ...scope, lessonId: lesson.id, preferPassId: credit?.pass_id ?? null });
    if (d) {
      passId = d.passId;
      left = d.left;
      chargedPass = d.pass;
    }
  }

  let invoiceId = prev?.invoice_id ?? null;
  const visitPrice = lesson.visit_price === null ? 0 : Number(lesson.visit_price);
  if (invoiceId && (!charge || passId)) {
    await cancelInvoice(ctx, invoiceId, `attendance changed to ${status}`);
    invoiceId = null;
  }
  if (charge && !passId && !invoiceId && visitPrice > 0) {
    const inv = await createInvoice(ctx, {
      studentId: who.studentId, currency: settings.currency, issuedOn: lesson.date, dueDays: settings.invoiceDueDays, source: 'visit', lessonId: lesson.id,
      lines: [{ description: `${lesson.group_name ?? lesson.subject_name} · ${lesson.date}`, unitPrice: visitPrice }],
    });
    invoiceId = inv.id;
  }

  if (wantsCredit && !creditId) {
    const from = chargedPass ?? rulesPass;
    if (from) {
      creditId = await grantCredit(ctx, { studentId: who.studentId, passId: from.id, subjectId: lesson.subject_id, lessonId: lesson.id, groupId: lesson.group_id, expiresOn: from.valid_until, prepaid: !!passId });
    }
  }
  if (credit) {
    if (status === 'excused') await restoreCredit(ctx, credit.id, lesson.id);
    else await consumeCredit(ctx, credit.id, lesson.id);
  }

  await ctx.sql(
    `insert into school.attendance (tenant_id, lesson_id, student_id, status, pass_id, invoice_id, credit_id, marked_by)
     values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::uuid, $6::uuid, $7::uuid, $8::uuid)
     on conflict (tenant_id, lesson_id, student_id) do update set status = excluded.status, pass_id = excluded.pass_id, invoice_id = excluded.invoice_id,
       credit_id = excluded.credit_id, marked_by = excluded.marked_by, marked_at = now(), version = school.attendance.version + 1`,
    [ctx.tenantId, lesson.id, who.studentId, status, passId, invoiceId, creditId, ctx.user?.id ?? null],
  );
  const result: MarkResult = { studentId: who.studentId, status, previous: prev?.status ?? null, changed: true, passId, lessonsLeft: left, invoiceId, creditId };
  await recordActivity(ctx, { studentId: who.studentId }, 'attendance.marked', { lessonId: lesson.id, status, previous: result.previous, passId, lessonsLeft: left, groupName: lesson.group_name, subjectName: lesson.subject_name, startsAt: lesson.starts_at });
  await ctx.emit('school.attendance.marked.v1', {
    lessonId: lesson.id, studentId: who.studentId, status, previous: result.previous, passId, lessonsLeft: left, invoiceId, creditId, groupId: lesson.group_id, startsAt: lesson.starts_at,
  });
  if (passId && left !== null && left <= settings.passLowLessons && !prev?.pass_id && chargedPass) {
    await ctx.emit('school.pass.low.v1', { passId, studentId: who.studentId, lessonsLeft: left, validUntil: chargedPass.valid_until, name: chargedPass.name });
  }
  return result;
}

/** The one roster entry of a student, or 422 when the student is not in the lesson. */
export function participantOf(roster: Participant[], studentId: string, field: string): Participant {
  const p = roster.find((r) => r.studentId === studentId);
  if (!p) throw new UnprocessableError('The student is not in this lesson', 'NOT_IN_LESSON', { field, studentId });
  return p;
}

/** The lesson as marking needs it, with its date in its branch's time zone; locked for the marks. */
export async function lessonForMark(ctx: Pick<RequestContext, 'sql' | 'tenantId' | 'rulesSql'>, id: string, tenantZone: string, action: 'mark' | 'read'): Promise<LessonForMark> {
  const rule = ctx.rulesSql(action, 'school.Lesson', { alias: 'l', firstParam: 4 });
  const [l] = await ctx.sql<LessonForMark>(
    `select l.id, l.kind, l.status, l.group_id, g.name as group_name, l.subject_id, s.name as subject_name, l.branch_id, ${iso('l.starts_at')} as starts_at, l.teacher_user_id,
            to_char((l.starts_at at time zone coalesce(b.time_zone, $3::text))::date, 'YYYY-MM-DD') as date, coalesce(l.visit_price, g.visit_price) as visit_price,
            to_char((now() at time zone coalesce(b.time_zone, $3::text))::date, 'YYYY-MM-DD') as today
       from school.lesson l
       join school.subject s on s.tenant_id = l.tenant_id and s.id = l.subject_id
       join school.branch b on b.tenant_id = l.tenant_id and b.id = l.branch_id
       left join school.study_group g on g.tenant_id = l.tenant_id and g.id = l.group_id
      where l.tenant_id = $1::uuid and l.id = $2::uuid and ${rule.sql}
      ${action === 'mark' ? 'for update of l' : ''}`,
    [ctx.tenantId, id, tenantZone, ...rule.params],
  );
  if (!l) throw new NotFoundError('Lesson not found', { subject: 'school.Lesson', id });
  return l;
}

/**
 * Takes a mark back as if it was never made: the lesson goes back to its pass, a visit invoice is
 * canceled, the make-up credit of an excused miss is withdrawn (refused if already booked or used),
 * a consumed make-up credit is booked again.
 */
export async function clearMark(ctx: Ctx, lesson: LessonForMark, who: Participant): Promise<boolean> {
  const [prev] = await ctx.sql<Existing>(
    'select status, pass_id, invoice_id, credit_id from school.attendance where tenant_id = $1::uuid and lesson_id = $2::uuid and student_id = $3::uuid for update',
    [ctx.tenantId, lesson.id, who.studentId],
  );
  if (!prev) return false;
  if (prev.credit_id) await withdrawCredit(ctx, prev.credit_id);
  if (prev.pass_id) await returnLesson(ctx, prev.pass_id, lesson.id, 'mark cleared');
  if (prev.invoice_id) await cancelInvoice(ctx, prev.invoice_id, 'attendance mark cleared');
  if (who.kind === 'makeup' && who.makeupCreditId) await restoreCredit(ctx, who.makeupCreditId, lesson.id);
  await ctx.sql('delete from school.attendance where tenant_id = $1::uuid and lesson_id = $2::uuid and student_id = $3::uuid', [ctx.tenantId, lesson.id, who.studentId]);
  await recordActivity(ctx, { studentId: who.studentId }, 'attendance.cleared', { lessonId: lesson.id, previous: prev.status });
  await ctx.emit('school.attendance.marked.v1', { lessonId: lesson.id, studentId: who.studentId, status: null, previous: prev.status, passId: null, lessonsLeft: null, invoiceId: null, creditId: null, groupId: lesson.group_id, startsAt: lesson.starts_at });
  return true;
}
