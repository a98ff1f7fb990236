import { appendOnly, tenantRls, type Migration } from '@atrium/sdk';

/**
 * Tariffs, discounts, passes (a number of lessons valid for a period), freezes and make-up credits.
 *
 * `pass.lessons_used` and `pass.valid_until` change only together with a `pass_ledger` row, by
 * domain/pass-ledger.ts, through guarded updates: `lessons_used < lessons_total` in the WHERE makes
 * fifty teachers marking at once take at most what the pass has. A freeze is a date range that
 * may not overlap another freeze of the pass (exclusion constraint) and moves `valid_until` by
 * its length. A make-up credit is consumed exactly once: its status moves open → booked → used by
 * guarded updates, and one lesson_student row at most may hold it (unique index, migration 0002).
 */
export const createPasses: Migration = {
  name: '0003-passes',
  up: `
create table school.tariff (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(120) not null check (length(btrim(name)) > 0),
  -- pass: a number of lessons for a period; single: one lesson (a visit, a trial)
  kind varchar(10) not null check (kind in ('pass', 'single')),
  price bigint not null check (price >= 0),
  currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
  lessons integer check (lessons between 1 and 1000),
  validity_days integer check (validity_days between 1 and 3660),
  -- what the pass covers: lessons of one subject, or of one group; null: any
  subject_id uuid,
  group_id uuid,
  charge_unexcused boolean not null default true,
  charge_excused boolean not null default false,
  -- an excused miss gives a credit to make the lesson up in another group of the subject
  makeups boolean not null default true,
  max_freeze_days integer not null default 0 check (max_freeze_days between 0 and 366),
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  check ((kind = 'pass') = (lessons is not null and validity_days is not null)),
  foreign key (tenant_id, subject_id) references school.subject (tenant_id, id),
  foreign key (tenant_id, group_id) references school.study_group (tenant_id, id)
);
create unique index tariff_name_uq on school.tariff (tenant_id, lower(name)) where not archived;
${tenantRls('school.tariff')}

create table school.discount (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(120) not null check (length(btrim(name)) > 0),
  percent_bp integer check (percent_bp between 1 and 10000),
  amount bigint check (amount > 0),
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  check ((percent_bp is null) <> (amount is null))
);
create unique index discount_name_uq on school.discount (tenant_id, lower(name)) where not archived;
${tenantRls('school.discount')}
alter table school.student add constraint student_discount_fk foreign key (tenant_id, discount_id) references school.discount (tenant_id, id);

create table school.pass (
  tenant_id uuid not null,
  id uuid not null,
  student_id uuid not null,
  tariff_id uuid,
  name varchar(120) not null,
  subject_id uuid,
  group_id uuid,
  lessons_total integer not null check (lessons_total between 1 and 1000),
  lessons_used integer not null default 0,
  valid_from date not null,
  valid_until date not null,
  status varchar(10) not null default 'active' check (status in ('active', 'expired', 'canceled')),
  price bigint not null check (price >= 0),
  currency char(3) not null,
  invoice_id uuid,
  charge_unexcused boolean not null,
  charge_excused boolean not null,
  makeups boolean not null,
  max_freeze_days integer not null default 0,
  frozen_days integer not null default 0,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  constraint pass_used_within_total check (lessons_used between 0 and lessons_total),
  constraint pass_freeze_within_limit check (frozen_days between 0 and max_freeze_days),
  check (valid_until >= valid_from),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id),
  foreign key (tenant_id, tariff_id) references school.tariff (tenant_id, id),
  foreign key (tenant_id, subject_id) references school.subject (tenant_id, id),
  foreign key (tenant_id, group_id) references school.study_group (tenant_id, id)
);
create index pass_student on school.pass (tenant_id, student_id, valid_until);
create index pass_expiring on school.pass (tenant_id, valid_until) where status = 'active';
${tenantRls('school.pass')}

create table school.pass_freeze (
  tenant_id uuid not null,
  id uuid not null,
  pass_id uuid not null,
  starts_on date not null,
  ends_on date not null,
  reason varchar(300),
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  check (ends_on >= starts_on),
  foreign key (tenant_id, pass_id) references school.pass (tenant_id, id),
  constraint pass_freeze_overlap exclude using gist (tenant_id with =, pass_id with =, daterange(starts_on, ends_on, '[]') with &&)
);
${tenantRls('school.pass_freeze')}

create table school.pass_ledger (
  tenant_id uuid not null,
  id bigserial,
  pass_id uuid not null,
  student_id uuid not null,
  kind varchar(10) not null check (kind in ('issue', 'deduct', 'return', 'freeze', 'expire', 'cancel', 'adjust')),
  -- lessons taken (< 0) or given back (> 0); days of validity added by a freeze
  lessons integer not null default 0,
  days integer not null default 0,
  used_after integer not null,
  valid_until_after date not null,
  lesson_id uuid,
  ref_id uuid,
  note varchar(300),
  user_id uuid,
  at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, pass_id) references school.pass (tenant_id, id)
);
create index pass_ledger_pass on school.pass_ledger (tenant_id, pass_id, id);
${tenantRls('school.pass_ledger')}
${appendOnly('school.pass_ledger', 'school')}

create table school.makeup_credit (
  tenant_id uuid not null,
  id uuid not null,
  student_id uuid not null,
  pass_id uuid not null,
  subject_id uuid,
  -- the lesson the student missed (excused)
  source_lesson_id uuid not null,
  source_group_id uuid,
  status varchar(10) not null default 'open' check (status in ('open', 'booked', 'used', 'expired', 'canceled')),
  -- the missed lesson was charged (the tariff charges excused misses): making it up takes nothing more
  prepaid boolean not null default false,
  expires_on date not null,
  booked_lesson_id uuid,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  check ((status in ('booked', 'used')) = (booked_lesson_id is not null)),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id),
  foreign key (tenant_id, pass_id) references school.pass (tenant_id, id),
  foreign key (tenant_id, source_lesson_id) references school.lesson (tenant_id, id),
  foreign key (tenant_id, booked_lesson_id) references school.lesson (tenant_id, id)
);
-- one credit per missed lesson
create unique index makeup_credit_source_uq on school.makeup_credit (tenant_id, source_lesson_id, student_id);
create index makeup_credit_student on school.makeup_credit (tenant_id, student_id, status);
${tenantRls('school.makeup_credit')}

alter table school.attendance add constraint attendance_pass_fk foreign key (tenant_id, pass_id) references school.pass (tenant_id, id);
alter table school.attendance add constraint attendance_credit_fk foreign key (tenant_id, credit_id) references school.makeup_credit (tenant_id, id);
alter table school.lesson_student add constraint lesson_student_credit_fk foreign key (tenant_id, makeup_credit_id) references school.makeup_credit (tenant_id, id);
`,
};
