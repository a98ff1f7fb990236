import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Resources a service needs — a room, a chair, a device — each with a capacity (three pedicure
 * chairs: capacity 3). A booking takes one unit (1…capacity) of every resource its service needs
 * for its blocked range; `booking_resource_no_overlap` makes two live bookings on one unit
 * impossible, as `booking_no_overlap` does for a master. The rows follow their booking: a trigger
 * copies its blocked range and whether it is live when the booking moves or changes status.
 */
export const createResources: Migration = {
  name: '0002-resources',
  up: `
create table salon.resource (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(120) not null check (length(btrim(name)) > 0),
  kind varchar(12) not null default 'room' check (kind in ('room', 'chair', 'device', 'other')),
  capacity smallint not null default 1 check (capacity between 1 and 100),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id)
);
create unique index resource_name_uq on salon.resource (tenant_id, lower(name));
${tenantRls('salon.resource')}

create table salon.service_resource (
  tenant_id uuid not null,
  service_id uuid not null,
  resource_id uuid not null,
  primary key (tenant_id, service_id, resource_id),
  foreign key (tenant_id, service_id) references salon.service (tenant_id, id) on delete cascade,
  foreign key (tenant_id, resource_id) references salon.resource (tenant_id, id) on delete cascade
);
${tenantRls('salon.service_resource')}

create table salon.booking_resource (
  tenant_id uuid not null,
  booking_id uuid not null,
  resource_id uuid not null,
  unit smallint not null check (unit >= 1),
  blocked tstzrange not null,
  live boolean not null default true,
  primary key (tenant_id, booking_id, resource_id),
  foreign key (tenant_id, booking_id) references salon.booking (tenant_id, id) on delete cascade,
  foreign key (tenant_id, resource_id) references salon.resource (tenant_id, id),
  constraint booking_resource_no_overlap exclude using gist (tenant_id with =, resource_id with =, unit with =, blocked with &&) where (live)
);
create index booking_resource_resource on salon.booking_resource (tenant_id, resource_id) where live;
${tenantRls('salon.booking_resource')}

create function salon.booking_resource_follow() returns trigger language plpgsql as $fn$
begin
  update salon.booking_resource
     set blocked = new.blocked, live = new.status in ('held', 'booked', 'confirmed', 'arrived', 'done')
   where tenant_id = new.tenant_id and booking_id = new.id;
  return null;
end
$fn$;
create trigger booking_resource_follow after update of status, blocked on salon.booking
  for each row when (old.status is distinct from new.status or old.blocked is distinct from new.blocked)
  execute function salon.booking_resource_follow();
`,
};
