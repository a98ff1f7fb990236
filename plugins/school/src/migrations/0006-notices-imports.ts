import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Notifications sent through the messaging plugin (one row per notice and contact, keyed so a
 * retried job or a redelivered event sends nothing twice), and imports: runs with progress and a
 * cursor to resume from, the rows skipped and why, and the map from outside ids (AlfaCRM's) to
 * ours with a hash of what was imported, so a re-run changes nothing that did not change there.
 */
export const createNoticesImports: Migration = {
  name: '0006-notices-imports',
  up: `
create table school.notification (
  tenant_id uuid not null,
  id uuid not null,
  kind varchar(10) not null check (kind in ('reminder', 'absence', 'pass_low', 'debt')),
  -- what the notice is about, unique per tenant: reminder:<lesson>:<contact>, debt:<student>:<date>…
  key varchar(200) not null,
  student_id uuid not null,
  contact_id uuid,
  channel varchar(10),
  locale varchar(2),
  status varchar(10) not null check (status in ('queued', 'skipped', 'failed')),
  detail varchar(500),
  message_id uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, student_id) references school.student (tenant_id, id),
  foreign key (tenant_id, contact_id) references school.contact (tenant_id, id) on delete set null (contact_id)
);
create unique index notification_key_uq on school.notification (tenant_id, key);
create index notification_student on school.notification (tenant_id, student_id, created_at desc);
${tenantRls('school.notification')}

create table school.import_run (
  tenant_id uuid not null,
  id uuid not null,
  source varchar(10) not null check (source in ('alfacrm', 'excel')),
  status varchar(10) not null default 'queued' check (status in ('queued', 'running', 'done', 'failed', 'canceled')),
  -- where a resumed run continues: the step and the page
  cursor jsonb not null default '{}',
  -- per model: { seen, created, updated, unchanged, skipped }
  counts jsonb not null default '{}',
  progress integer not null default 0 check (progress between 0 and 100),
  error varchar(1000),
  started_by uuid,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  primary key (tenant_id, id)
);
-- one AlfaCRM run at a time per tenant
create unique index import_run_active_uq on school.import_run (tenant_id, source) where status in ('queued', 'running');
${tenantRls('school.import_run')}

create table school.import_skip (
  tenant_id uuid not null,
  id bigserial,
  run_id uuid not null,
  model varchar(30) not null,
  external_id varchar(64),
  reason varchar(40) not null,
  detail varchar(500),
  primary key (tenant_id, id),
  foreign key (tenant_id, run_id) references school.import_run (tenant_id, id) on delete cascade
);
create unique index import_skip_uq on school.import_skip (tenant_id, run_id, model, external_id, reason);
${tenantRls('school.import_skip')}

create table school.external_ref (
  tenant_id uuid not null,
  source varchar(10) not null,
  model varchar(30) not null,
  external_id varchar(64) not null,
  local_id uuid not null,
  -- what we imported last time (sha-256 of the normalised record): the same hash means nothing to do
  hash varchar(64) not null,
  updated_at timestamptz not null default now(),
  primary key (tenant_id, source, model, external_id)
);
create index external_ref_local on school.external_ref (tenant_id, local_id);
${tenantRls('school.external_ref')}
`,
};
