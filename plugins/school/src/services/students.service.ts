import crypto from 'node:crypto';
import { defineAction, defineService, likePattern, listPage, NotFoundError, numbered, orderBy, Paging, Sort, sqlSet, sqlWhere, Type, type ActionContext } from '@atrium/sdk';
import { checkCustomValues, customFieldDefs, mergeCustom } from '../domain/custom-fields.ts';
import { assertNoProblems, Email, Id, iso, IsoDate, Name, Note, NullableId, Phone, Version } from '../domain/fields.ts';
import { patchRecord } from '../domain/records.ts';
import { checkStudent, CONTACT_COLUMNS, ContactInput, insertContacts, insertStudent, phoneProblem, STUDENT_COLUMNS, StudentInput, StudentStatus } from '../domain/students.ts';
import { normalisePhone } from '../domain/phone.ts';

const SUBJECT = 'school.Student';
const studentRule = (ctx: ActionContext<any>, action: string, firstParam?: number) => ctx.rulesSql(action, SUBJECT, { alias: 's', ...(firstParam ? { firstParam } : {}) });

/** The student's row if the caller's rules for `action` reach it (404 otherwise). */
async function studentFor(ctx: ActionContext<any>, id: string, action: string) {
  const rule = studentRule(ctx, action, 3);
  const [s] = await ctx.sql(`select ${STUDENT_COLUMNS} from school.student s where s.tenant_id = $1::uuid and s.id = $2::uuid and ${rule.sql}`, [ctx.tenantId, id, ...rule.params]);
  if (!s) throw new NotFoundError('Student not found', { subject: SUBJECT, id });
  return s;
}

/** The contact and its student, if the caller may `action` the student. */
async function contactFor(ctx: ActionContext<any>, contactId: string, action: string) {
  const rule = studentRule(ctx, action, 3);
  const [c] = await ctx.sql(`select ${CONTACT_COLUMNS} from school.contact c join school.student s on s.tenant_id = c.tenant_id and s.id = c.student_id
    where c.tenant_id = $1::uuid and c.id = $2::uuid and ${rule.sql}`, [ctx.tenantId, contactId, ...rule.params]);
  if (!c) throw new NotFoundError('Contact not found', { subject: SUBJECT, id: contactId });
  return c;
}

/**
 * Students: the list (search by name or any phone of theirs or their parents', filters by status,
 * branch, group, debt), the student's page (contacts, groups, passes, credits, debt), contacts,
 * notes and the activity history. A student is never deleted: status `left` keeps the history.
 */
