import { tenantRls, type Migration } from '@atrium/sdk';

const CHANNELS = `'telegram','whatsapp','facebook','instagram','email','sms'`;
export const IDENTITY_KINDS_SQL = `'telegram','whatsapp','facebook','instagram','email','phone'`;

/**
 * Channel accounts (a bot, a WhatsApp number, a page, a mailbox), contacts and their identities.
 *
 * An account's secrets are sealed by its adapter plugin (`ctx.secrets` of `messaging-<adapter>`):
 * this plugin stores the blob and never sees a token. `rate_tat` is the account's pacing state
 * (GCRA "theoretical arrival time", domain/pacing.ts); `poll_cursor` is where long polling goes on.
 *
 * A contact is a person; an identity is one way to reach them (a Telegram user id, an E.164 phone on
 * WhatsApp, a page-scoped id, an e-mail address), unique per tenant by (kind, scope, value). Merging
 * contacts moves identities (and so conversations); consent is kept per identity.
 */
export const createAccountsContacts: Migration = {
  name: '0001-accounts-contacts',
  up: `
create table messaging.account (
  tenant_id uuid not null,
  id uuid not null,
  adapter varchar(40) not null check (adapter ~ '^[a-z][a-z0-9]*(-[a-z0-9]+)*$'),
  channel varchar(16) not null check (channel in (${CHANNELS})),
  name varchar(120) not null check (length(btrim(name)) > 0),
  config jsonb not null default '{}' check (jsonb_typeof(config) = 'object'),
  sealed text,
  secrets_set text[] not null default '{}',
  status varchar(12) not null default 'new' check (status in ('new','connected','pending','error','disabled')),
  inbound varchar(8) not null default 'none' check (inbound in ('webhook','polling','none')),
  identity jsonb not null default '{}',
  -- the adapter's ChannelLimits for this account (text length, pace, window), from its last connect
  limits jsonb,
  note text,
  last_error text,
  last_error_at timestamptz,
  connected_at timestamptz,
  poll_cursor text,
  polled_at timestamptz,
  rate_tat timestamptz not null default '-infinity',
  is_default boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id)
);
create unique index account_name_uq on messaging.account (tenant_id, lower(name));
-- one default account per channel: where a send names no account
create unique index account_default_uq on messaging.account (tenant_id, channel) where is_default;
${tenantRls('messaging.account')}

create table messaging.contact (
  tenant_id uuid not null,
  id uuid not null,
  name varchar(200) not null default '',
  locale varchar(8) check (locale in ('ru','uk','kk','en')),
  note text check (octet_length(note) <= 10000),
  -- set on a contact merged into another (kept for links that still point at it); its identities moved
  merged_into uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  foreign key (tenant_id, merged_into) references messaging.contact (tenant_id, id) on delete set null (merged_into)
);
create index contact_name_idx on messaging.contact (tenant_id, lower(name)) where merged_into is null;
create index contact_created_idx on messaging.contact (tenant_id, created_at desc, id) where merged_into is null;
${tenantRls('messaging.contact')}

create table messaging.identity (
  tenant_id uuid not null,
  id uuid not null,
  contact_id uuid not null,
  kind varchar(12) not null check (kind in (${IDENTITY_KINDS_SQL})),
  -- the namespace of page-scoped ids (Facebook page, Instagram account); '' for global ids
  scope varchar(100) not null default '',
  value varchar(320) not null check (length(value) > 0),
  display varchar(200),
  username varchar(100),
  consent varchar(10) not null default 'unknown' check (consent in ('unknown','granted','opted_out')),
  consent_at timestamptz,
  consent_source varchar(12) check (consent_source in ('keyword','provider','user','api')),
  consent_reason varchar(200),
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, kind, scope, value),
  -- deferred: the ingest creates an identity and its contact in either order
  foreign key (tenant_id, contact_id) references messaging.contact (tenant_id, id) deferrable initially deferred
);
create index identity_contact_idx on messaging.identity (tenant_id, contact_id);
create index identity_value_prefix_idx on messaging.identity (tenant_id, lower(value) text_pattern_ops);
${tenantRls('messaging.identity')}
`,
};
