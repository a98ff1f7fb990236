import { ConflictError, defineAction, defineService, likePattern, listPage, Paging, sqlSet, sqlWhere, Type, UnprocessableError, ValidationError, type ActionContext, type RequestContext } from '@atrium/sdk';
import { requireMember } from '../domain/members.ts';
import { requireStore } from '../domain/stores.ts';
import { checkTransition, isOpen } from '../domain/task-flow.ts';
import { caslTask, insertTask, loadTask, TASK_SELECT, taskView, type ChecklistItem } from '../domain/tasks.ts';
import { Task, TASK_STATUSES, type TaskStatus } from '../entities/task.ts';
import { loadTemplate, Priority } from './task-templates.service.ts';

const SUBJECT = 'pos.Task';
const Id = Type.String({ format: 'uuid' });
const NullableId = Type.Union([Id, Type.Null()]);
const Status = Type.Union(TASK_STATUSES.map((s) => Type.Literal(s)));
const Title = Type.String({ minLength: 1, maxLength: 200 });
const Description = Type.String({ maxLength: 20000 });
const DueAt = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);
const ChecklistInput = Type.Array(Type.String({ minLength: 1, maxLength: 300 }), { maxItems: 50 });
const Checklist = Type.Array(Type.Object({ text: Type.String({ minLength: 1, maxLength: 300 }), done: Type.Boolean() }, { additionalProperties: false }), { maxItems: 50 });
// photo reports are pictures; the files service applies the tenant-wide size/type limits on top
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

const SORTS: Record<string, Record<string, string>[]> = {
  priority: [{ priorityRank: 'asc' }], '-priority': [{ priorityRank: 'desc' }],
  dueAt: [{ dueAt: 'asc nulls last' }], '-dueAt': [{ dueAt: 'desc nulls last' }],
  createdAt: [{ createdAt: 'asc' }], '-createdAt': [{ createdAt: 'desc' }],
  updatedAt: [{ updatedAt: 'asc' }], '-updatedAt': [{ updatedAt: 'desc' }],
};
// most urgent first, then what is due soonest
const DEFAULT_SORT = [{ priorityRank: 'desc' }, { dueAt: 'asc nulls last' }, { createdAt: 'desc' }];

type Changes = {
  title?: string;
  description?: string;
  priority?: string;
  status?: TaskStatus;
  assigneeId?: string | null;
  storeId?: string | null;
  dueAt?: string | null;
  checklist?: ChecklistItem[];
  version?: number;
};

function cleanTitle(title: string): string {
  const t = title.trim();
  if (!t) throw new ValidationError('Invalid input: title is blank', [{ field: 'title', code: 'blank', message: 'must not be blank' }]);
  return t;
}

/** Loads a task the caller may act on; another tenant's id is a 404 (RLS), someone else's task a 403. */
async function taskFor(ctx: RequestContext, id: string, action: 'read' | 'update', lock = false) {
  const row = await loadTask(ctx, id, lock);
  ctx.authorize(action, SUBJECT, caslTask(row));
  return row;
}

/**
 * Applies a change set to a locked task row: field permissions, assignment (manager + membership),
 * the status machine, timestamps; then writes it with the version bump and announces it.
 */
