import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * The schedule: groups (capacity, teacher, room, weekly slots), enrolments, holidays and
 * vacations, lessons, extra participants of a lesson and attendance.
 *
 * Conflicts are made impossible by the database, not checked then inserted: three exclusion
 * constraints over the lesson's time range refuse a second lesson of the same teacher (the
 * substitute when there is one), in the same room, or of the same group at an overlapping time —
 * whatever path the row takes (generation, a one-off move, a substitute, two people dragging at
 * once). Canceled lessons take no time.
 *
 * `teacher_user_id` (groups and lessons) is the member who signs in as the lesson's teacher, kept by
 * triggers: the teacher role's rule `{ teacherUserId: '\${user.id}' }` is one indexed comparison.
 */
export const createSchedule: Migration = {
  name: '0002-schedule',
  up: `
create table school.study_group (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(120) not null check (length(btrim(name)) > 0),
  branch_id uuid not null,
  subject_id uuid not null,
  teacher_id uuid not null,
  teacher_user_id uuid,
  room_id uuid,
  capacity integer not null check (capacity between 1 and 500),
  -- active enrolments, kept with them by guarded updates: never more than the capacity
  enrolled_count integer not null default 0,
  status varchar(10) not null default 'active' check (status in ('active', 'archived')),
  starts_on date,
  ends_on date,
  -- the price of one lesson for a student without a pass (charged as a visit); null: not charged
  visit_price bigint check (visit_price > 0),
  color varchar(7) check (color ~ '^#[0-9a-fA-F]{6}$'),
  note text check (length(note) <= 5000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  constraint group_enrolled_within_capacity check (enrolled_count between 0 and capacity),
  check (ends_on is null or starts_on is null or ends_on >= starts_on),
  foreign key (tenant_id, branch_id) references school.branch (tenant_id, id),
  foreign key (tenant_id, subject_id) references school.subject (tenant_id, id),
  foreign key (tenant_id, teacher_id) references school.teacher (tenant_id, id),
  foreign key (tenant_id, room_id) references school.room (tenant_id, id)
);
create index group_teacher_user on school.study_group (tenant_id, teacher_user_id) where teacher_user_id is not null;
create index group_teacher on school.study_group (tenant_id, teacher_id);
create unique index group_name_uq on school.study_group (tenant_id, branch_id, lower(name)) where status = 'active';
${tenantRls('school.study_group')}

-- A weekly slot of a group: lessons are generated from these (domain/lesson-generation.ts).
create table school.group_slot (
  tenant_id uuid not null,
  id uuid not null,
  group_id uuid not null,
  -- ISO weekday: 1 = Monday … 7 = Sunday
  weekday smallint not null check (weekday between 1 and 7),
  start_time time not null,
  minutes smallint not null check (minutes between 10 and 600),
  -- another room or teacher for this slot only; null: the group's
  room_id uuid,
  teacher_id uuid,
  valid_from date not null,
  valid_to date,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  check (valid_to is null or valid_to >= valid_from),
  foreign key (tenant_id, group_id) references school.study_group (tenant_id, id) on delete cascade,
  foreign key (tenant_id, room_id) references school.room (tenant_id, id),
  foreign key (tenant_id, teacher_id) references school.teacher (tenant_id, id)
);
create index group_slot_group on school.group_slot (tenant_id, group_id);
${tenantRls('school.group_slot')}

create table school.enrolment (
  tenant_id uuid not null,
  id uuid not null,
  group_id uuid not null,
  student_id uuid not null,
  joined_on date not null,
  -- the first day the student is no longer in the group
  left_on date,
  status varchar(10) not null default 'active' check (status in ('active', 'left')),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  check (left_on is null or left_on >= joined_on),
  check ((status = 'left') = (left_on is not null)),
  foreign key (tenant_id, group_id) references school.study_group (tenant_id, id),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id)
);
create unique index enrolment_active_uq on school.enrolment (tenant_id, group_id, student_id) where status = 'active';
create index enrolment_student on school.enrolment (tenant_id, student_id);
${tenantRls('school.enrolment')}

-- Days without lessons: a holiday of the centre (or of one branch) or a vacation of one group.
create table school.holiday (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(120) not null check (length(btrim(name)) > 0),
  kind varchar(10) not null default 'holiday' check (kind in ('holiday', 'vacation')),
  starts_on date not null,
  ends_on date not null,
  branch_id uuid,
  group_id uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  check (ends_on >= starts_on),
  check (ends_on - starts_on <= 366),
  foreign key (tenant_id, branch_id) references school.branch (tenant_id, id),
  foreign key (tenant_id, group_id) references school.study_group (tenant_id, id) on delete cascade
);
create index holiday_range on school.holiday (tenant_id, starts_on, ends_on);
${tenantRls('school.holiday')}

create table school.lesson (
  tenant_id uuid not null,
  id uuid not null,
  kind varchar(10) not null check (kind in ('group', 'individual', 'trial', 'makeup')),
  group_id uuid,
  subject_id uuid not null,
  branch_id uuid not null,
  teacher_id uuid not null,
  substitute_id uuid,
  teacher_effective uuid generated always as (coalesce(substitute_id, teacher_id)) stored,
  teacher_user_id uuid,
  room_id uuid,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  during tstzrange generated always as (tstzrange(starts_at, ends_at, '[)')) stored,
  status varchar(10) not null default 'planned' check (status in ('planned', 'done', 'canceled')),
  -- generated from a weekly slot: (slot, date) is unique, so generating again creates nothing twice
  slot_id uuid,
  slot_date date,
  moved boolean not null default false,
  -- individual / trial / make-up lessons: how many students fit (group lessons: the group's capacity)
  capacity integer check (capacity between 1 and 500),
  -- the price of this lesson for a student without a pass (individual lessons); null: the group's
  visit_price bigint check (visit_price > 0),
  topic varchar(300),
  note text check (length(note) <= 5000),
  cancel_reason varchar(300),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  check (ends_at > starts_at),
  check (ends_at - starts_at <= interval '12 hours'),
  -- a trial or make-up in a group's lesson is a lesson_student of that lesson; these kinds stand alone
  check ((kind = 'group') = (group_id is not null)),
  check ((slot_id is null) = (slot_date is null)),
  check (substitute_id is null or substitute_id <> teacher_id),
  foreign key (tenant_id, group_id) references school.study_group (tenant_id, id),
  foreign key (tenant_id, subject_id) references school.subject (tenant_id, id),
  foreign key (tenant_id, branch_id) references school.branch (tenant_id, id),
  foreign key (tenant_id, teacher_id) references school.teacher (tenant_id, id),
  foreign key (tenant_id, substitute_id) references school.teacher (tenant_id, id),
  foreign key (tenant_id, room_id) references school.room (tenant_id, id),
  foreign key (tenant_id, slot_id) references school.group_slot (tenant_id, id),
  constraint lesson_teacher_busy exclude using gist (tenant_id with =, teacher_effective with =, during with &&) where (status <> 'canceled'),
  constraint lesson_room_busy exclude using gist (tenant_id with =, room_id with =, during with &&) where (status <> 'canceled' and room_id is not null),
  constraint lesson_group_busy exclude using gist (tenant_id with =, group_id with =, during with &&) where (status <> 'canceled' and group_id is not null)
);
create unique index lesson_slot_uq on school.lesson (tenant_id, slot_id, slot_date) where slot_id is not null;
create index lesson_starts on school.lesson (tenant_id, starts_at);
create index lesson_teacher_user on school.lesson (tenant_id, teacher_user_id, starts_at) where teacher_user_id is not null;
create index lesson_teacher on school.lesson (tenant_id, teacher_effective, starts_at);
create index lesson_group on school.lesson (tenant_id, group_id, starts_at) where group_id is not null;
${tenantRls('school.lesson')}

-- Who else is in a lesson besides the group's enrolled students: every student of an individual
-- lesson, a trial student, a guest, a student making up a missed lesson with a credit.
create table school.lesson_student (
  tenant_id uuid not null,
  lesson_id uuid not null,
  student_id uuid not null,
  kind varchar(10) not null check (kind in ('member', 'guest', 'trial', 'makeup')),
  makeup_credit_id uuid,
  added_by uuid,
  added_at timestamptz not null default now(),
  primary key (tenant_id, lesson_id, student_id),
  check ((kind = 'makeup') = (makeup_credit_id is not null)),
  foreign key (tenant_id, lesson_id) references school.lesson (tenant_id, id) on delete cascade,
  foreign key (tenant_id, student_id) references school.student (tenant_id, id)
);
-- a make-up credit books one lesson at a time
create unique index lesson_student_credit_uq on school.lesson_student (tenant_id, makeup_credit_id) where makeup_credit_id is not null;
create index lesson_student_student on school.lesson_student (tenant_id, student_id);
${tenantRls('school.lesson_student')}

create table school.attendance (
  tenant_id uuid not null,
  lesson_id uuid not null,
  student_id uuid not null,
  status varchar(10) not null check (status in ('attended', 'excused', 'unexcused')),
  -- the pass one lesson was taken from (null: not charged to a pass)
  pass_id uuid,
  -- the invoice a visit without a pass was charged with
  invoice_id uuid,
  -- the make-up credit this excused miss gave
  credit_id uuid,
  marked_by uuid,
  marked_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, lesson_id, student_id),
  foreign key (tenant_id, lesson_id) references school.lesson (tenant_id, id),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id)
);
create index attendance_student on school.attendance (tenant_id, student_id);
${tenantRls('school.attendance')}

-- teacher_user_id follows the (effective) teacher's member link
create or replace function school.lesson_teacher_user() returns trigger language plpgsql as $$
begin
  new.teacher_user_id := (select t.user_id from school.teacher t where t.tenant_id = new.tenant_id and t.id = coalesce(new.substitute_id, new.teacher_id));
  return new;
end $$;
create trigger lesson_teacher_user before insert or update of teacher_id, substitute_id on school.lesson
  for each row execute function school.lesson_teacher_user();

create or replace function school.group_teacher_user() returns trigger language plpgsql as $$
begin
  new.teacher_user_id := (select t.user_id from school.teacher t where t.tenant_id = new.tenant_id and t.id = new.teacher_id);
  return new;
end $$;
create trigger group_teacher_user before insert or update of teacher_id on school.study_group
  for each row execute function school.group_teacher_user();

create or replace function school.teacher_user_changed() returns trigger language plpgsql as $$
begin
  update school.study_group set teacher_user_id = new.user_id where tenant_id = new.tenant_id and teacher_id = new.id;
  update school.lesson set teacher_user_id = new.user_id where tenant_id = new.tenant_id and teacher_effective = new.id;
  return new;
end $$;
create trigger teacher_user_changed after update of user_id on school.teacher
  for each row when (old.user_id is distinct from new.user_id) execute function school.teacher_user_changed();
`,
};
