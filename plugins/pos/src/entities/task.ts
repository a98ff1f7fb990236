import { defineEntity, p, tenantFilter, tenantIdProperty, uuidPrimaryKey } from '@atrium/sdk';

export const TASK_STATUSES = ['new', 'assigned', 'in_progress', 'on_review', 'done', 'canceled'] as const;
export const TASK_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

/**
 * A staff task, mapped for reading lists through the ORM: the caller's CASL rules
 * (`{ assigneeId: '${user.id}' }` for cashiers and staff) become MikroORM conditions with
 * `ctx.accessibleWhere`, whatever operators a custom role uses. Writes are plain SQL in
 * services/tasks.service.ts (status machine, guarded by `version`).
 */
export const Task = defineEntity({
  name: 'PosTask',
  schema: 'pos',
  tableName: 'task',
  properties: {
    id: uuidPrimaryKey(),
    tenantId: tenantIdProperty(),
    title: p.string().length(200),
    description: p.text().default(''),
    priority: p.string().length(8).$type<TaskPriority>(),
    // generated in the database from priority; only read here (sorting by urgency)
    priorityRank: p.smallint().generated('(case priority when \'low\' then 0 when \'normal\' then 1 when \'high\' then 2 else 3 end) stored'),
    status: p.string().length(12).$type<TaskStatus>(),
    assigneeId: p.uuid().nullable(),
    storeId: p.uuid().nullable(),
    dueAt: p.datetime().nullable(),
    templateId: p.uuid().nullable(),
    checklist: p.json<{ text: string; done: boolean }[]>(),
    createdBy: p.uuid().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    startedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    version: p.integer().version(),
  },
  filters: tenantFilter as any,
});

export type TaskEntity = InstanceType<typeof Task.class>;