async function applyChanges(ctx: RequestContext, before: any, c: Changes) {
  const obj = caslTask(before);
  if (c.version !== undefined && c.version !== before.version) {
    throw new ConflictError('The task was changed by someone else; reload and retry', 'STALE', { currentVersion: before.version });
  }
  const upd = sqlSet();
  const set = (sql: string, v: unknown) => upd.always(sql, v);
  const changed: string[] = [];
  // field-level rules (a custom role may let staff change only status and checklist)
  const field = (name: string) => { ctx.authorize('update', SUBJECT, obj, name); changed.push(name); };

  if (c.title !== undefined && c.title !== before.title) { field('title'); set('title = ?', cleanTitle(c.title)); }
  if (c.description !== undefined && c.description !== before.description) { field('description'); set('description = ?', c.description); }
  if (c.priority !== undefined && c.priority !== before.priority) { field('priority'); set('priority = ?', c.priority); }
  if (c.dueAt !== undefined) { field('dueAt'); set('due_at = ?', c.dueAt); }
  if (c.checklist !== undefined) { field('checklist'); set('checklist = ?::jsonb', JSON.stringify(c.checklist)); }
  if (c.storeId !== undefined && c.storeId !== before.store_id) {
    field('storeId');
    if (c.storeId) await requireStore(ctx, c.storeId);
    set('store_id = ?', c.storeId);
  }

  const from = before.status as TaskStatus;
  let assignee: string | null = before.assignee_id;
  let to: TaskStatus = from;
  const canManage = ctx.can('assign', SUBJECT);

  if (c.assigneeId !== undefined && c.assigneeId !== before.assignee_id) {
    ctx.authorize('assign', SUBJECT);
    if (!isOpen(from)) throw new UnprocessableError(`A ${from} task cannot be reassigned; reopen it first (assigneeId)`, 'TASK_CLOSED', { field: 'assigneeId', status: from });
    if (c.assigneeId) await requireMember(ctx, c.assigneeId);
    assignee = c.assigneeId;
    changed.push('assigneeId');
    // assigning hands the task over fresh; unassigning puts it back in the pool
    if (c.status === undefined) to = assignee ? 'assigned' : 'new';
  }
  if (c.status !== undefined && c.status !== from) {
    field('status');
    checkTransition(from, c.status, canManage);
    to = c.status;
  } else if (to !== from) {
    changed.push('status');
  }
  if (to === 'new' && from !== 'new') assignee = null;
  // a manager starting an unassigned task takes it
  if (to === 'in_progress' && !assignee) assignee = ctx.user?.id ?? null;
  if (to === 'assigned' && !assignee) {
    throw new UnprocessableError('Assign someone to move the task to assigned (assigneeId)', 'ASSIGNEE_REQUIRED', { field: 'assigneeId' });
  }
  if (assignee !== before.assignee_id) {
    set('assignee_id = ?', assignee);
    if (!changed.includes('assigneeId')) changed.push('assigneeId');
  }
  if (to !== from) {
    set('status = ?', to);
    if (to === 'in_progress') upd.always('started_at = coalesce(started_at, now())');
    upd.always(to === 'done' ? 'completed_at = now()' : 'completed_at = null');
  }
  if (upd.empty) return taskView(before);

  await ctx.em.execute(`update pos.task set ${upd.always('updated_at = now()').always('version = version + 1').text()} where id = ?`, [...upd.params, before.id]);
  const after = taskView(await loadTask(ctx, before.id));
  ctx.audit.diff(taskView(before), after);
  await ctx.emit('pos.task.updated.v1', {
    id: after.id, title: after.title, changes: changed, status: after.status, previousStatus: from,
    assigneeId: after.assigneeId, previousAssigneeId: before.assignee_id, priority: after.priority, dueAt: after.dueAt,
    createdBy: after.createdBy, updatedBy: ctx.user?.id ?? null,
  });
  return after;
}

/**
 * Staff tasks: created free or from a template, assigned to a member of the business, moved
 * through six statuses (domain/task-flow.ts), discussed in comments and closed with photo reports.
 * Cashiers and staff see and change only tasks assigned to them: their CASL rule
 * `{ assigneeId: '${user.id}' }` filters lists in SQL and is checked on every single task.
 */
