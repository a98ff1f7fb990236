import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Leads: the tenant's own lists of sources, pipeline statuses (the Kanban's columns; each is
 * open, won or lost) and reject reasons; leads with a position inside their column; tasks (a call
 * back, a reminder) on a lead or a student. A lead books a trial lesson as a student in status
 * `trial` and becomes an active student when enrolled in a group.
 */
export const createLeads: Migration = {
  name: '0005-leads',
  up: `
create table school.lead_source (
  tenant_id uuid not null,
  id uuid not null,
  -- the built-in entries have a code (worded in the reader's language) and no name until renamed
  code varchar(20) check (code ~ '^[a-z_]+$'),
  name varchar(120) check (length(btrim(name)) > 0),
  position integer not null default 0,
  archived boolean not null default false,
  primary key (tenant_id, id),
  check (name is not null or code is not null)
);
create unique index lead_source_name_uq on school.lead_source (tenant_id, lower(name)) where name is not null;
create unique index lead_source_code_uq on school.lead_source (tenant_id, code) where code is not null;
${tenantRls('school.lead_source')}

create table school.lead_status (
  tenant_id uuid not null,
  id uuid not null,
  -- the built-in entries have a code (worded in the reader's language) and no name until renamed
  code varchar(20) check (code ~ '^[a-z_]+$'),
  name varchar(120) check (length(btrim(name)) > 0),
  kind varchar(5) not null default 'open' check (kind in ('open', 'won', 'lost')),
  position integer not null default 0,
  color varchar(7) check (color ~ '^#[0-9a-fA-F]{6}$'),
  archived boolean not null default false,
  primary key (tenant_id, id),
  check (name is not null or code is not null)
);
create unique index lead_status_name_uq on school.lead_status (tenant_id, lower(name)) where name is not null;
create unique index lead_status_code_uq on school.lead_status (tenant_id, code) where code is not null;
${tenantRls('school.lead_status')}

create table school.lead_reject_reason (
  tenant_id uuid not null,
  id uuid not null,
  -- the built-in entries have a code (worded in the reader's language) and no name until renamed
  code varchar(20) check (code ~ '^[a-z_]+$'),
  name varchar(120) check (length(btrim(name)) > 0),
  position integer not null default 0,
  archived boolean not null default false,
  primary key (tenant_id, id),
  check (name is not null or code is not null)
);
create unique index lead_reject_reason_name_uq on school.lead_reject_reason (tenant_id, lower(name)) where name is not null;
create unique index lead_reject_reason_code_uq on school.lead_reject_reason (tenant_id, code) where code is not null;
${tenantRls('school.lead_reject_reason')}

create table school.lead (
  tenant_id uuid not null,
  id uuid not null,
  -- the future student (a child, usually)
  name varchar(200) not null check (length(btrim(name)) > 0),
  birth_date date,
  -- who we talk to (a parent)
  contact_name varchar(200),
  phone varchar(20),
  email varchar(254),
  locale varchar(2) not null default 'ru' check (locale in ('ru', 'uk', 'kk', 'en')),
  subject_id uuid,
  branch_id uuid,
  source_id uuid,
  status_id uuid not null,
  reject_reason_id uuid,
  assignee_id uuid,
  student_id uuid,
  trial_lesson_id uuid,
  -- order inside the Kanban column (fractional, so a move writes one row)
  position double precision not null default 0,
  note text check (length(note) <= 5000),
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  status_changed_at timestamptz not null default now(),
  converted_at timestamptz,
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, subject_id) references school.subject (tenant_id, id),
  foreign key (tenant_id, branch_id) references school.branch (tenant_id, id),
  foreign key (tenant_id, source_id) references school.lead_source (tenant_id, id),
  foreign key (tenant_id, status_id) references school.lead_status (tenant_id, id),
  foreign key (tenant_id, reject_reason_id) references school.lead_reject_reason (tenant_id, id),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id),
  foreign key (tenant_id, trial_lesson_id) references school.lesson (tenant_id, id)
);
create index lead_board on school.lead (tenant_id, status_id, position);
create index lead_created on school.lead (tenant_id, created_at);
create index lead_phone on school.lead (tenant_id, phone) where phone is not null;
${tenantRls('school.lead')}

alter table school.activity add constraint activity_lead_fk foreign key (tenant_id, lead_id) references school.lead (tenant_id, id);

create table school.task (
  tenant_id uuid not null,
  id uuid not null,
  title varchar(300) not null check (length(btrim(title)) > 0),
  lead_id uuid,
  student_id uuid,
  due_at timestamptz,
  done_at timestamptz,
  assignee_id uuid,
  created_by uuid,
  created_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, lead_id) references school.lead (tenant_id, id) on delete cascade,
  foreign key (tenant_id, student_id) references school.student (tenant_id, id)
);
create index task_open on school.task (tenant_id, due_at) where done_at is null;
create index task_lead on school.task (tenant_id, lead_id) where lead_id is not null;
${tenantRls('school.task')}
`,
};
