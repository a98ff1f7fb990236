import { ConflictError, defineAction, defineService, listPage, Paging, sqlWhere, Type, UnprocessableError } from '@atrium/sdk';
import { recordActivity } from '../domain/activity.ts';
import { rosterOf } from '../domain/attendance.ts';
import { discountOf } from '../domain/discounts.ts';
import { Id, iso, IsoDate, PositiveMinor } from '../domain/fields.ts';
import { cancelInvoice, createInvoice } from '../domain/invoices.ts';
import { lessonFor, requireSeat } from '../domain/lessons.ts';
import { bookCredit, loadCredit, unbookCredit } from '../domain/makeup-credits.ts';
import { cancelPass, freezePass, issuePass, loadPass, PASS_COLUMNS } from '../domain/pass-ledger.ts';
import { recordPayment } from '../domain/payments.ts';
import { requireRef } from '../domain/records.ts';
import { addDays, schoolSettings, todayIn } from '../domain/settings.ts';

const PayNow = Type.Object({ method: Type.Union([Type.Literal('cash'), Type.Literal('card'), Type.Literal('transfer')]), amount: PositiveMinor, reference: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });
const CreditStatus = Type.Union([Type.Literal('open'), Type.Literal('booked'), Type.Literal('used'), Type.Literal('expired'), Type.Literal('canceled')]);

const passView = (p: any) => ({
  id: p.id, studentId: p.student_id, name: p.name, subjectId: p.subject_id, groupId: p.group_id, lessonsTotal: p.lessons_total, lessonsUsed: p.lessons_used,
  lessonsLeft: p.lessons_total - p.lessons_used, validFrom: p.valid_from, validUntil: p.valid_until, status: p.status, price: Number(p.price), currency: p.currency,
  invoiceId: p.invoice_id, rules: { chargeUnexcused: p.charge_unexcused, chargeExcused: p.charge_excused, makeups: p.makeups }, maxFreezeDays: p.max_freeze_days, frozenDays: p.frozen_days, version: p.version,
});

/**
 * Passes: selling one (from a tariff, with a discount: the pass and its invoice, paid at once or
 * a debt), freezing (validity moves by the frozen days), cancelling, the pass's ledger — and the
 * make-up credits excused misses gave, booked into a lesson of another group exactly once.
 */
