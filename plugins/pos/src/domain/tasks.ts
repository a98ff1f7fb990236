import { NotFoundError, type RequestContext } from '@atrium/sdk';
import type { TaskPriority, TaskStatus } from '../entities/task.ts';

export type ChecklistItem = { text: string; done: boolean };

export type NewTask = {
  title: string;
  description: string;
  priority: TaskPriority;
  assigneeId: string | null;
  storeId: string | null;
  dueAt: string | null;
  templateId: string | null;
  checklist: ChecklistItem[];
};

export function taskView(r: any) {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    priority: r.priority as TaskPriority,
    status: r.status as TaskStatus,
    assigneeId: r.assignee_id as string | null,
    storeId: r.store_id,
    dueAt: r.due_at,
    // open and past its due time (computed by the database clock, like the overdue filter)
    overdue: !!r.overdue,
    templateId: r.template_id,
    checklist: r.checklist as ChecklistItem[],
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    completedAt: r.completed_at,
    comments: r.comments ?? 0,
    photos: r.photos ?? 0,
    version: r.version,
  };
}
export type TaskView = ReturnType<typeof taskView>;

export const TASK_SELECT = `select t.*, (t.due_at < now() and t.status not in ('done', 'canceled')) as overdue,
    (select count(*)::int from pos.task_comment tc where tc.tenant_id = t.tenant_id and tc.task_id = t.id) as comments,
    (select count(*)::int from pos.task_photo tp where tp.tenant_id = t.tenant_id and tp.task_id = t.id) as photos
  from pos.task t`;

export async function loadTask(ctx: RequestContext, id: string, lock = false): Promise<any> {
  const [row] = await ctx.em.execute(`${TASK_SELECT} where t.id = ?${lock ? ' for update of t' : ''}`, [id]);
  if (!row) throw new NotFoundError('Task not found', { subject: 'pos.Task', taskId: id });
  return row;
}

/** The CASL object for a task row: rule conditions are written against these property names. */
export function caslTask(r: any): Record<string, unknown> {
  return { id: r.id, assigneeId: r.assignee_id, storeId: r.store_id, status: r.status, priority: r.priority, createdBy: r.created_by, templateId: r.template_id };
}

/**
 * Inserts a task (status `assigned` when it has an assignee, else `new`) and announces it:
 * `pos.task.created.v1` carries the assignee so a notification plugin can tell them.
 * Callers check permissions, the store and the assignee's membership first.
 */
export async function insertTask(ctx: RequestContext, t: NewTask): Promise<TaskView> {
  const id = crypto.randomUUID();
  const status: TaskStatus = t.assigneeId ? 'assigned' : 'new';
  await ctx.em.execute(
    `insert into pos.task (tenant_id, id, title, description, priority, status, assignee_id, store_id, due_at, template_id, checklist, created_by)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)`,
    [ctx.tenantId, id, t.title, t.description, t.priority, status, t.assigneeId, t.storeId, t.dueAt, t.templateId, JSON.stringify(t.checklist), ctx.user?.id ?? null],
  );
  const view = taskView(await loadTask(ctx, id));
  await ctx.emit('pos.task.created.v1', {
    id, title: view.title, priority: view.priority, status: view.status, assigneeId: view.assigneeId, storeId: view.storeId,
    dueAt: view.dueAt, templateId: view.templateId, createdBy: view.createdBy,
  });
  return view;
}
