import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, orderBy, Paging, Sort, sqlSet, sqlWhere, Type, ValidationError, type RequestContext } from '@atrium/sdk';
import { requireMember } from '../domain/members.ts';
import { requireStore } from '../domain/stores.ts';
import { TASK_PRIORITIES } from '../entities/task.ts';

const SUBJECT = 'pos.TaskTemplate';
const Id = Type.String({ format: 'uuid' });
export const Priority = Type.Union(TASK_PRIORITIES.map((p) => Type.Literal(p)));
const Title = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 20000 });
const Checklist = Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 50 });
const Recurrence = Type.Union([Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('monthly'), Type.Null()]);
const DueInHours = Type.Union([Type.Integer({ minimum: 1, maximum: 8760 }), Type.Null()]);
const NullableId = Type.Union([Id, Type.Null()]);

const SORTS = { title: 't.title', createdAt: 't.created_at', priority: 't.priority' };

/** The columns `templateView` reads. */
const COLUMNS = 't.id, t.title, t.description, t.checklist, t.priority, t.due_in_hours, t.recurrence, t.store_id, t.default_assignee_id, t.last_generated_at, t.archived, t.created_by, t.created_at, t.updated_at, t.version';

export function templateView(r: any) {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    checklist: r.checklist as string[],
    priority: r.priority,
    dueInHours: r.due_in_hours,
    recurrence: r.recurrence,
    storeId: r.store_id,
    defaultAssigneeId: r.default_assignee_id,
    lastGeneratedAt: r.last_generated_at,
    archived: r.archived,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}

export async function loadTemplate(ctx: RequestContext, id: string, field = 'id', lock = false) {
  const [row] = await ctx.em.execute(`select ${COLUMNS} from pos.task_template t where id = ?${lock ? ' for update' : ''}`, [id]);
  if (!row) throw new NotFoundError(`Task template ${id} not found (${field})`, { subject: 'pos.TaskTemplate', field });
  return row;
}

function cleanTitle(title: string): string {
  const t = title.trim();
  if (!t) throw new ValidationError('Invalid input: title is blank', [{ field: 'title', code: 'blank', message: 'must not be blank' }]);
  return t;
}

function titleTaken(title: string) {
  return new ConflictError(`A task template titled "${title}" already exists (title)`, 'TEMPLATE_TITLE_TAKEN', { field: 'title', title });
}

/** A recurring template must say who gets its tasks, or they would pile up unassigned. */
function checkRecurrence(recurrence: string | null, assignee: string | null) {
  if (recurrence && !assignee) {
    throw new ValidationError('A recurring template needs a default assignee', [{ field: 'defaultAssigneeId', code: 'requiredWith', params: { other: 'recurrence' }, message: 'is required when recurrence is set' }]);
  }
}

/**
 * Task templates: the shop's routine jobs ("open the store", "weekly count of the spirits shelf")
 * with a checklist, default priority, due time and assignee. A recurring one makes a task every
 * day/week/month (job `recurringTasks`).
 */