export const passesService = defineService({
  name: 'passes',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'school.Pass'],
      params: Type.Object({ ...Paging, studentId: Type.Optional(Id), status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('canceled')])), expiringBefore: Type.Optional(IsoDate) }, { additionalProperties: false }),
      handler(ctx) {
        const p = ctx.params;
        const where = sqlWhere().always('p.tenant_id = ?', ctx.tenantId).add('p.student_id = ?', p.studentId).add('p.status = ?', p.status).add('p.valid_until < ?', p.expiringBefore);
        return listPage(ctx, { select: `${PASS_COLUMNS}, s.name as student_name`, from: 'school.pass p join school.student s on s.tenant_id = p.tenant_id and s.id = p.student_id', where,
          orderBy: 'p.valid_until desc, p.id', limit: p.limit ?? 50, offset: p.offset ?? 0 }, (r: any) => ({ ...passView(r), studentName: r.student_name }));
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'school.Pass'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const p = await loadPass(ctx, ctx.params.id);
        const args = [ctx.tenantId, p.id];
        const [ledger, freezes, credits] = await Promise.all([
          ctx.sql(`select id, kind, lessons, days, used_after as "usedAfter", to_char(valid_until_after, 'YYYY-MM-DD') as "validUntilAfter", lesson_id as "lessonId", note, user_id as "userId", ${iso('at')} as at
                     from school.pass_ledger where tenant_id = $1::uuid and pass_id = $2::uuid order by id`, args),
          ctx.sql(`select id, to_char(starts_on, 'YYYY-MM-DD') as "from", to_char(ends_on, 'YYYY-MM-DD') as "to", reason, ${iso('created_at')} as "createdAt" from school.pass_freeze where tenant_id = $1::uuid and pass_id = $2::uuid order by starts_on`, args),
          ctx.sql(`select id, status, source_lesson_id as "sourceLessonId", booked_lesson_id as "bookedLessonId", to_char(expires_on, 'YYYY-MM-DD') as "expiresOn", prepaid from school.makeup_credit where tenant_id = $1::uuid and pass_id = $2::uuid order by created_at`, args),
        ]);
        return { ...passView(p), ledger: ledger.map((l: any) => ({ ...l, id: Number(l.id) })), freezes, credits };
      },
    }),
    sell: defineAction({
      rest: 'POST /',
      permission: ['create', 'school.Pass'],
      status: 201,
      idempotent: true,
      summary: 'Sell a pass from a tariff: the pass, its invoice (paid now with `payment`, from money on account, or a debt)',
      params: Type.Object({
        studentId: Id, tariffId: Id, validFrom: Type.Optional(IsoDate), groupId: Type.Optional(Id), discountId: Type.Optional(Type.Union([Id, Type.Null()])), payment: Type.Optional(PayNow),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const [t] = await ctx.sql<{ name: string; kind: string; price: string; currency: string; lessons: number; validity_days: number; subject_id: string | null; group_id: string | null;
          charge_unexcused: boolean; charge_excused: boolean; makeups: boolean; max_freeze_days: number }>(
          `select name, kind, price, currency, lessons, validity_days, subject_id, group_id, charge_unexcused, charge_excused, makeups, max_freeze_days from school.tariff where tenant_id = $1::uuid and id = $2::uuid and not archived`,
          [ctx.tenantId, p.tariffId]);
        if (!t) throw new UnprocessableError('No such tariff (tariffId)', 'UNKNOWN_REFERENCE', { field: 'tariffId', subject: 'school.Tariff' });
        if (t.kind !== 'pass') throw new UnprocessableError('This tariff is the price of a single lesson, not a pass', 'TARIFF_NOT_A_PASS', { field: 'tariffId' });
        const [s] = await ctx.sql<{ discount_id: string | null; status: string }>('select discount_id, status from school.student where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, p.studentId]);
        if (!s || s.status === 'left') throw new UnprocessableError('No such student (studentId)', 'UNKNOWN_REFERENCE', { field: 'studentId', subject: 'school.Student' });
        if (p.groupId) await requireRef(ctx, 'school.study_group', 'school.Group', p.groupId, 'groupId');
        const settings = await schoolSettings(ctx);
        const validFrom = p.validFrom ?? todayIn((await ctx.tenant()).timeZone || 'UTC');
        const validUntil = addDays(validFrom, t.validity_days - 1);
        const price = Number(t.price);
        const discount = await discountOf(ctx, p.discountId === undefined ? s.discount_id : p.discountId, price, 'discountId');
        const passId = await issuePass(ctx, {
          studentId: p.studentId, name: t.name, tariffId: p.tariffId, subjectId: t.subject_id, groupId: p.groupId ?? t.group_id, lessons: t.lessons, validFrom, validUntil,
          price: price - discount, currency: t.currency, rules: { chargeUnexcused: t.charge_unexcused, chargeExcused: t.charge_excused, makeups: t.makeups }, maxFreezeDays: t.max_freeze_days,
        });
        let invoice = null;
        if (price - discount > 0) {
          invoice = await createInvoice(ctx, {
            studentId: p.studentId, currency: t.currency, issuedOn: validFrom < todayIn((await ctx.tenant()).timeZone || 'UTC') ? validFrom : todayIn((await ctx.tenant()).timeZone || 'UTC'),
            dueDays: settings.invoiceDueDays, source: 'pass', lines: [{ description: `${t.name} (${validFrom} – ${validUntil})`, unitPrice: price, discount, tariffId: p.tariffId, passId }],
          });
          await ctx.sql('update school.pass set invoice_id = $3::uuid where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, passId, invoice.id]);
        }
        const payment = p.payment ? await recordPayment(ctx, { studentId: p.studentId, amount: p.payment.amount, currency: t.currency, method: p.payment.method, reference: p.payment.reference, invoiceId: invoice?.id }) : null;
        await recordActivity(ctx, { studentId: p.studentId }, 'pass.sold', { passId, name: t.name, lessons: t.lessons, validFrom, validUntil, price: price - discount, currency: t.currency });
        await ctx.emit('school.pass.issued.v1', { passId, studentId: p.studentId, tariffId: p.tariffId, lessons: t.lessons, validFrom, validUntil, price: price - discount, currency: t.currency, invoiceId: invoice?.id ?? null });
        return { ...passView(await loadPass(ctx, passId)), invoice: invoice && { ...invoice, ...(await ctx.sql<{ paid: string; status: string }>('select paid, status from school.invoice where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, invoice.id]).then(([r]) => ({ paid: Number(r!.paid), status: r!.status }))) }, paymentId: payment?.id ?? null };
      },
    }),
    freeze: defineAction({
      rest: 'POST /:id/freeze',
      permission: ['freeze', 'school.Pass'],
      summary: 'Freeze a pass for [from, to]: its validity moves by those days (within the tariff\'s limit); absences then are not charged',
      params: Type.Object({ id: Id, from: IsoDate, to: IsoDate, reason: Type.Optional(Type.String({ maxLength: 300 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await loadPass(ctx, p.id);
        const r = await freezePass(ctx, p.id, p.from, p.to, p.reason ?? null);
        await recordActivity(ctx, { studentId: before.student_id }, 'pass.frozen', { passId: p.id, from: p.from, to: p.to, validUntil: r.validUntil });
        return { ...passView(await loadPass(ctx, p.id)), freezeId: r.freezeId };
      },
    }),
    cancel: defineAction({
      rest: 'POST /:id/cancel',
      permission: ['cancel', 'school.Pass'],
      summary: 'End a pass early; with cancelInvoice its invoice is canceled too (the money that paid it goes back on account)',
      params: Type.Object({ id: Id, reason: Type.Optional(Type.String({ maxLength: 300 })), cancelInvoice: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = await cancelPass(ctx, ctx.params.id, ctx.params.reason ?? null);
        if (ctx.params.cancelInvoice && p.invoice_id) {
          if (!ctx.can('cancel', 'school.Invoice')) throw new UnprocessableError('Cancelling the invoice needs the permission to cancel invoices', 'CANNOT_CANCEL_INVOICE', { field: 'cancelInvoice' });
          await cancelInvoice(ctx, p.invoice_id, ctx.params.reason ?? 'pass canceled');
        }
        await recordActivity(ctx, { studentId: p.student_id }, 'pass.canceled', { passId: p.id, reason: ctx.params.reason ?? null });
        return passView(await loadPass(ctx, p.id));
      },
    }),
    credits: defineAction({
      rest: 'GET /credits',
      permission: ['read', 'school.Pass'],
      params: Type.Object({ ...Paging, studentId: Type.Optional(Id), status: Type.Optional(CreditStatus) }, { additionalProperties: false }),
      handler(ctx) {
        const where = sqlWhere().always('c.tenant_id = ?', ctx.tenantId).add('c.student_id = ?', ctx.params.studentId).add('c.status = ?', ctx.params.status);
        return listPage(ctx, {
          select: `c.id, c.student_id as "studentId", s.name as "studentName", c.pass_id as "passId", c.subject_id as "subjectId", c.source_lesson_id as "sourceLessonId", c.status, c.prepaid,
                   to_char(c.expires_on, 'YYYY-MM-DD') as "expiresOn", c.booked_lesson_id as "bookedLessonId"`,
          from: 'school.makeup_credit c join school.student s on s.tenant_id = c.tenant_id and s.id = c.student_id', where, orderBy: 'c.expires_on, c.id',
          limit: ctx.params.limit ?? 50, offset: ctx.params.offset ?? 0,
        });
      },
    }),
    book: defineAction({
      rest: 'POST /credits/:id/book',
      permission: ['create', 'school.Pass'],
      summary: 'Book a make-up credit into a lesson of the same subject (another group, or a make-up lesson) before the credit expires',
      params: Type.Object({ id: Id, lessonId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const c = await loadCredit(ctx, ctx.params.id);
        const l = await lessonFor(ctx, ctx.params.lessonId, 'read', true);
        if (l.status !== 'planned') throw new UnprocessableError(`A ${l.status} lesson cannot be booked`, 'LESSON_NOT_PLANNED', { field: 'lessonId', status: l.status });
        if (l.id === c.source_lesson_id) throw new UnprocessableError('That is the missed lesson itself', 'MAKEUP_SAME_LESSON', { field: 'lessonId' });
        if (c.subject_id && l.subjectId !== c.subject_id) throw new UnprocessableError('A make-up is a lesson of the same subject', 'MAKEUP_OTHER_SUBJECT', { field: 'lessonId' });
        if (l.date < todayIn((await ctx.tenant()).timeZone || 'UTC')) throw new UnprocessableError('The lesson is over', 'LESSON_IN_PAST', { field: 'lessonId' });
        if ((await rosterOf(ctx, { id: l.id, group_id: l.groupId, date: l.date })).some((r) => r.studentId === c.student_id)) {
          throw new ConflictError('The student is in this lesson already', 'ALREADY_IN_LESSON', { field: 'lessonId' });
        }
        await requireSeat(ctx, l.id);
        await bookCredit(ctx, c.id, { id: l.id, date: l.date });
        await recordActivity(ctx, { studentId: c.student_id }, 'makeup.booked', { creditId: c.id, lessonId: l.id, startsAt: l.startsAt, groupName: l.groupName });
        return { ...(await loadCredit(ctx, c.id)), lesson: { id: l.id, startsAt: l.startsAt, groupName: l.groupName } };
      },
    }),
    unbook: defineAction({
      rest: 'POST /credits/:id/unbook',
      permission: ['create', 'school.Pass'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const c = await loadCredit(ctx, ctx.params.id);
        await unbookCredit(ctx, c.id);
        await recordActivity(ctx, { studentId: c.student_id }, 'makeup.unbooked', { creditId: c.id, lessonId: c.booked_lesson_id });
        return loadCredit(ctx, c.id);
      },
    }),
  },
});

