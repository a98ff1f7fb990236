import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, Paging, requireMember, sqlSet, sqlWhere, Type, UnprocessableError, type ActionContext, type FieldError } from '@atrium/sdk';
import { recordActivity } from '../domain/activity.ts';
import { assertNoProblems, Email, Id, iso, IsoDate, Locale, Name, Note, NullableId, Phone, Version } from '../domain/fields.ts';
import { lessonFor, requireSeat } from '../domain/lessons.ts';
import { normalisePhone } from '../domain/phone.ts';
import { patchRecord, requireRef } from '../domain/records.ts';
import { checkStudent, insertStudent, phoneProblem } from '../domain/students.ts';
import { enrolStudent } from '../domain/enrolment.ts';
import { todayIn, zoneOf } from '../domain/settings.ts';

const SUBJECT = 'school.Lead';
export const LEAD_COLUMNS = `ld.id, ld.name, to_char(ld.birth_date, 'YYYY-MM-DD') as "birthDate", ld.contact_name as "contactName", ld.phone, ld.email, ld.locale,
  ld.subject_id as "subjectId", ld.branch_id as "branchId", ld.source_id as "sourceId", ld.status_id as "statusId", ld.reject_reason_id as "rejectReasonId",
  ld.assignee_id as "assigneeId", ld.student_id as "studentId", ld.trial_lesson_id as "trialLessonId", ld.position, ld.note, ${iso('ld.created_at')} as "createdAt",
  ${iso('ld.status_changed_at')} as "statusChangedAt", ${iso('ld.converted_at')} as "convertedAt", ld.version,
  (select count(*) from school.task t where t.tenant_id = ld.tenant_id and t.lead_id = ld.id and t.done_at is null)::int as "openTasks"`;

const LeadFields = {
  birthDate: Type.Optional(Type.Union([IsoDate, Type.Null()])), contactName: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])), phone: Type.Optional(Phone),
  email: Type.Optional(Email), locale: Type.Optional(Locale), subjectId: Type.Optional(NullableId), branchId: Type.Optional(NullableId), sourceId: Type.Optional(NullableId),
  assigneeId: Type.Optional(NullableId), note: Type.Optional(Note),
};

async function leadFor(ctx: ActionContext<any>, id: string, action: string, lock = false) {
  const rule = ctx.rulesSql(action, SUBJECT, { alias: 'ld', firstParam: 3 });
  const [l] = await ctx.sql(`select ${LEAD_COLUMNS} from school.lead ld where ld.tenant_id = $1::uuid and ld.id = $2::uuid and ${rule.sql}${lock ? ' for update of ld' : ''}`, [ctx.tenantId, id, ...rule.params]);
  if (!l) throw new NotFoundError('Lead not found', { subject: SUBJECT, id });
  return l;
}

async function statusOf(ctx: ActionContext<any>, id: string, field = 'statusId') {
  const [s] = await ctx.sql<{ id: string; kind: string; code: string | null }>('select id, kind, code from school.lead_status where tenant_id = $1::uuid and id = $2::uuid and not archived', [ctx.tenantId, id]);
  if (!s) throw new UnprocessableError(`No such status (${field})`, 'UNKNOWN_REFERENCE', { field, subject: 'school.Settings' });
  return s;
}

/** The first status of a kind (or with a code) in the pipeline: where a new lead starts, where a converted one goes. */
async function firstStatus(ctx: ActionContext<any>, by: { kind?: string; code?: string }) {
  const [s] = await ctx.sql<{ id: string }>(`select id from school.lead_status where tenant_id = $1::uuid and not archived and ($2::text is null or kind = $2::text) and ($3::text is null or code = $3::text) order by position, id limit 1`,
    [ctx.tenantId, by.kind ?? null, by.code ?? null]);
  return s?.id ?? null;
}

