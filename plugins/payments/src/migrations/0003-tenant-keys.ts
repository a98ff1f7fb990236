import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Tenant-safe references, the providers' idempotency ledger, and the intent's call in flight.
 *
 * References: transitions, refunds and holds pointed at `payments.intent (id)` alone. A foreign
 * key is checked by PostgreSQL without RLS, so such a key would accept a row of tenant B naming an
 * intent of tenant A — only route code stood in between. They now reference `(tenant_id, id)`: a
 * row can only point at an intent of its own tenant. Expand/contract: the composite keys are added
 * first (every existing row already satisfies them: the code has always written the row's own
 * tenant), then the single-column ones dropped; no column changes, so nodes running the previous
 * version keep working during a rolling upgrade. The kernel refuses to boot a plugin whose foreign
 * keys between tenant tables leave out tenant_id.
 *
 * `provider_idempotency`: the records of providers that have no idempotency key of their own
 * (PayBox revoke/cancel/capture, Kaspi returns; `ctx.idempotency` in @atrium/sdk/payments), so a
 * retry after a restart or on another node finds the first attempt. It lived in process memory.
 *
 * `intent.pending_call`: the key of the provider operation in flight for the intent (capture,
 * cancel, refund run outside any transaction now): one at a time per payment, so a refund's
 * "refunded before" stays true while it is at the provider.
 */
export const tenantKeys: Migration = {
  name: '0003-tenant-keys',
  up: `
alter table payments.intent add constraint intent_tenant_id_uq unique (tenant_id, id);
alter table payments.transition add constraint transition_intent_fk foreign key (tenant_id, intent_id) references payments.intent (tenant_id, id) on delete cascade deferrable initially deferred;
alter table payments.refund add constraint refund_intent_fk foreign key (tenant_id, intent_id) references payments.intent (tenant_id, id) on delete cascade deferrable initially deferred;
alter table payments.hold add constraint hold_intent_fk foreign key (tenant_id, intent_id) references payments.intent (tenant_id, id) on delete cascade deferrable initially deferred;
alter table payments.transition drop constraint transition_intent_id_fkey;
alter table payments.refund drop constraint refund_intent_id_fkey;
alter table payments.hold drop constraint hold_intent_id_fkey;

alter table payments.intent add column pending_call varchar(255);

create table payments.provider_idempotency (
  tenant_id uuid not null,
  provider varchar(40) not null,
  key varchar(300) not null,
  state varchar(16) not null check (state in ('pending', 'done')),
  fingerprint varchar(64) not null,
  context jsonb,
  result jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, provider, key)
);
${tenantRls('payments.provider_idempotency')}
`,
};
