import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Staff tasks (seed: "задачи персонала с фото-отчётами"): templates, tasks with a priority, six
 * statuses, an assignee (a kernel user who is a member of the tenant), comments and photo reports
 * (files kept by the kernel's files service; we store their ids).
 *
 * Status flow (enforced in services/tasks.service.ts):
 *   new → assigned → in_progress → on_review → done, and canceled from anywhere open.
 * `priority_rank` is derived from `priority` so lists can sort by urgency in SQL.
 */
export const createTasks: Migration = {
  name: '0020-tasks',
  up: `
create table pos.task_template (
  tenant_id uuid not null,
  id uuid not null,
  title varchar(200) not null check (length(title) > 0),
  description text not null default '' check (octet_length(description) <= 20000),
  -- ["check the price tags", "photo of the shelf"]: copied into each task made from it
  checklist jsonb not null default '[]' check (jsonb_typeof(checklist) = 'array'),
  priority varchar(8) not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
  -- how long after creation a task from this template is due, if at all
  due_in_hours integer check (due_in_hours between 1 and 8760),
  -- a recurring template makes a task every day/week/month (job tasks.recurring)
  recurrence varchar(8) check (recurrence in ('daily', 'weekly', 'monthly')),
  store_id uuid,
  default_assignee_id uuid,
  last_generated_at timestamptz,
  archived boolean not null default false,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id)
);
create unique index task_template_title_uq on pos.task_template (tenant_id, lower(title)) where not archived;
${tenantRls('pos.task_template')}

create table pos.task (
  tenant_id uuid not null,
  id uuid not null,
  title varchar(200) not null check (length(title) > 0),
  description text not null default '' check (octet_length(description) <= 20000),
  priority varchar(8) not null default 'normal' check (priority in ('low', 'normal', 'high', 'urgent')),
  priority_rank smallint generated always as (case priority when 'low' then 0 when 'normal' then 1 when 'high' then 2 else 3 end) stored,
  status varchar(12) not null default 'new' check (status in ('new', 'assigned', 'in_progress', 'on_review', 'done', 'canceled')),
  assignee_id uuid,
  store_id uuid,
  due_at timestamptz,
  template_id uuid,
  -- [{text, done}]
  checklist jsonb not null default '[]' check (jsonb_typeof(checklist) = 'array'),
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  completed_at timestamptz,
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, template_id) references pos.task_template (tenant_id, id),
  -- an assigned task has someone to do it; a new one has nobody yet
  constraint task_assignee_status check (status <> 'assigned' or assignee_id is not null)
);
create index task_assignee on pos.task (tenant_id, assignee_id, status);
create index task_status on pos.task (tenant_id, status, due_at);
create index task_open_due on pos.task (tenant_id, due_at) where status not in ('done', 'canceled');
create index task_store on pos.task (tenant_id, store_id) where store_id is not null;
create index task_template_ref on pos.task (tenant_id, template_id, created_at desc) where template_id is not null;
${tenantRls('pos.task')}

create table pos.task_comment (
  tenant_id uuid not null,
  id uuid not null,
  task_id uuid not null,
  author_id uuid,
  body text not null check (length(body) > 0 and octet_length(body) <= 10000),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, task_id) references pos.task (tenant_id, id) on delete cascade
);
create index task_comment_task on pos.task_comment (tenant_id, task_id, created_at);
${tenantRls('pos.task_comment')}

create table pos.task_photo (
  tenant_id uuid not null,
  id uuid not null,
  task_id uuid not null,
  -- kernel.File id (files service); fetch the image with GET /api/files/:fileId
  file_id uuid not null,
  name varchar(255) not null,
  content_type varchar(200) not null,
  size integer not null,
  caption varchar(500),
  uploaded_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, task_id) references pos.task (tenant_id, id) on delete cascade
);
create index task_photo_task on pos.task_photo (tenant_id, task_id, created_at);
${tenantRls('pos.task_photo')}
`,
};
