import { tenantRls, type Migration } from '@atrium/sdk';

export const createNote: Migration = {
  name: '0001-create-note',
  up: `
create table notes.note (
  id uuid primary key,
  tenant_id uuid not null,
  title varchar(200) not null check (length(title) between 1 and 200),
  body text not null default '' check (octet_length(body) <= 102400),
  author_id uuid not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version integer not null default 1
);
create index note_tenant_updated_idx on notes.note (tenant_id, updated_at desc, id);
create index note_tenant_author_idx on notes.note (tenant_id, author_id);
${tenantRls('notes.note')}
`,
};
