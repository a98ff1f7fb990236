import type { Migration } from '@atrium/sdk';
import { tenantRls } from '@atrium/sdk';

/**
 * The kernel's own schema. Global tables (users, sessions, install records) have no tenant;
 * everything a tenant owns carries tenant_id first in its keys and is under RLS.
 */
export const KERNEL_MIGRATIONS: Migration[] = [
  {
    name: '0001-core',
    up: `
create table kernel.tenant (
  id uuid primary key,
  name text not null,
  status text not null default 'active',
  locale text not null default 'en',
  currency text not null default 'USD',
  created_at timestamptz not null default now()
);
alter table kernel.tenant enable row level security;
alter table kernel.tenant force row level security;
create policy tenant_self on kernel.tenant
  using (id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (id = nullif(current_setting('app.tenant_id', true), '')::uuid);

create table kernel.store (
  tenant_id uuid not null references kernel.tenant(id) on delete cascade,
  id uuid not null,
  name text not null,
  address text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
${tenantRls('kernel.store')}

create table kernel."user" (
  id uuid primary key,
  email text not null,
  display_name text not null default '',
  password_hash text not null,
  totp_secret text,
  totp_enabled boolean not null default false,
  locale text not null default 'en',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index user_email_uq on kernel."user" (lower(email));

create table kernel.membership (
  tenant_id uuid not null references kernel.tenant(id) on delete cascade,
  user_id uuid not null references kernel."user"(id) on delete cascade,
  roles text[] not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, user_id)
);
create index membership_user_idx on kernel.membership (user_id);
${tenantRls('kernel.membership')}

create table kernel.session (
  id uuid primary key,
  family_id uuid not null,
  user_id uuid not null references kernel."user"(id) on delete cascade,
  tenant_id uuid not null,
  refresh_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  revoke_reason text,
  ip text,
  user_agent text,
  created_at timestamptz not null default now()
);
create index session_family_idx on kernel.session (family_id);

create table kernel.password_reset (
  token_hash text primary key,
  user_id uuid not null references kernel."user"(id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);

create table kernel.invitation (
  tenant_id uuid not null references kernel.tenant(id) on delete cascade,
  id uuid not null,
  email text not null,
  roles text[] not null,
  token_hash text not null unique,
  invited_by uuid,
  expires_at timestamptz not null,
  accepted_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
${tenantRls('kernel.invitation')}

create table kernel.role (
  tenant_id uuid not null references kernel.tenant(id) on delete cascade,
  id uuid not null,
  name text not null,
  built_in boolean not null default false,
  rules jsonb not null default '[]',
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, name)
);
${tenantRls('kernel.role')}

create table kernel.permission_catalog (
  plugin_id text not null,
  subject text not null,
  actions text[] not null,
  fields text[],
  primary key (subject)
);

create table kernel.plugin_install (
  plugin_id text primary key,
  version text not null,
  state text not null,
  error text,
  installed_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table kernel.tenant_plugin (
  tenant_id uuid not null references kernel.tenant(id) on delete cascade,
  plugin_id text not null,
  state text not null,
  settings jsonb not null default '{}',
  secrets text,
  grants_applied boolean not null default false,
  error text,
  enabled_at timestamptz,
  disabled_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, plugin_id)
);
${tenantRls('kernel.tenant_plugin')}

create table kernel.audit (
  tenant_id uuid not null,
  id bigint generated always as identity,
  at timestamptz not null default now(),
  user_id uuid,
  action text not null,
  subject text,
  target_id text,
  diff jsonb,
  request_id text,
  primary key (tenant_id, id)
);
create index audit_tenant_at_idx on kernel.audit (tenant_id, at desc);
${tenantRls('kernel.audit')}

create table kernel.outbox (
  id bigint generated always as identity primary key,
  event_id uuid not null unique,
  tenant_id uuid not null,
  name text not null,
  payload jsonb not null,
  user_id uuid,
  created_at timestamptz not null default now(),
  published_at timestamptz,
  attempts integer not null default 0,
  last_error text
);
create index outbox_pending_idx on kernel.outbox (id) where published_at is null;
${tenantRls('kernel.outbox')}

create table kernel.inbox (
  tenant_id uuid not null,
  consumer text not null,
  event_id uuid not null,
  processed_at timestamptz not null default now(),
  primary key (tenant_id, consumer, event_id)
);
${tenantRls('kernel.inbox')}

create table kernel.idempotency (
  tenant_id uuid not null,
  action text not null,
  key text not null,
  request_hash text not null,
  response jsonb,
  created_at timestamptz not null default now(),
  primary key (tenant_id, action, key)
);
${tenantRls('kernel.idempotency')}

create table kernel.file (
  tenant_id uuid not null,
  id uuid not null,
  name text not null,
  content_type text not null,
  size bigint not null,
  sha256 text not null,
  storage_key text not null,
  owner_plugin text,
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
${tenantRls('kernel.file')}
`,
  },
  {
    // The device bus (ARCHITECTURE §7): terminals (agents), their devices and printer profiles,
    // logical roles per store, one-time enrolment codes, and print/drawer/display jobs.
    name: '0002-devices',
    up: `
create table kernel.terminal (
  tenant_id uuid not null references kernel.tenant(id) on delete cascade,
  id text not null,
  store_id uuid not null,
  name text not null,
  token_hash text not null,
  agent_version text,
  last_seen_at timestamptz,
  connected boolean not null default false,
  revoked_at timestamptz,
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, store_id) references kernel.store(tenant_id, id) on delete cascade
);
-- agents authenticate by terminal id before any tenant is known (system pool); ids are global
create unique index terminal_id_uq on kernel.terminal (id);
${tenantRls('kernel.terminal')}

create table kernel.device (
  tenant_id uuid not null,
  terminal_id text not null,
  device_id text not null,
  kind text not null check (kind in ('printer', 'scanner', 'scale', 'display')),
  name text not null,
  status text not null default 'offline',
  reported_profile_id text,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, terminal_id, device_id),
  foreign key (tenant_id, terminal_id) references kernel.terminal(tenant_id, id) on delete cascade
);
${tenantRls('kernel.device')}

create table kernel.printer_profile (
  tenant_id uuid not null,
  terminal_id text not null,
  device_id text not null,
  profile_id text not null,
  paper_width_mm int check (paper_width_mm in (58, 80)),
  code_page text check (code_page in ('cp437', 'cp866', 'wpc1251', 'cp1125', 'kz1048')),
  image_mode text not null default 'auto' check (image_mode in ('auto', 'raster')),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, terminal_id, device_id),
  foreign key (tenant_id, terminal_id, device_id) references kernel.device(tenant_id, terminal_id, device_id) on delete cascade
);
${tenantRls('kernel.printer_profile')}

create table kernel.device_role (
  tenant_id uuid not null,
  store_id uuid not null,
  role text not null,
  terminal_id text not null,
  device_id text not null,
  created_at timestamptz not null default now(),
  primary key (tenant_id, store_id, role),
  foreign key (tenant_id, store_id) references kernel.store(tenant_id, id) on delete cascade,
  foreign key (tenant_id, terminal_id) references kernel.terminal(tenant_id, id) on delete cascade
);
create index device_role_name_idx on kernel.device_role (tenant_id, role);
${tenantRls('kernel.device_role')}

create table kernel.enrollment_code (
  tenant_id uuid not null,
  code_hash text not null,
  store_id uuid not null,
  expires_at timestamptz not null,
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, code_hash),
  foreign key (tenant_id, store_id) references kernel.store(tenant_id, id) on delete cascade
);
-- enrolment presents only the code (system pool, single use by delete … returning)
create unique index enrollment_code_hash_uq on kernel.enrollment_code (code_hash);
${tenantRls('kernel.enrollment_code')}

create table kernel.device_job (
  tenant_id uuid not null,
  id text not null,
  idempotency_key text not null,
  request_hash text,
  kind text not null,
  terminal_id text not null,
  device_id text not null,
  role text,
  store_id uuid,
  job jsonb not null,
  state text not null check (state in ('queued', 'dispatched', 'received', 'done', 'failed', 'unknown', 'expired')),
  outcome jsonb,
  reason text,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  expires_at timestamptz,
  primary key (tenant_id, id),
  unique (tenant_id, idempotency_key)
);
create index device_job_list_idx on kernel.device_job (tenant_id, created_at desc);
create index device_job_undelivered_idx on kernel.device_job (tenant_id, terminal_id, created_at) where state in ('queued', 'dispatched');
create index device_job_expiry_idx on kernel.device_job (expires_at) where state in ('queued', 'dispatched') and expires_at is not null;
${tenantRls('kernel.device_job')}
`,
  },
  {
    // Idempotency-Key replays were scoped to the tenant: a cashier sending the owner's key got the
    // owner's response (issue 24). Keys are now unique per (tenant, user, action, key). Expand-style:
    // rows written before this (and by nodes not yet upgraded) get the nil user, so old code keeps
    // inserting and conflicting as before; only the key's scope grows.
    name: '0003-idempotency-per-user',
    up: `
alter table kernel.idempotency add column user_id uuid not null default '00000000-0000-0000-0000-000000000000';
alter table kernel.idempotency drop constraint idempotency_pkey, add primary key (tenant_id, user_id, action, key);
`,
  },
  {
    // TOTP attempts per account and the last used time step (auth/totp-guard.ts): kept with the
    // user, so a lock survives restarts and holds on every node. New columns with defaults only.
    name: '0004-totp-attempts',
    up: `
alter table kernel."user" add column totp_failures integer not null default 0,
  add column totp_locked_until timestamptz,
  add column totp_last_step bigint;
`,
  },
  {
    // The journal of outside calls (ctx.outside, sdk/src/outside-call.ts): one row per (tenant,
    // plugin, idempotency key), written with the intent in one short transaction and marked done
    // with the result in another. A row still pending once its lease ran out is a call whose
    // outcome is unknown (a crash, a lost answer): a node takes it over and asks the provider.
    name: '0005-outside-call-journal',
    up: `
create table kernel.outside_call (
  tenant_id uuid not null references kernel.tenant(id) on delete cascade,
  plugin_id text not null,
  key text not null check (length(key) between 1 and 255),
  name text not null,
  request jsonb not null,
  fingerprint text not null,
  state text not null check (state in ('pending', 'done', 'failed')),
  result jsonb,
  error jsonb,
  attempts integer not null default 1,
  lease_until timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, plugin_id, key)
);
-- what the recovery sweep reads (across tenants, as the system role): pending calls whose lease ran out
create index outside_call_recovery_idx on kernel.outside_call (lease_until) where state = 'pending';
${tenantRls('kernel.outside_call')}
`,
  },
  {
    // the zone days, shifts and receipts are counted in: chosen at sign-up from the owner's browser
    name: '0006-tenant-time-zone',
    up: `alter table kernel.tenant add column time_zone text not null default 'UTC' check (time_zone ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+){0,2}$');`,
  },
  {
    // Revoked sessions are polled by every gateway (auth/revoked-sessions.ts) and listed per user
    // ("your devices"); password changes revoke by user. Indexes only.
    name: '0007-session-revocation',
    up: `
create index session_user_idx on kernel.session (user_id);
create index session_revoked_idx on kernel.session (revoked_at) where revoked_at is not null;
`,
  },
  {
    // a tenant plugin's in-between states are committed (plugins/tenant-plugin-lifecycle.ts): a purge
    // keeps its progress, its export and what it deleted on the row
    name: '0008-plugin-state-progress',
    up: `
alter table kernel.tenant_plugin add column progress smallint check (progress between 0 and 100);
alter table kernel.tenant_plugin add column export_file_id uuid;
alter table kernel.tenant_plugin add column purge_result jsonb;
`,
  },
  {
    // Sign-in methods added by plugins (auth/provider.actions.ts): one row per attempt (its code and
    // the browser's secret stored as hashes, the expiry, single use), and the outside identities
    // (a Telegram user id, Google's sub) linked to users. Platform tables, read as the system role.
    name: '0009-auth-providers',
    up: `
create table kernel.auth_attempt (
  id uuid primary key,
  provider text not null,
  identity text not null,
  tenant_id uuid not null references kernel.tenant(id) on delete cascade,
  purpose text not null check (purpose in ('login', 'link')),
  user_id uuid references kernel."user"(id) on delete cascade,
  code_hash text not null unique,
  poll_hash text not null,
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'cancelled', 'used')),
  subject text,
  ip text,
  user_agent text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  settled_at timestamptz,
  used_at timestamptz
);
create index auth_attempt_expires_idx on kernel.auth_attempt (expires_at);
create table kernel.user_identity (
  id uuid primary key,
  user_id uuid not null references kernel."user"(id) on delete cascade,
  identity text not null,
  subject text not null,
  display text,
  provider text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  unique (identity, subject),
  unique (user_id, identity)
);
`,
  },
];
