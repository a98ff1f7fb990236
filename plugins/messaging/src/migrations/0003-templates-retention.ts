import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Templates: a name, typed variables (checked when a template is saved and when it is sent), and
 * variants per channel ('*' = any) and locale (ru/uk/kk/en). A variant may name the template the
 * provider approved (WhatsApp), which is what goes out where a channel only allows approved ones.
 *
 * Retention runs: what the retention job deleted, per run (the audit log says that it ran too).
 */
export const createTemplatesRetention: Migration = {
  name: '0003-templates-retention',
  up: `
create table messaging.template (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(100) not null check (name ~ '^[a-z0-9][a-z0-9_]*$'),
  description varchar(500) not null default '',
  category varchar(16) not null default 'utility' check (category in ('utility','marketing','authentication','service')),
  -- [{ name, type: text|number|date|datetime|money|url, required, description?, example? }]
  variables jsonb not null default '[]' check (jsonb_typeof(variables) = 'array'),
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, name)
);
${tenantRls('messaging.template')}

create table messaging.template_variant (
  tenant_id uuid not null,
  id uuid not null,
  template_id uuid not null,
  channel varchar(16) not null default '*' check (channel in ('*','telegram','whatsapp','facebook','instagram','email','sms')),
  locale varchar(8) not null check (locale in ('ru','uk','kk','en')),
  subject varchar(500),
  body text not null check (length(body) between 1 and 20000),
  buttons jsonb not null default '[]' check (jsonb_typeof(buttons) = 'array'),
  -- { name, language } of the template as approved at the provider (WhatsApp)
  provider_template jsonb,
  primary key (tenant_id, id),
  unique (tenant_id, template_id, channel, locale),
  foreign key (tenant_id, template_id) references messaging.template (tenant_id, id) on delete cascade
);
${tenantRls('messaging.template_variant')}

create table messaging.retention_run (
  tenant_id uuid not null,
  id uuid not null,
  ran_at timestamptz not null default now(),
  ttl_days integer not null,
  cutoff timestamptz not null,
  messages integer not null default 0,
  attachments integer not null default 0,
  events integer not null default 0,
  primary key (tenant_id, id)
);
create index retention_run_idx on messaging.retention_run (tenant_id, ran_at desc);
${tenantRls('messaging.retention_run')}
`,
};