export const taskTemplatesService = defineService({
  name: 'taskTemplates',
  rest: 'task-templates',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({
        ...Paging,
        q: Type.Optional(Type.String({ maxLength: 200 })),
        archived: Type.Optional(Type.Boolean({ default: false })),
        storeId: Type.Optional(Id),
        recurring: Type.Optional(Type.Boolean()),
        sort: Sort,
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q, archived = false, storeId, recurring, sort } = ctx.params;
        const where = sqlWhere().always('t.archived = ?', archived).add('t.title ilike ?', q?.trim() ? likePattern(q.trim()) : undefined).add('t.store_id = ?', storeId);
        if (recurring !== undefined) where.always(recurring ? 't.recurrence is not null' : 't.recurrence is null');
        return { ...(await listPage(ctx, { select: COLUMNS, from: 'pos.task_template t', where, orderBy: orderBy(sort, SORTS, 't.title asc', 't.id'), limit, offset }, templateView)), limit, offset };
      },
    }),

    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        return templateView(await loadTemplate(ctx, ctx.params.id));
      },
    }),

    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({
        title: Title,
        description: Type.Optional(Description),
        checklist: Type.Optional(Checklist),
        priority: Type.Optional(Priority),
        dueInHours: Type.Optional(DueInHours),
        recurrence: Type.Optional(Recurrence),
        storeId: Type.Optional(NullableId),
        defaultAssigneeId: Type.Optional(NullableId),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const title = cleanTitle(p.title);
        if (p.storeId) await requireStore(ctx, p.storeId);
        if (p.defaultAssigneeId) {
          ctx.authorize('assign', 'pos.Task');
          await requireMember(ctx, p.defaultAssigneeId, 'defaultAssigneeId');
        }
        checkRecurrence(p.recurrence ?? null, p.defaultAssigneeId ?? null);
        const id = crypto.randomUUID();
        const rows = await ctx.em.execute(
          `insert into pos.task_template (tenant_id, id, title, description, checklist, priority, due_in_hours, recurrence, store_id, default_assignee_id, created_by)
           values (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?) on conflict do nothing returning *`,
          [ctx.tenantId, id, title, p.description ?? '', JSON.stringify(p.checklist ?? []), p.priority ?? 'normal', p.dueInHours ?? null, p.recurrence ?? null,
            p.storeId ?? null, p.defaultAssigneeId ?? null, ctx.user?.id ?? null],
        );
        if (!rows.length) throw titleTaken(title);
        return templateView(rows[0]);
      },
    }),

    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      params: Type.Object({
        id: Id,
        title: Type.Optional(Title),
        description: Type.Optional(Description),
        checklist: Type.Optional(Checklist),
        priority: Type.Optional(Priority),
        dueInHours: Type.Optional(DueInHours),
        recurrence: Type.Optional(Recurrence),
        storeId: Type.Optional(NullableId),
        defaultAssigneeId: Type.Optional(NullableId),
        archived: Type.Optional(Type.Boolean()),
        version: Type.Optional(Type.Integer({ minimum: 1 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await loadTemplate(ctx, p.id, 'id', true);
        if (p.version !== undefined && p.version !== before.version) {
          throw new ConflictError('The template was changed by someone else; reload and retry', 'STALE', { currentVersion: before.version });
        }
        const set = sqlSet();
        if (p.title !== undefined) {
          const title = cleanTitle(p.title);
          const [other] = await ctx.em.execute('select id from pos.task_template where lower(title) = lower(?) and id <> ? and not archived', [title, p.id]);
          if (other) throw titleTaken(title);
          set.add('title = ?', title);
        }
        set.add('description = ?', p.description).add('checklist = ?::jsonb', p.checklist === undefined ? undefined : JSON.stringify(p.checklist))
          .add('priority = ?', p.priority).add('due_in_hours = ?', p.dueInHours).add('recurrence = ?', p.recurrence);
        if (p.storeId !== undefined) {
          if (p.storeId) await requireStore(ctx, p.storeId);
          set.add('store_id = ?', p.storeId);
        }
        if (p.defaultAssigneeId !== undefined && p.defaultAssigneeId !== before.default_assignee_id) {
          ctx.authorize('assign', 'pos.Task');
          if (p.defaultAssigneeId) await requireMember(ctx, p.defaultAssigneeId, 'defaultAssigneeId');
          set.add('default_assignee_id = ?', p.defaultAssigneeId);
        }
        set.add('archived = ?', p.archived);
        checkRecurrence(p.recurrence !== undefined ? p.recurrence : before.recurrence, p.defaultAssigneeId !== undefined ? p.defaultAssigneeId : before.default_assignee_id);
        if (set.empty) return templateView(before);
        const [row] = await ctx.em.execute(`update pos.task_template t set ${set.always('updated_at = now()').always('version = version + 1').text()} where id = ? returning ${COLUMNS}`, [...set.params, p.id]);
        ctx.audit.diff(templateView(before), templateView(row));
        return templateView(row);
      },
    }),

    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['delete', SUBJECT],
      summary: 'Delete a template no task was made from; one with tasks is archived instead (they keep their link)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const before = await loadTemplate(ctx, ctx.params.id, 'id', true);
        const [used] = await ctx.em.execute('select 1 from pos.task where template_id = ? limit 1', [before.id]);
        ctx.audit.target(before.id);
        if (used) {
          await ctx.em.execute('update pos.task_template set archived = true, updated_at = now(), version = version + 1 where id = ?', [before.id]);
          return { id: before.id, deleted: false, archived: true };
        }
        await ctx.em.execute('delete from pos.task_template where id = ?', [before.id]);
        ctx.audit.diff(templateView(before), null);
        return { id: before.id, deleted: true, archived: false };
      },
    }),
  },
});