export const tasksService = defineService({
  name: 'tasks',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      summary: 'Tasks the caller may see, filtered and paginated (most urgent first)',
      params: Type.Object({
        ...Paging,
        status: Type.Optional(Type.Array(Status, { minItems: 1, maxItems: 6, uniqueItems: true, description: 'one or more, comma separated' })),
        priority: Type.Optional(Type.Array(Priority, { minItems: 1, maxItems: 4, uniqueItems: true })),
        assigneeId: Type.Optional(Id),
        unassigned: Type.Optional(Type.Boolean()),
        mine: Type.Optional(Type.Boolean({ description: 'only tasks assigned to the caller' })),
        storeId: Type.Optional(Id),
        templateId: Type.Optional(Id),
        dueBefore: Type.Optional(Type.String({ format: 'date-time' })),
        overdue: Type.Optional(Type.Boolean({ description: 'open and past the due time' })),
        q: Type.Optional(Type.String({ maxLength: 200 })),
        sort: Type.Optional(Type.Union(Object.keys(SORTS).map((k) => Type.Literal(k)))),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const { limit = 20, offset = 0 } = p;
        // the caller's read rules as SQL conditions: {} for managers, {assigneeId} for staff
        const and: Record<string, unknown>[] = [ctx.accessibleWhere('read', SUBJECT)];
        if (p.status) and.push({ status: { $in: p.status } });
        if (p.priority) and.push({ priority: { $in: p.priority } });
        if (p.assigneeId) and.push({ assigneeId: p.assigneeId });
        if (p.unassigned !== undefined) and.push({ assigneeId: p.unassigned ? null : { $ne: null } });
        if (p.mine) and.push({ assigneeId: ctx.user?.id ?? null });
        if (p.storeId) and.push({ storeId: p.storeId });
        if (p.templateId) and.push({ templateId: p.templateId });
        if (p.dueBefore) and.push({ dueAt: { $lt: new Date(p.dueBefore) } });
        const now = new Date();
        if (p.overdue === true) and.push({ dueAt: { $lt: now }, status: { $nin: ['done', 'canceled'] } });
        if (p.overdue === false) and.push({ $or: [{ dueAt: null }, { dueAt: { $gte: now } }, { status: { $in: ['done', 'canceled'] } }] });
        if (p.q?.trim()) and.push({ title: { $ilike: likePattern(p.q.trim()) } });
        const orderBy = [...(p.sort ? SORTS[p.sort] : DEFAULT_SORT), { id: 'asc' }];
        const [page, total] = await ctx.em.findAndCount(Task, { $and: and } as any, { fields: ['id'] as any, limit, offset, orderBy: orderBy as any });
        const ids = page.map((t) => t.id);
        const rows = ids.length ? await ctx.em.execute(`${TASK_SELECT} where t.id in (select jsonb_array_elements_text(?::jsonb)::uuid)`, [JSON.stringify(ids)]) : [];
        const byId = new Map(rows.map((r: any) => [r.id, r]));
        return { items: ids.map((id) => taskView(byId.get(id))), total, limit, offset };
      },
    }),

    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        return taskView(await taskFor(ctx, ctx.params.id, 'read'));
      },
    }),

    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      summary: 'Create a task, free or from a template (its title, checklist, priority, due time, store and assignee are the defaults)',
      params: Type.Object({
        templateId: Type.Optional(Id),
        title: Type.Optional(Title),
        description: Type.Optional(Description),
        priority: Type.Optional(Priority),
        assigneeId: Type.Optional(NullableId),
        storeId: Type.Optional(NullableId),
        dueAt: Type.Optional(DueAt),
        checklist: Type.Optional(ChecklistInput),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const tpl = p.templateId ? await loadTemplate(ctx, p.templateId, 'templateId') : null;
        if (tpl?.archived) throw new UnprocessableError('The template is archived (templateId)', 'TEMPLATE_ARCHIVED', { field: 'templateId' });
        const title = p.title ?? tpl?.title;
        if (!title) throw new ValidationError('Invalid input: title is required without a template', [{ field: 'title', code: 'required', message: 'is required (or give templateId)' }]);
        const storeId = p.storeId !== undefined ? p.storeId : (tpl?.store_id ?? null);
        if (storeId) await requireStore(ctx, storeId);
        const assigneeId = p.assigneeId !== undefined ? p.assigneeId : (tpl?.default_assignee_id ?? null);
        // naming someone is assigning; a template's default assignee was chosen by whoever could assign
        if (p.assigneeId) ctx.authorize('assign', SUBJECT);
        if (assigneeId) await requireMember(ctx, assigneeId);
        const dueAt = p.dueAt !== undefined ? p.dueAt : tpl?.due_in_hours ? new Date(Date.now() + tpl.due_in_hours * 3_600_000).toISOString() : null;
        const checklist = (p.checklist ?? (tpl?.checklist as string[] | undefined) ?? []).map((text) => ({ text, done: false }));
        return insertTask(ctx, {
          title: cleanTitle(title), description: p.description ?? tpl?.description ?? '', priority: p.priority ?? tpl?.priority ?? 'normal',
          assigneeId, storeId, dueAt, templateId: tpl?.id ?? null, checklist,
        });
      },
    }),

    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['update', SUBJECT],
      summary: 'Change a task: status (validated transitions), details, checklist; assigneeId needs the assign permission',
      params: Type.Object({
        id: Id,
        title: Type.Optional(Title),
        description: Type.Optional(Description),
        priority: Type.Optional(Priority),
        status: Type.Optional(Status),
        assigneeId: Type.Optional(NullableId),
        storeId: Type.Optional(NullableId),
        dueAt: Type.Optional(DueAt),
        checklist: Type.Optional(Checklist),
        version: Type.Optional(Type.Integer({ minimum: 1 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, ...changes } = ctx.params;
        return applyChanges(ctx, await taskFor(ctx, id, 'update', true), changes as Changes);
      },
    }),

    assign: defineAction({
      rest: 'POST /:id/assign',
      permission: ['assign', SUBJECT],
      summary: 'Assign the task to a member (null: back to unassigned)',
      params: Type.Object({ id: Id, assigneeId: NullableId }, { additionalProperties: false }),
      async handler(ctx) {
        const before = await loadTask(ctx, ctx.params.id, true);
        return applyChanges(ctx, before, { assigneeId: ctx.params.assigneeId });
      },
    }),

    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['delete', SUBJECT],
      summary: 'Delete a task with its comments and photo links (cancel it instead to keep the history)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const before = await loadTask(ctx, ctx.params.id, true);
        ctx.authorize('delete', SUBJECT, caslTask(before));
        await ctx.em.execute('delete from pos.task where id = ?', [before.id]);
        ctx.audit.diff(taskView(before), null);
        return { id: before.id, deleted: true };
      },
    }),

    comments: defineAction({
      rest: 'GET /:id/comments',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id, ...Paging }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, limit = 50, offset = 0 } = ctx.params;
        await taskFor(ctx, id, 'read');
        const page = await listPage(ctx, { select: COMMENT_COLUMNS, from: 'pos.task_comment', where: sqlWhere().always('task_id = ?', id), orderBy: 'created_at, id', limit, offset }, commentView);
        return { ...page, limit, offset };
      },
    }),

    addComment: defineAction({
      rest: 'POST /:id/comments',
      // whoever can see the task can discuss it
      permission: ['read', SUBJECT],
      mutates: true,
      status: 201,
      idempotent: true,
      params: Type.Object({ id: Id, body: Type.String({ minLength: 1, maxLength: 10000 }) }, { additionalProperties: false }),
      async handler(ctx) {
        const task = await taskFor(ctx, ctx.params.id, 'read', true);
        const body = ctx.params.body.trim();
        if (!body) throw new ValidationError('Invalid input: body is blank', [{ field: 'body', code: 'blank', message: 'must not be blank' }]);
        const [row] = await ctx.em.execute(
          `insert into pos.task_comment (tenant_id, id, task_id, author_id, body) values (?, ?, ?, ?, ?) returning ${COMMENT_COLUMNS}`,
          [ctx.tenantId, crypto.randomUUID(), task.id, ctx.user?.id ?? null, body],
        );
        await announceActivity(ctx, task, 'comment', { commentId: row.id });
        return commentView(row);
      },
    }),

    photos: defineAction({
      rest: 'GET /:id/photos',
      permission: ['read', SUBJECT],
      summary: 'Photo reports of the task; download each with GET /api/files/:fileId',
      params: Type.Object({ id: Id, ...Paging }, { additionalProperties: false }),
      async handler(ctx) {
        const { id, limit = 50, offset = 0 } = ctx.params;
        await taskFor(ctx, id, 'read');
        const page = await listPage(ctx, { select: PHOTO_COLUMNS, from: 'pos.task_photo', where: sqlWhere().always('task_id = ?', id), orderBy: 'created_at, id', limit, offset }, photoView);
        return { ...page, limit, offset };
      },
    }),

    addPhoto: defineAction({
      rest: 'POST /:id/photos',
      raw: true,
      maxBodyBytes: 20 * 1024 * 1024,
      permission: ['update', SUBJECT],
      status: 201,
      summary: 'Attach a photo report: the request body is the image (JPEG/PNG/WebP), ?name= its file name, ?caption= optional',
      params: Type.Object({
        id: Id,
        name: Type.String({ minLength: 1, maxLength: 255, pattern: '^[^/\\\\]+$' }),
        caption: Type.Optional(Type.String({ maxLength: 500 })),
        $body: Type.String(),
        $contentType: Type.String({ maxLength: 200 }),
        $headers: Type.Optional(Type.Object({}, { additionalProperties: true })),
      }, { additionalProperties: false }),
      async handler(ctx: ActionContext<any>) {
        const p = ctx.params;
        const task = await taskFor(ctx, p.id, 'update', true);
        if (!isOpen(task.status)) throw new UnprocessableError(`The task is ${task.status}; reopen it to add photos`, 'TASK_CLOSED', { field: 'id', status: task.status });
        const contentType = String(p.$contentType).split(';')[0].trim().toLowerCase();
        if (!IMAGE_TYPES.includes(contentType)) {
          throw new ValidationError(`A photo report must be an image (${IMAGE_TYPES.join(', ')}), not ${contentType}`, [{ field: 'contentType', code: 'enum', params: { allowedValues: IMAGE_TYPES }, message: `must be one of ${IMAGE_TYPES.join(', ')}` }]);
        }
        // the kernel keeps the bytes (local disk or S3 by config) and enforces the size limit
        const file = await ctx.call<{ id: string; name: string; contentType: string; size: number }>('files.upload', { name: p.name, $body: p.$body, $contentType: contentType });
        const [row] = await ctx.em.execute(
          `insert into pos.task_photo (tenant_id, id, task_id, file_id, name, content_type, size, caption, uploaded_by) values (?, ?, ?, ?, ?, ?, ?, ?, ?) returning ${PHOTO_COLUMNS}`,
          [ctx.tenantId, crypto.randomUUID(), task.id, file.id, file.name, file.contentType, file.size, p.caption ?? null, ctx.user?.id ?? null],
        );
        await announceActivity(ctx, task, 'photo', { photoId: row.id, fileId: file.id });
        ctx.audit.diff(null, { taskId: task.id, fileId: file.id, name: file.name, size: file.size });
        return photoView(row);
      },
    }),
  },
});

