import { appendOnly, tenantRls, type Migration } from '@atrium/sdk';

/**
 * People and places: branches, rooms (with capacity), subjects, teachers (subjects, pay-rate
 * rules, an optional link to the member who signs in as that teacher), custom fields, students
 * with their contacts (parents, payers), notes and an append-only activity history.
 *
 * `student.balance` is a projection of the money ledger (migration 0004): changed only together
 * with a ledger row, by domain/money-ledger.ts. Positive: money on account; negative: a debt.
 */
export const createPeople: Migration = {
  name: '0001-people',
  up: `
create extension if not exists btree_gist;

create table school.branch (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(120) not null check (length(btrim(name)) > 0),
  address varchar(300),
  phone varchar(20),
  -- IANA zone of this branch's lessons; null: the tenant's own
  time_zone varchar(64),
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id)
);
create unique index branch_name_uq on school.branch (tenant_id, lower(name));
${tenantRls('school.branch')}

create table school.room (
  tenant_id uuid not null,
  id uuid not null,
  branch_id uuid not null,
  name varchar(80) not null check (length(btrim(name)) > 0),
  capacity integer not null check (capacity between 1 and 1000),
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, branch_id) references school.branch (tenant_id, id)
);
create unique index room_name_uq on school.room (tenant_id, branch_id, lower(name));
${tenantRls('school.room')}

create table school.subject (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(120) not null check (length(btrim(name)) > 0),
  color varchar(7) check (color ~ '^#[0-9a-fA-F]{6}$'),
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id)
);
create unique index subject_name_uq on school.subject (tenant_id, lower(name));
${tenantRls('school.subject')}

create table school.teacher (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(200) not null check (length(btrim(name)) > 0),
  -- E.164 digits only (+77011234567 → 77011234567)
  phone varchar(20),
  email varchar(254),
  -- the member who signs in as this teacher (role "teacher" sees only this teacher's groups and lessons)
  user_id uuid,
  status varchar(10) not null default 'active' check (status in ('active', 'inactive')),
  color varchar(7) check (color ~ '^#[0-9a-fA-F]{6}$'),
  note text check (length(note) <= 5000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id)
);
create unique index teacher_user_uq on school.teacher (tenant_id, user_id) where user_id is not null;
create index teacher_name on school.teacher (tenant_id, lower(name));
${tenantRls('school.teacher')}

create table school.teacher_subject (
  tenant_id uuid not null,
  teacher_id uuid not null,
  subject_id uuid not null,
  primary key (tenant_id, teacher_id, subject_id),
  foreign key (tenant_id, teacher_id) references school.teacher (tenant_id, id) on delete cascade,
  foreign key (tenant_id, subject_id) references school.subject (tenant_id, id)
);
${tenantRls('school.teacher_subject')}

-- How a teacher is paid (domain/payroll.ts): per conducted lesson, per attendee, and/or a share of
-- the lesson's revenue; the most specific rule valid on the lesson's date applies.
create table school.pay_rate (
  tenant_id uuid not null,
  id uuid not null,
  teacher_id uuid not null,
  subject_id uuid,
  lesson_kind varchar(10) check (lesson_kind in ('group', 'individual', 'trial', 'makeup')),
  per_lesson bigint not null default 0 check (per_lesson >= 0),
  per_attendee bigint not null default 0 check (per_attendee >= 0),
  revenue_bp integer not null default 0 check (revenue_bp between 0 and 10000),
  valid_from date not null default '2000-01-01',
  valid_to date,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  check (valid_to is null or valid_to >= valid_from),
  check (per_lesson > 0 or per_attendee > 0 or revenue_bp > 0),
  foreign key (tenant_id, teacher_id) references school.teacher (tenant_id, id) on delete cascade,
  foreign key (tenant_id, subject_id) references school.subject (tenant_id, id)
);
create index pay_rate_teacher on school.pay_rate (tenant_id, teacher_id);
${tenantRls('school.pay_rate')}

create table school.custom_field (
  tenant_id uuid not null,
  id uuid not null,
  key varchar(40) not null check (key ~ '^[a-z][a-z0-9_]*$'),
  -- { "en": "School", "ru": "Школа" }
  label jsonb not null,
  type varchar(10) not null check (type in ('text', 'number', 'date', 'select', 'boolean')),
  options jsonb not null default '[]',
  required boolean not null default false,
  position integer not null default 0,
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
create unique index custom_field_key_uq on school.custom_field (tenant_id, key);
${tenantRls('school.custom_field')}

create table school.student (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(200) not null check (length(btrim(name)) > 0),
  birth_date date,
  phone varchar(20),
  email varchar(254),
  status varchar(10) not null default 'active' check (status in ('active', 'trial', 'paused', 'left')),
  branch_id uuid,
  -- values of the tenant's custom fields, by key (checked against school.custom_field)
  custom jsonb not null default '{}' check (jsonb_typeof(custom) = 'object'),
  discount_id uuid,
  balance bigint not null default 0,
  note text check (length(note) <= 5000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, branch_id) references school.branch (tenant_id, id)
);
create index student_name on school.student (tenant_id, lower(name));
create index student_phone on school.student (tenant_id, phone) where phone is not null;
create index student_status on school.student (tenant_id, status);
${tenantRls('school.student')}

-- Parents, payers and the student's own addresses. Notifications go to contacts with notify = true,
-- on their preferred channel, in their language.
create table school.contact (
  tenant_id uuid not null,
  id uuid not null,
  student_id uuid not null,
  name varchar(200) not null check (length(btrim(name)) > 0),
  relation varchar(10) not null default 'other' check (relation in ('self', 'mother', 'father', 'guardian', 'other')),
  phone varchar(20),
  email varchar(254),
  -- a Telegram user id (numeric) once the parent wrote to the centre's bot
  telegram varchar(20) check (telegram ~ '^-?[0-9]{1,20}$'),
  preferred_channel varchar(10) not null default 'sms' check (preferred_channel in ('sms', 'whatsapp', 'telegram', 'email', 'none')),
  locale varchar(2) not null default 'ru' check (locale in ('ru', 'uk', 'kk', 'en')),
  is_payer boolean not null default false,
  notify boolean not null default true,
  position integer not null default 0,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id) on delete cascade
);
create index contact_student on school.contact (tenant_id, student_id);
create index contact_phone on school.contact (tenant_id, phone) where phone is not null;
${tenantRls('school.contact')}

create table school.student_note (
  tenant_id uuid not null,
  id uuid not null,
  student_id uuid not null,
  text text not null check (length(btrim(text)) between 1 and 5000),
  author_id uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id) on delete cascade
);
create index student_note_student on school.student_note (tenant_id, student_id, created_at desc);
${tenantRls('school.student_note')}

-- What happened to a student or a lead, newest first on their page. Append-only.
create table school.activity (
  tenant_id uuid not null,
  id bigserial,
  student_id uuid,
  lead_id uuid,
  kind varchar(40) not null,
  data jsonb not null default '{}',
  user_id uuid,
  at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id)
);
create index activity_student on school.activity (tenant_id, student_id, at desc) where student_id is not null;
create index activity_lead on school.activity (tenant_id, lead_id, at desc) where lead_id is not null;
${tenantRls('school.activity')}
${appendOnly('school.activity', 'school')}
`,
};
