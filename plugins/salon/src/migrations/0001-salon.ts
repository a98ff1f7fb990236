import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Staff and their weekly hours (several intervals a day: the gaps are breaks) and exceptions
 * (a day or part of a day off, an extra shift); the service catalogue with buffers and per-master
 * price and duration; clients; bookings and their reminders.
 *
 * A booking blocks its master over `blocked` = [start − buffer before, end + buffer after). Two live
 * bookings of one master can never overlap: the exclusion constraint `booking_no_overlap` decides
 * under any concurrency (never check-then-insert). Cancelled, no-show and expired bookings leave
 * the constraint and free the time; an expired hold is marked expired by whoever needs its slot.
 */
export const createSalon: Migration = {
  name: '0001-salon',
  up: `
create extension if not exists btree_gist;

create table salon.staff (
  tenant_id uuid not null,
  id uuid not null,
  -- the member who signs in as this master (their own bookings), if any
  user_id uuid,
  name varchar(120) not null check (length(btrim(name)) > 0),
  role varchar(16) not null default 'master' check (role in ('master', 'receptionist')),
  phone varchar(20),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id)
);
create unique index staff_user_uq on salon.staff (tenant_id, user_id) where user_id is not null;
${tenantRls('salon.staff')}

create table salon.working_hours (
  tenant_id uuid not null,
  staff_id uuid not null,
  -- ISO weekday: 1 = Monday … 7 = Sunday; minutes from local midnight
  weekday smallint not null check (weekday between 1 and 7),
  starts_min smallint not null check (starts_min between 0 and 1439),
  ends_min smallint not null check (ends_min between 1 and 1440),
  primary key (tenant_id, staff_id, weekday, starts_min),
  foreign key (tenant_id, staff_id) references salon.staff (tenant_id, id) on delete cascade,
  check (ends_min > starts_min)
);
${tenantRls('salon.working_hours')}

create table salon.schedule_exception (
  tenant_id uuid not null,
  id uuid not null,
  staff_id uuid not null,
  day date not null,
  -- off: the whole day (no times) or part of it; extra: a shift on top of the weekly hours
  kind varchar(8) not null check (kind in ('off', 'extra')),
  starts_min smallint check (starts_min between 0 and 1439),
  ends_min smallint check (ends_min between 1 and 1440),
  note varchar(200),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, staff_id) references salon.staff (tenant_id, id) on delete cascade,
  check ((starts_min is null and ends_min is null and kind = 'off') or (starts_min is not null and ends_min > starts_min))
);
create index schedule_exception_day on salon.schedule_exception (tenant_id, staff_id, day);
${tenantRls('salon.schedule_exception')}

create table salon.service (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(120) not null check (length(btrim(name)) > 0),
  category varchar(80),
  duration_min smallint not null check (duration_min between 5 and 720),
  buffer_before_min smallint not null default 0 check (buffer_before_min between 0 and 240),
  buffer_after_min smallint not null default 0 check (buffer_after_min between 0 and 240),
  price bigint not null default 0 check (price >= 0),
  currency char(3) not null,
  online boolean not null default true,
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id)
);
create unique index service_name_uq on salon.service (tenant_id, lower(name)) where not archived;
${tenantRls('salon.service')}

-- who performs what; a master's own price and duration override the service's
create table salon.staff_service (
  tenant_id uuid not null,
  staff_id uuid not null,
  service_id uuid not null,
  price bigint check (price >= 0),
  duration_min smallint check (duration_min between 5 and 720),
  primary key (tenant_id, staff_id, service_id),
  foreign key (tenant_id, staff_id) references salon.staff (tenant_id, id) on delete cascade,
  foreign key (tenant_id, service_id) references salon.service (tenant_id, id) on delete cascade
);
create index staff_service_service on salon.staff_service (tenant_id, service_id);
${tenantRls('salon.staff_service')}

create table salon.client (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(200) not null check (length(btrim(name)) > 0),
  -- E.164 without the plus (77011234567)
  phone varchar(20),
  email varchar(254),
  locale varchar(2) check (locale in ('en', 'ru', 'uk', 'kk')),
  -- the messaging contact reminders go to (Telegram, WhatsApp…), when known
  contact_id uuid,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id)
);
create unique index client_phone_uq on salon.client (tenant_id, phone) where phone is not null;
create index client_name on salon.client (tenant_id, lower(name));
${tenantRls('salon.client')}

create table salon.booking (
  tenant_id uuid not null,
  id uuid not null,
  -- the bookings of one chain (manicure then pedicure) are created, held and confirmed together
  chain_id uuid not null,
  position smallint not null default 0,
  client_id uuid,
  staff_id uuid not null,
  -- the master's user at booking time: what a master's row rule { masterUserId: me } tests
  master_user_id uuid,
  service_id uuid not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  blocked tstzrange not null,
  status varchar(12) not null check (status in ('held', 'booked', 'confirmed', 'arrived', 'done', 'no_show', 'cancelled', 'expired')),
  hold_expires_at timestamptz,
  price bigint not null check (price >= 0),
  currency char(3) not null,
  notes varchar(2000),
  source varchar(12) not null default 'staff' check (source in ('staff', 'online', 'import')),
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, client_id) references salon.client (tenant_id, id),
  foreign key (tenant_id, staff_id) references salon.staff (tenant_id, id),
  foreign key (tenant_id, service_id) references salon.service (tenant_id, id),
  check (ends_at > starts_at),
  check (lower(blocked) <= starts_at and upper(blocked) >= ends_at),
  check ((status = 'held') = (hold_expires_at is not null)),
  constraint booking_no_overlap exclude using gist (tenant_id with =, staff_id with =, blocked with &&)
    where (status in ('held', 'booked', 'confirmed', 'arrived', 'done'))
);
create index booking_time on salon.booking (tenant_id, starts_at);
create index booking_staff_time on salon.booking (tenant_id, staff_id, starts_at);
create index booking_chain on salon.booking (tenant_id, chain_id);
create index booking_client on salon.booking (tenant_id, client_id, starts_at);
create index booking_hold on salon.booking (tenant_id, hold_expires_at) where status = 'held';
${tenantRls('salon.booking')}

create table salon.reminder (
  tenant_id uuid not null,
  id uuid not null,
  booking_id uuid not null,
  offset_min integer not null,
  due_at timestamptz not null,
  status varchar(8) not null default 'pending' check (status in ('pending', 'sent', 'skipped')),
  message_id uuid,
  note varchar(200),
  sent_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, booking_id, offset_min),
  foreign key (tenant_id, booking_id) references salon.booking (tenant_id, id) on delete cascade
);
create index reminder_due on salon.reminder (tenant_id, due_at) where status = 'pending';
${tenantRls('salon.reminder')}
`,
};