const COMMENT_COLUMNS = 'id, task_id, author_id, body, created_at';
const PHOTO_COLUMNS = 'id, task_id, file_id, name, content_type, size, caption, uploaded_by, created_at';

function commentView(r: any) {
  return { id: r.id, taskId: r.task_id, authorId: r.author_id, body: r.body, createdAt: r.created_at };
}

function photoView(r: any) {
  return { id: r.id, taskId: r.task_id, fileId: r.file_id, name: r.name, contentType: r.content_type, size: r.size, caption: r.caption, uploadedBy: r.uploaded_by, createdAt: r.created_at, url: `/api/files/${r.file_id}` };
}

/** Comments and photos touch the task (updated_at) and tell the assignee and the author. */
async function announceActivity(ctx: RequestContext, task: any, change: 'comment' | 'photo', extra: Record<string, unknown>) {
  await ctx.em.execute('update pos.task set updated_at = now() where id = ?', [task.id]);
  await ctx.emit('pos.task.updated.v1', {
    id: task.id, title: task.title, changes: [change], status: task.status, previousStatus: task.status,
    assigneeId: task.assignee_id, previousAssigneeId: task.assignee_id, priority: task.priority, dueAt: task.due_at,
    createdBy: task.created_by, updatedBy: ctx.user?.id ?? null, ...extra,
  });
}