/** Moves a lead to a status at the end of its column (unless a position is given) and records it. */
async function moveLead(ctx: ActionContext<any>, lead: any, statusId: string, opts: { position?: number; rejectReasonId?: string | null } = {}) {
  const position = opts.position ?? Number((await ctx.sql<{ p: number }>('select coalesce(max(position), 0) + 1 as p from school.lead where tenant_id = $1::uuid and status_id = $2::uuid', [ctx.tenantId, statusId]))[0]!.p);
  await ctx.sql(
    `update school.lead set status_id = $3::uuid, position = $4::float8, reject_reason_id = $5::uuid,
            status_changed_at = case when status_id = $3::uuid then status_changed_at else now() end, updated_at = now(), version = version + 1
      where tenant_id = $1::uuid and id = $2::uuid`,
    [ctx.tenantId, lead.id, statusId, position, opts.rejectReasonId ?? null],
  );
  if (statusId !== lead.statusId) await recordActivity(ctx, { leadId: lead.id }, 'lead.moved', { from: lead.statusId, to: statusId, rejectReasonId: opts.rejectReasonId ?? null });
}

/** The lead's student (made from the lead the first time: a trial student with the lead's contact). */
async function studentOfLead(ctx: ActionContext<any>, lead: any): Promise<string> {
  if (lead.studentId) return lead.studentId;
  const input = {
    name: lead.name, birthDate: lead.birthDate, branchId: lead.branchId, status: 'trial' as const,
    contacts: lead.phone || lead.email ? [{ name: lead.contactName ?? lead.name, relation: lead.contactName ? 'other' as const : 'self' as const, phone: lead.phone ? `+${lead.phone}` : null, email: lead.email,
      preferredChannel: lead.phone ? 'sms' as const : 'email' as const, locale: lead.locale, isPayer: true }] : [],
  };
  const checked = await checkStudent(ctx, input);
  assertNoProblems(checked.problems);
  const studentId = await insertStudent(ctx, input, checked, { source: 'lead' });
  await ctx.sql('update school.lead set student_id = $3::uuid where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, lead.id, studentId]);
  await recordActivity(ctx, { studentId }, 'student.from_lead', { leadId: lead.id });
  return studentId;
}

/**
 * Leads: the Kanban (statuses as columns, a lead's position in its column), a lead's card with its
 * tasks and history, duplicates by phone, a trial lesson (the lead becomes a trial student in a
 * lesson), enrolment (an active student in a group: the lead is won) and rejection with a reason.
 * Sales staff may be limited to their own leads by a rule on `assigneeId`.
 */
export const leadsService = defineService({
  name: 'leads',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({
        ...Paging, q: Type.Optional(Type.String({ maxLength: 100 })), statusId: Type.Optional(Id), sourceId: Type.Optional(Id), assigneeId: Type.Optional(Id), branchId: Type.Optional(Id),
        from: Type.Optional(IsoDate), to: Type.Optional(IsoDate),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const rule = ctx.rulesSql('read', SUBJECT, { alias: 'ld' });
        const tz = (await ctx.tenant()).timeZone || 'UTC';
        const digits = p.q ? normalisePhone(p.q) : undefined;
        const where = sqlWhere().always('ld.tenant_id = ?', ctx.tenantId).always(rule.sql, ...rule.params).add('ld.status_id = ?', p.statusId).add('ld.source_id = ?', p.sourceId)
          .add('ld.assignee_id = ?', p.assigneeId).add('ld.branch_id = ?', p.branchId)
          .add('ld.created_at >= (?::date::timestamp at time zone ?::text)', ...(p.from ? [p.from, tz] : [undefined]))
          .add('ld.created_at < ((?::date + 1)::timestamp at time zone ?::text)', ...(p.to ? [p.to, tz] : [undefined]));
        if (p.q) where.always(digits ? 'ld.phone like ?' : '(ld.name ilike ? or ld.contact_name ilike ?)', ...(digits ? [`%${digits}%`] : [likePattern(p.q), likePattern(p.q)]));
        return listPage(ctx, { select: LEAD_COLUMNS, from: 'school.lead ld', where, orderBy: 'ld.created_at desc, ld.id', limit: p.limit ?? 20, offset: p.offset ?? 0 });
      },
    }),
    board: defineAction({
      rest: 'GET /board',
      permission: ['read', SUBJECT],
      summary: 'The Kanban: `items` are the leads shown (up to `perColumn` a status, in order), `total` how many leads match, `columns` every status with its count',
      params: Type.Object({ perColumn: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })), assigneeId: Type.Optional(Id), branchId: Type.Optional(Id), q: Type.Optional(Type.String({ maxLength: 100 })) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const rule = ctx.rulesSql('read', SUBJECT, { alias: 'ld', firstParam: 6 });
        const statuses = await ctx.sql<{ id: string; code: string | null; name: string | null; kind: string; color: string | null; position: number }>(
          'select id, code, name, kind, color, position from school.lead_status where tenant_id = $1::uuid and not archived order by position, id', [ctx.tenantId]);
        const rows = await ctx.sql<any>(
          `select * from (select ${LEAD_COLUMNS}, row_number() over (partition by ld.status_id order by ld.position, ld.created_at) as rn, count(*) over (partition by ld.status_id) as in_column
             from school.lead ld where ld.tenant_id = $1::uuid and ($2::uuid is null or ld.assignee_id = $2::uuid) and ($3::uuid is null or ld.branch_id = $3::uuid)
               and ($4::text is null or ld.name ilike $4::text or ld.contact_name ilike $4::text or ld.phone like $4::text) and $5::int > 0 and ${rule.sql}) x
            where rn <= $5::int order by position`,
          [ctx.tenantId, p.assigneeId ?? null, p.branchId ?? null, p.q ? likePattern(p.q) : null, p.perColumn ?? 50, ...rule.params],
        );
        const counts = new Map<string, number>();
        for (const r of rows) counts.set(r.statusId, Number(r.in_column));
        const columns = statuses.map((s) => ({ status: s, total: counts.get(s.id) ?? 0 }));
        return { items: rows.map(({ rn: _rn, in_column: _c, ...l }) => l), total: columns.reduce((n, c) => n + c.total, 0), columns };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const l = await leadFor(ctx, ctx.params.id, 'read');
        const [tasks, activity, duplicates] = await Promise.all([
          ctx.sql(`select id, title, ${iso('due_at')} as "dueAt", ${iso('done_at')} as "doneAt", assignee_id as "assigneeId" from school.task where tenant_id = $1::uuid and lead_id = $2::uuid order by done_at nulls first, due_at nulls last`, [ctx.tenantId, l.id]),
          ctx.sql(`select id, kind, data, user_id as "userId", ${iso('at')} as at from school.activity where tenant_id = $1::uuid and lead_id = $2::uuid order by at desc limit 100`, [ctx.tenantId, l.id]),
          l.phone ? ctx.sql(`select 'lead' as kind, id, name from school.lead where tenant_id = $1::uuid and phone = $2::text and id <> $3::uuid
                             union all select 'student', s.id, s.name from school.student s where s.tenant_id = $1::uuid and (s.phone = $2::text or exists (select 1 from school.contact c where c.tenant_id = s.tenant_id and c.student_id = s.id and c.phone = $2::text)) limit 20`,
            [ctx.tenantId, l.phone, l.id]) : [],
        ]);
        return { ...l, tasks, activity: activity.map((a: any) => ({ ...a, id: Number(a.id) })), duplicates };
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Name, statusId: Type.Optional(Id), ...LeadFields }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const problems: FieldError[] = [];
        const phone = phoneProblem(p.phone, 'phone', problems);
        assertNoProblems(problems);
        for (const [field, table, subject] of [['subjectId', 'school.subject', 'school.Subject'], ['branchId', 'school.branch', 'school.Branch'], ['sourceId', 'school.lead_source', 'school.Settings']] as const) {
          const id = p[field];
          if (id) await requireRef(ctx, table, subject, id, field);
        }
        if (p.assigneeId) await requireMember(ctx, p.assigneeId, 'assigneeId');
        const statusId = p.statusId ? (await statusOf(ctx, p.statusId)).id : await firstStatus(ctx, { kind: 'open' });
        if (!statusId) throw new UnprocessableError('The pipeline has no open status: add one in the settings', 'NO_LEAD_STATUS', { field: 'statusId' });
        const id = crypto.randomUUID();
        await ctx.sql(
          `insert into school.lead (tenant_id, id, name, birth_date, contact_name, phone, email, locale, subject_id, branch_id, source_id, status_id, assignee_id, note, position, created_by)
           values ($1::uuid, $2::uuid, $3::text, $4::date, $5::text, $6::text, $7::text, $8::text, $9::uuid, $10::uuid, $11::uuid, $12::uuid, $13::uuid, $14::text,
                   (select coalesce(max(position), 0) + 1 from school.lead where tenant_id = $1::uuid and status_id = $12::uuid), $15::uuid)`,
          [ctx.tenantId, id, p.name.trim(), p.birthDate ?? null, p.contactName ?? null, phone ?? null, p.email ?? null, p.locale ?? 'ru', p.subjectId ?? null, p.branchId ?? null,
            p.sourceId ?? null, statusId, p.assigneeId ?? ctx.user?.id ?? null, p.note ?? null, ctx.user?.id ?? null],
        );
        await recordActivity(ctx, { leadId: id }, 'lead.created', { sourceId: p.sourceId ?? null });
        return leadFor(ctx, id, 'read');
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      params: Type.Object({ id: Id, version: Type.Optional(Version), name: Type.Optional(Name), ...LeadFields }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await leadFor(ctx, p.id, 'update');
        const problems: FieldError[] = [];
        const phone = phoneProblem(p.phone, 'phone', problems);
        assertNoProblems(problems);
        if (p.assigneeId) await requireMember(ctx, p.assigneeId, 'assigneeId');
        if (p.sourceId) await requireRef(ctx, 'school.lead_source', 'school.Settings', p.sourceId, 'sourceId');
        const set = sqlSet().add('name = ?', p.name?.trim()).add('birth_date = ?', p.birthDate).add('contact_name = ?', p.contactName).add('phone = ?', phone).add('email = ?', p.email)
          .add('locale = ?', p.locale).add('subject_id = ?', p.subjectId).add('branch_id = ?', p.branchId).add('source_id = ?', p.sourceId).add('assignee_id = ?', p.assigneeId).add('note = ?', p.note);
        await patchRecord(ctx, { table: 'school.lead ld', subject: SUBJECT, id: p.id, version: p.version, set, returning: 'ld.id', rule: ctx.rulesSql('update', SUBJECT, { alias: 'ld' }) });
        const after = await leadFor(ctx, p.id, 'read');
        ctx.audit.diff(before, after);
        return after;
      },
    }),
    move: defineAction({
      rest: 'POST /:id/move',
      permission: ['update', SUBJECT],
      summary: 'Kanban: put the lead in a status, at a position in that column; a lost status needs a reason',
      params: Type.Object({ id: Id, statusId: Id, position: Type.Optional(Type.Number({ minimum: -1e12, maximum: 1e12 })), rejectReasonId: Type.Optional(Id) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const lead = await leadFor(ctx, p.id, 'update', true);
        const status = await statusOf(ctx, p.statusId);
        if (status.kind === 'lost' && !p.rejectReasonId) throw new UnprocessableError('Say why the lead is lost', 'REJECT_REASON_REQUIRED', { field: 'rejectReasonId' });
        if (p.rejectReasonId) await requireRef(ctx, 'school.lead_reject_reason', 'school.Settings', p.rejectReasonId, 'rejectReasonId');
        await moveLead(ctx, lead, status.id, { position: p.position, rejectReasonId: status.kind === 'lost' ? p.rejectReasonId : null });
        if (status.kind === 'won' && !lead.convertedAt) await ctx.sql('update school.lead set converted_at = now() where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, lead.id]);
        return leadFor(ctx, p.id, 'read');
      },
    }),
    trial: defineAction({
      rest: 'POST /:id/trial',
      permission: ['update', SUBJECT],
      summary: 'Book a trial: the lead becomes a trial student in the lesson (a group\'s lesson or a trial lesson), and the lead moves to "trial booked"',
      params: Type.Object({ id: Id, lessonId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const lead = await leadFor(ctx, ctx.params.id, 'update', true);
        const lesson = await lessonFor(ctx, ctx.params.lessonId, 'read', true);
        if (lesson.status !== 'planned') throw new UnprocessableError(`A ${lesson.status} lesson cannot be booked`, 'LESSON_NOT_PLANNED', { field: 'lessonId' });
        await requireSeat(ctx, lesson.id);
        const studentId = await studentOfLead(ctx, lead);
        const added = await ctx.sql(`insert into school.lesson_student (tenant_id, lesson_id, student_id, kind, added_by) values ($1::uuid, $2::uuid, $3::uuid, 'trial', $4::uuid) on conflict do nothing returning 1`,
          [ctx.tenantId, lesson.id, studentId, ctx.user?.id ?? null]);
        if (!added.length) throw new ConflictError('The lead is booked into this lesson already', 'ALREADY_IN_LESSON', { field: 'lessonId' });
        await ctx.sql('update school.lead set trial_lesson_id = $3::uuid where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, lead.id, lesson.id]);
        const booked = await firstStatus(ctx, { code: 'trial_booked' });
        if (booked) await moveLead(ctx, lead, booked);
        await recordActivity(ctx, { leadId: lead.id }, 'lead.trial_booked', { lessonId: lesson.id, startsAt: lesson.startsAt });
        await recordActivity(ctx, { studentId }, 'lesson.added', { lessonId: lesson.id, kind: 'trial', startsAt: lesson.startsAt });
        return { ...(await leadFor(ctx, lead.id, 'read')), studentId };
      },
    }),
    enrol: defineAction({
      rest: 'POST /:id/enrol',
      permission: ['update', SUBJECT],
      summary: 'The lead becomes an active student of a group: the lead is won (converted)',
      params: Type.Object({ id: Id, groupId: Id, joinedOn: Type.Optional(IsoDate) }, { additionalProperties: false }),
      async handler(ctx) {
        const lead = await leadFor(ctx, ctx.params.id, 'update', true);
        if (!ctx.can('enrol', 'school.Group')) throw new UnprocessableError('Enrolling needs the permission to add students to groups', 'CANNOT_ENROL', { field: 'groupId' });
        const studentId = await studentOfLead(ctx, lead);
        const [g] = await ctx.sql<{ branch_id: string }>('select branch_id from school.study_group where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, ctx.params.groupId]);
        if (!g) throw new UnprocessableError('No such group (groupId)', 'UNKNOWN_REFERENCE', { field: 'groupId', subject: 'school.Group' });
        const joinedOn = ctx.params.joinedOn ?? todayIn(await zoneOf(ctx, g.branch_id));
        await enrolStudent(ctx, { groupId: ctx.params.groupId, studentId, joinedOn });
        const won = await firstStatus(ctx, { kind: 'won' });
        if (won) await moveLead(ctx, lead, won);
        await ctx.sql('update school.lead set converted_at = coalesce(converted_at, now()) where tenant_id = $1::uuid and id = $2::uuid', [ctx.tenantId, lead.id]);
        await recordActivity(ctx, { leadId: lead.id }, 'lead.converted', { studentId, groupId: ctx.params.groupId });
        await ctx.emit('school.lead.converted.v1', { leadId: lead.id, studentId, groupId: ctx.params.groupId, sourceId: lead.sourceId });
        return { ...(await leadFor(ctx, lead.id, 'read')), studentId };
      },
    }),
  },
});