export const studentsService = defineService({
  name: 'students',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({
        ...Paging, sort: Sort, q: Type.Optional(Type.String({ maxLength: 100 })), status: Type.Optional(StudentStatus), branchId: Type.Optional(Id), groupId: Type.Optional(Id),
        debtors: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      handler(ctx) {
        const p = ctx.params;
        const rule = studentRule(ctx, 'read');
        const digits = p.q ? normalisePhone(p.q) ?? (/^\+?[\d\s()-]{4,}$/.test(p.q) ? p.q.replace(/\D/g, '') : undefined) : undefined;
        const where = sqlWhere().always('s.tenant_id = ?', ctx.tenantId).always(rule.sql, ...rule.params)
          .add('s.status = ?', p.status).add('s.branch_id = ?', p.branchId)
          .add(`exists (select 1 from school.enrolment e where e.tenant_id = s.tenant_id and e.student_id = s.id and e.group_id = ? and e.status = 'active')`, p.groupId);
        if (p.debtors) where.always('s.balance < 0');
        if (p.q) {
          if (digits) where.always(`(s.phone like ? or exists (select 1 from school.contact c where c.tenant_id = s.tenant_id and c.student_id = s.id and c.phone like ?))`, `%${digits}%`, `%${digits}%`);
          else where.always('(s.name ilike ? or exists (select 1 from school.contact c where c.tenant_id = s.tenant_id and c.student_id = s.id and c.name ilike ?))', likePattern(p.q), likePattern(p.q));
        }
        return listPage(ctx, {
          select: `${STUDENT_COLUMNS}, (select coalesce(sum(p.lessons_total - p.lessons_used), 0)::int from school.pass p where p.tenant_id = s.tenant_id and p.student_id = s.id and p.status = 'active') as "lessonsLeft"`,
          from: 'school.student s', where,
          orderBy: orderBy(p.sort, { name: 'lower(s.name)', balance: 's.balance', createdAt: 's.created_at' }, 'lower(s.name)', 's.id'),
          limit: p.limit ?? 20, offset: p.offset ?? 0,
        });
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const s = await studentFor(ctx, ctx.params.id, 'read');
        const args = [ctx.tenantId, ctx.params.id];
        const [contacts, groups, passes, credits, debt] = await Promise.all([
          ctx.sql(`select ${CONTACT_COLUMNS} from school.contact c where c.tenant_id = $1::uuid and c.student_id = $2::uuid order by c.position, c.created_at`, args),
          ctx.sql(`select e.id as "enrolmentId", g.id, g.name, g.subject_id as "subjectId", to_char(e.joined_on, 'YYYY-MM-DD') as "joinedOn", to_char(e.left_on, 'YYYY-MM-DD') as "leftOn", e.status
                     from school.enrolment e join school.study_group g on g.tenant_id = e.tenant_id and g.id = e.group_id
                    where e.tenant_id = $1::uuid and e.student_id = $2::uuid order by e.status, e.joined_on desc`, args),
          ctx.can('read', 'school.Pass')
            ? ctx.sql(`select p.id, p.name, p.lessons_total as "lessonsTotal", p.lessons_used as "lessonsUsed", to_char(p.valid_from, 'YYYY-MM-DD') as "validFrom",
                              to_char(p.valid_until, 'YYYY-MM-DD') as "validUntil", p.status, p.frozen_days as "frozenDays", p.max_freeze_days as "maxFreezeDays", p.group_id as "groupId", p.subject_id as "subjectId", p.invoice_id as "invoiceId"
                         from school.pass p where p.tenant_id = $1::uuid and p.student_id = $2::uuid order by (p.status = 'active') desc, p.valid_until desc limit 50`, args)
            : [],
          ctx.can('read', 'school.Pass')
            ? ctx.sql(`select c.id, c.status, c.subject_id as "subjectId", c.source_lesson_id as "sourceLessonId", c.booked_lesson_id as "bookedLessonId", to_char(c.expires_on, 'YYYY-MM-DD') as "expiresOn", c.prepaid
                         from school.makeup_credit c where c.tenant_id = $1::uuid and c.student_id = $2::uuid and c.status in ('open', 'booked') order by c.expires_on`, args)
            : [],
          ctx.can('read', 'school.Invoice')
            ? ctx.sql<{ debt: string; overdue: string }>(`select coalesce(sum(total - paid), 0) as debt, coalesce(sum(total - paid) filter (where due_on < current_date), 0) as overdue
                         from school.invoice where tenant_id = $1::uuid and student_id = $2::uuid and status = 'open'`, args)
            : [null],
        ]);
        return { ...s, contacts, groups, passes, credits, debt: debt[0] ? Number(debt[0].debt) : null, overdue: debt[0] ? Number(debt[0].overdue) : null };
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: StudentInput,
      async handler(ctx) {
        const checked = await checkStudent(ctx, ctx.params);
        assertNoProblems(checked.problems);
        const id = await insertStudent(ctx, ctx.params, checked);
        return studentFor(ctx, id, 'read');
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      params: Type.Object({
        id: Id, version: Type.Optional(Version), name: Type.Optional(Name), birthDate: Type.Optional(Type.Union([IsoDate, Type.Null()])), phone: Type.Optional(Phone), email: Type.Optional(Email),
        status: Type.Optional(StudentStatus), branchId: Type.Optional(NullableId), discountId: Type.Optional(NullableId), note: Type.Optional(Note),
        custom: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]*$', maxLength: 40 }), Type.Unknown())),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await studentFor(ctx, p.id, 'update');
        const problems: ReturnType<typeof checkCustomValues>['problems'] = [];
        const phone = phoneProblem(p.phone, 'phone', problems);
        let custom: Record<string, unknown> | undefined;
        if (p.custom) {
          const c = checkCustomValues(await customFieldDefs(ctx), p.custom, { partial: true, stored: before.custom });
          problems.push(...c.problems);
          custom = mergeCustom(before.custom, c.clean);
        }
        assertNoProblems(problems);
        const set = sqlSet().add('name = ?', p.name?.trim()).add('birth_date = ?', p.birthDate).add('phone = ?', phone).add('email = ?', p.email).add('status = ?', p.status)
          .add('branch_id = ?', p.branchId).add('discount_id = ?', p.discountId).add('note = ?', p.note).add('custom = ?::jsonb', custom && JSON.stringify(custom));
        const rule = studentRule(ctx, 'update');
        await patchRecord(ctx, { table: 'school.student s', subject: SUBJECT, id: p.id, version: p.version, set, returning: 's.id', rule });
        const after = await studentFor(ctx, p.id, 'read');
        ctx.audit.diff(before, after);
        return after;
      },
    }),
    addContact: defineAction({
      rest: 'POST /:id/contacts',
      permission: ['update', SUBJECT],
      status: 201,
      params: Type.Object({ id: Id, ...ContactInput.properties }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, ...c } = ctx.params;
        await studentFor(ctx, id, 'update');
        const checked = await checkStudent(ctx, { name: 'x', contacts: [c] });
        assertNoProblems(checked.problems.map((p) => ({ ...p, field: p.field.replace(/^contacts\.0\./, '') })));
        const [{ n }] = await ctx.sql<{ n: number }>('select count(*)::int as n from school.contact where tenant_id = $1::uuid and student_id = $2::uuid', [ctx.tenantId, id]);
        const [contactId] = await insertContacts(ctx, id, [{ ...c, isPayer: c.isPayer ?? n === 0 }], checked.contactPhones, n);
        return contactFor(ctx, contactId!, 'read');
      },
    }),
    updateContact: defineAction({
      rest: 'PATCH /contacts/:contactId',
      permission: ['update', SUBJECT],
      params: Type.Object({ contactId: Id, ...Type.Partial(ContactInput).properties }, { additionalProperties: false }),
      async handler(ctx) {
        const { contactId, ...c } = ctx.params;
        const before = await contactFor(ctx, contactId, 'update');
        const merged = { ...before, ...c, phone: c.phone === undefined ? before.phone : c.phone } as ContactInput;
        const checked = await checkStudent(ctx, { name: 'x', contacts: [{ name: merged.name, phone: merged.phone, email: merged.email, telegram: merged.telegram, preferredChannel: merged.preferredChannel }] });
        assertNoProblems(checked.problems.map((p) => ({ ...p, field: p.field.replace(/^contacts\.0\./, '') })));
        const set = sqlSet().add('name = ?', c.name?.trim()).add('relation = ?', c.relation).add('phone = ?', c.phone === undefined ? undefined : checked.contactPhones[0])
          .add('email = ?', c.email).add('telegram = ?', c.telegram).add('preferred_channel = ?', c.preferredChannel).add('locale = ?', c.locale).add('is_payer = ?', c.isPayer).add('notify = ?', c.notify);
        if (!set.empty) await ctx.sql(...numbered(`update school.contact set ${set.text()} where tenant_id = ? and id = ?`, [...set.params, ctx.tenantId, contactId]));
        const after = await contactFor(ctx, contactId, 'read');
        ctx.audit.diff(before, after);
        return after;
      },
    }),
    removeContact: defineAction({
      rest: 'DELETE /contacts/:contactId',
      permission: ['update', SUBJECT],
      params: Type.Object({ contactId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const before = await contactFor(ctx, ctx.params.contactId, 'update');
        await ctx.sql('delete from school.contact where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, ctx.params.contactId]);
        ctx.audit.diff(before, null);
        return { deleted: true };
      },
    }),
    notes: defineAction({
      rest: 'GET /:id/notes',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id, ...Paging }, { additionalProperties: false }),
      async handler(ctx) {
        await studentFor(ctx, ctx.params.id, 'read');
        const where = sqlWhere().always('n.tenant_id = ?', ctx.tenantId).always('n.student_id = ?', ctx.params.id);
        return listPage(ctx, { select: `n.id, n.text, n.author_id as "authorId", ${iso('n.created_at')} as "createdAt"`, from: 'school.student_note n', where, orderBy: 'n.created_at desc', limit: ctx.params.limit ?? 50, offset: ctx.params.offset ?? 0 });
      },
    }),
    addNote: defineAction({
      rest: 'POST /:id/notes',
      permission: ['update', SUBJECT],
      status: 201,
      params: Type.Object({ id: Id, text: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false }),
      async handler(ctx) {
        await studentFor(ctx, ctx.params.id, 'update');
        const [n] = await ctx.sql(
          `insert into school.student_note (tenant_id, id, student_id, text, author_id) values ($1::uuid, $2::uuid, $3::uuid, $4::text, $5::uuid) returning id, text, author_id as "authorId", ${iso('created_at')} as "createdAt"`,
          [ctx.tenantId, crypto.randomUUID(), ctx.params.id, ctx.params.text.trim(), ctx.user?.id ?? null],
        );
        return n;
      },
    }),
    activity: defineAction({
      rest: 'GET /:id/activity',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id, ...Paging }, { additionalProperties: false }),
      async handler(ctx) {
        await studentFor(ctx, ctx.params.id, 'read');
        const where = sqlWhere().always('a.tenant_id = ?', ctx.tenantId).always('a.student_id = ?', ctx.params.id);
        return listPage(ctx, { select: `a.id, a.kind, a.data, a.user_id as "userId", ${iso('a.at')} as at`, from: 'school.activity a', where, orderBy: 'a.at desc', limit: ctx.params.limit ?? 50, offset: ctx.params.offset ?? 0 }, (r: any) => ({ ...r, id: Number(r.id) }));
      },
    }),
  },
});
