import { tenantRls, type Migration } from '@atrium/sdk';

export const MESSAGE_STATUSES = `'received','queued','sending','sent','delivered','read','failed','unknown','canceled'`;

/**
 * Conversations (one per identity per account), messages, the provider ids of sent messages
 * (`provider_ref`: a long text split into parts has one per part), delivery statuses that arrive
 * before the send is recorded (`status_pending`), and the inbound de-duplication record.
 *
 * Outgoing message lifecycle: queued (maybe with `not_before`: quiet hours, a provider's
 * retry_after) → sending (claimed with a lease: `claimed_until`) → sent → delivered → read, or
 * failed / canceled; `unknown` when a send's outcome was lost (a crash mid-call) and the provider
 * cannot be asked: never re-sent by itself (a person decides, with "retry").
 */
export const createConversationsMessages: Migration = {
  name: '0002-conversations-messages',
  up: `
create table messaging.conversation (
  tenant_id uuid not null,
  id uuid not null,
  account_id uuid not null,
  identity_id uuid not null,
  contact_id uuid not null,
  -- where replies go on the account (Telegram chat id, the phone, the PSID, the address)
  chat_id varchar(320) not null,
  status varchar(10) not null default 'open' check (status in ('open','pending','resolved')),
  assignee_id uuid,
  team varchar(60),
  labels text[] not null default '{}',
  unread integer not null default 0 check (unread >= 0),
  last_message_at timestamptz,
  last_inbound_at timestamptz,
  last_preview varchar(200),
  last_direction varchar(3) check (last_direction in ('in','out')),
  -- per-chat pacing (Telegram: about one message a second per chat)
  rate_tat timestamptz not null default '-infinity',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1,
  primary key (tenant_id, id),
  unique (tenant_id, account_id, identity_id),
  foreign key (tenant_id, account_id) references messaging.account (tenant_id, id),
  foreign key (tenant_id, identity_id) references messaging.identity (tenant_id, id),
  foreign key (tenant_id, contact_id) references messaging.contact (tenant_id, id)
);
create index conversation_inbox_idx on messaging.conversation (tenant_id, last_message_at desc nulls last, id);
create index conversation_status_idx on messaging.conversation (tenant_id, status, last_message_at desc nulls last);
create index conversation_assignee_idx on messaging.conversation (tenant_id, assignee_id, status);
create index conversation_contact_idx on messaging.conversation (tenant_id, contact_id);
${tenantRls('messaging.conversation')}

create table messaging.message (
  tenant_id uuid not null,
  id uuid not null,
  conversation_id uuid not null,
  account_id uuid not null,
  direction varchar(3) not null check (direction in ('in','out')),
  kind varchar(10) not null check (kind in ('text','template','media','button')),
  body text check (octet_length(body) <= 262144),
  html text check (octet_length(html) <= 1048576),
  subject varchar(500),
  -- [{ kind, name, mimeType, size, fileId?, ref? }]
  attachments jsonb not null default '[]' check (jsonb_typeof(attachments) = 'array'),
  -- [{ id, text, url? }] sent with the message
  buttons jsonb not null default '[]' check (jsonb_typeof(buttons) = 'array'),
  -- an inbound button press: the button's id
  button_id varchar(100),
  -- { id, name, locale, variables } of the template it was rendered from
  template jsonb,
  start_payload varchar(200),
  reply_to_id uuid,
  -- inbound only: unique per account (outgoing parts are in provider_ref)
  provider_message_id varchar(255),
  -- e-mail Message-ID (ours for outgoing, theirs for incoming): threads replies
  thread_ref varchar(998),
  status varchar(10) not null check (status in (${MESSAGE_STATUSES})),
  error jsonb,
  attempts integer not null default 0,
  parts_total integer not null default 1 check (parts_total between 1 and 50),
  not_before timestamptz,
  -- a pacing slot reserved for this message (domain/pacing.ts): it goes then without reserving again
  paced_at timestamptz,
  claimed_until timestamptz,
  urgent boolean not null default false,
  idempotency_key varchar(200),
  -- what was asked under that key: the same key with another request is refused
  request_hash varchar(64),
  -- the business object a plugin's send is about ({ plugin, id }: a booking, a lesson)
  reference jsonb,
  sender_plugin varchar(40),
  created_by uuid,
  queued_at timestamptz,
  sent_at timestamptz,
  delivered_at timestamptz,
  read_at timestamptz,
  failed_at timestamptz,
  -- retention deleted the body and attachments (the row stays: the thread shows what was there)
  purged_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  foreign key (tenant_id, conversation_id) references messaging.conversation (tenant_id, id),
  foreign key (tenant_id, account_id) references messaging.account (tenant_id, id),
  foreign key (tenant_id, reply_to_id) references messaging.message (tenant_id, id) on delete set null (reply_to_id)
);
create unique index message_inbound_uq on messaging.message (tenant_id, account_id, provider_message_id);
create unique index message_idempotency_uq on messaging.message (tenant_id, idempotency_key);
create index message_thread_idx on messaging.message (tenant_id, conversation_id, created_at, id);
create index message_thread_ref_idx on messaging.message (tenant_id, account_id, thread_ref) where thread_ref is not null;
create index message_due_idx on messaging.message (tenant_id, not_before) where status in ('queued','sending');
create index message_retention_idx on messaging.message (tenant_id, created_at) where purged_at is null;
${tenantRls('messaging.message')}

create table messaging.provider_ref (
  tenant_id uuid not null,
  account_id uuid not null,
  provider_message_id varchar(255) not null,
  message_id uuid not null,
  part integer not null,
  status varchar(10) not null default 'sent' check (status in ('sent','delivered','read','failed')),
  error jsonb,
  primary key (tenant_id, account_id, provider_message_id),
  unique (tenant_id, message_id, part),
  foreign key (tenant_id, message_id) references messaging.message (tenant_id, id) on delete cascade
);
${tenantRls('messaging.provider_ref')}

-- a delivery status that came before we recorded the send it is about (a fast provider): applied
-- when the send is recorded
create table messaging.status_pending (
  tenant_id uuid not null,
  account_id uuid not null,
  provider_message_id varchar(255) not null,
  status varchar(10) not null check (status in ('sent','delivered','read','failed')),
  error jsonb,
  occurred_at timestamptz not null,
  received_at timestamptz not null default now(),
  primary key (tenant_id, account_id, provider_message_id, status),
  foreign key (tenant_id, account_id) references messaging.account (tenant_id, id) on delete cascade
);
${tenantRls('messaging.status_pending')}

-- every inbound event once per account (the same update delivered five times, concurrently, is one)
create table messaging.inbound_event (
  tenant_id uuid not null,
  account_id uuid not null,
  event_id varchar(255) not null,
  kind varchar(10) not null,
  received_at timestamptz not null default now(),
  primary key (tenant_id, account_id, event_id),
  foreign key (tenant_id, account_id) references messaging.account (tenant_id, id) on delete cascade
);
create index inbound_event_age_idx on messaging.inbound_event (tenant_id, received_at);
${tenantRls('messaging.inbound_event')}
`,
};
