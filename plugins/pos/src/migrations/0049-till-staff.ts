import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * People at a shared till (issue 13): a POS PIN per member (salted scrypt hash, attempts limited),
 * sessions opened by PIN on a register — `operator`: who is serving (the sale records them),
 * `approval`: a manager's one-time approval of a discount above the cashier's limit — clock-in/out,
 * and sales parked at a till to be picked up later.
 */
export const tillStaff: Migration = {
  name: '0049-till-staff',
  up: `
create table pos.staff (
  tenant_id uuid not null,
  user_id uuid not null,
  name varchar(200) not null,
  roles text[] not null default '{}',
  pin_hash text,
  pin_salt text,
  failures integer not null default 0,
  locked_until timestamptz,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, user_id)
);
${tenantRls('pos.staff')}

create table pos.till_session (
  tenant_id uuid not null,
  id uuid not null,
  register_id uuid not null,
  user_id uuid not null,
  kind varchar(10) not null default 'operator' check (kind in ('operator', 'approval')),
  token_hash text not null,
  started_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ended_at timestamptz,
  used_by_sale uuid,
  primary key (tenant_id, id),
  foreign key (tenant_id, register_id) references pos.register (tenant_id, id)
);
create unique index till_session_token on pos.till_session (tenant_id, token_hash);
${tenantRls('pos.till_session')}

create table pos.time_clock (
  tenant_id uuid not null,
  id uuid not null,
  user_id uuid not null,
  store_id uuid not null,
  register_id uuid,
  clock_in timestamptz not null default now(),
  clock_out timestamptz,
  primary key (tenant_id, id)
);
create unique index time_clock_one_open on pos.time_clock (tenant_id, user_id) where clock_out is null;
create index time_clock_user on pos.time_clock (tenant_id, user_id, clock_in desc);
${tenantRls('pos.time_clock')}

create table pos.parked_sale (
  tenant_id uuid not null,
  id uuid not null,
  register_id uuid not null,
  label varchar(120),
  cart jsonb not null,
  total bigint not null,
  parked_by uuid,
  parked_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, register_id) references pos.register (tenant_id, id)
);
create index parked_sale_register on pos.parked_sale (tenant_id, register_id, parked_at);
${tenantRls('pos.parked_sale')}
`,
};
