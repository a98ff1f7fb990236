import crypto from 'node:crypto';
import { defineAction, defineService, listPage, NotFoundError, Paging, requireMember, sqlSet, sqlWhere, Type, type ActionContext } from '@atrium/sdk';
import { recordActivity } from '../domain/activity.ts';
import { Id, Instant, iso, NullableId, Version } from '../domain/fields.ts';
import { patchRecord, requireRef } from '../domain/records.ts';

const SUBJECT = 'school.Task';
const TASK = `t.id, t.title, t.lead_id as "leadId", t.student_id as "studentId", ${iso('t.due_at')} as "dueAt", ${iso('t.done_at')} as "doneAt", t.assignee_id as "assigneeId",
  t.created_by as "createdBy", ${iso('t.created_at')} as "createdAt", t.version, coalesce(ld.name, s.name) as "about"`;
const FROM = `school.task t left join school.lead ld on ld.tenant_id = t.tenant_id and ld.id = t.lead_id left join school.student s on s.tenant_id = t.tenant_id and s.id = t.student_id`;

async function taskFor(ctx: ActionContext<any>, id: string, action: string) {
  const rule = ctx.rulesSql(action, SUBJECT, { alias: 't', firstParam: 3 });
  const [t] = await ctx.sql(`select ${TASK} from ${FROM} where t.tenant_id = $1::uuid and t.id = $2::uuid and ${rule.sql}`, [ctx.tenantId, id, ...rule.params]);
  if (!t) throw new NotFoundError('Task not found', { subject: SUBJECT, id });
  return t;
}

/** Tasks on leads and students: call back, send the schedule, collect a document. `mine` lists the caller's open ones. */
export const tasksService = defineService({
  name: 'tasks',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({ ...Paging, mine: Type.Optional(Type.Boolean()), open: Type.Optional(Type.Boolean()), leadId: Type.Optional(Id), studentId: Type.Optional(Id), dueBefore: Type.Optional(Instant) }, { additionalProperties: false }),
      handler(ctx) {
        const p = ctx.params;
        const rule = ctx.rulesSql('read', SUBJECT, { alias: 't' });
        const where = sqlWhere().always('t.tenant_id = ?', ctx.tenantId).always(rule.sql, ...rule.params).add('t.lead_id = ?', p.leadId).add('t.student_id = ?', p.studentId)
          .add('t.assignee_id = ?', p.mine ? ctx.user?.id : undefined).add('t.due_at < ?::timestamptz', p.dueBefore);
        if (p.open) where.always('t.done_at is null');
        return listPage(ctx, { select: TASK, from: FROM, where, orderBy: 't.done_at nulls first, t.due_at nulls last, t.created_at, t.id', limit: p.limit ?? 50, offset: p.offset ?? 0 });
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({ title: Type.String({ minLength: 1, maxLength: 300 }), leadId: Type.Optional(Id), studentId: Type.Optional(Id), dueAt: Type.Optional(Instant), assigneeId: Type.Optional(NullableId) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if (p.leadId) await requireRef(ctx, 'school.lead', 'school.Lead', p.leadId, 'leadId');
        if (p.studentId) await requireRef(ctx, 'school.student', 'school.Student', p.studentId, 'studentId');
        if (p.assigneeId && p.assigneeId !== ctx.user?.id) await requireMember(ctx, p.assigneeId, 'assigneeId');
        const id = crypto.randomUUID();
        await ctx.sql(`insert into school.task (tenant_id, id, title, lead_id, student_id, due_at, assignee_id, created_by) values ($1::uuid, $2::uuid, $3::text, $4::uuid, $5::uuid, $6::timestamptz, $7::uuid, $8::uuid)`,
          [ctx.tenantId, id, p.title.trim(), p.leadId ?? null, p.studentId ?? null, p.dueAt ?? null, p.assigneeId === undefined ? ctx.user?.id ?? null : p.assigneeId, ctx.user?.id ?? null]);
        await recordActivity(ctx, { leadId: p.leadId, studentId: p.studentId }, 'task.created', { taskId: id, title: p.title.trim() });
        return taskFor(ctx, id, 'read');
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      params: Type.Object({ id: Id, version: Type.Optional(Version), title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })), dueAt: Type.Optional(Type.Union([Instant, Type.Null()])), done: Type.Optional(Type.Boolean()), assigneeId: Type.Optional(NullableId) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await taskFor(ctx, p.id, 'update');
        if (p.assigneeId && p.assigneeId !== ctx.user?.id) await requireMember(ctx, p.assigneeId, 'assigneeId');
        const set = sqlSet().add('title = ?', p.title?.trim()).add('due_at = ?', p.dueAt).add('assignee_id = ?', p.assigneeId);
        if (p.done !== undefined) set.always(p.done ? 'done_at = coalesce(done_at, now())' : 'done_at = null');
        await patchRecord(ctx, { table: 'school.task t', subject: SUBJECT, id: p.id, version: p.version, set, returning: 't.id', touch: false, rule: ctx.rulesSql('update', SUBJECT, { alias: 't' }) });
        const after = await taskFor(ctx, p.id, 'read');
        if (p.done && !before.doneAt) await recordActivity(ctx, { leadId: before.leadId, studentId: before.studentId }, 'task.done', { taskId: p.id, title: after.title });
        ctx.audit.diff(before, after);
        return after;
      },
    }),
  },
});

