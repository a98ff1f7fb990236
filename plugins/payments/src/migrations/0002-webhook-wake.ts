import { tenantRls, type Migration } from '@atrium/sdk';

/**
 * Webhook processing is woken once per burst instead of once per event.
 *
 * `webhook_wake` has at most one row per tenant: "a wake-up is on its way". Ingress stores a new
 * event, takes the tenant's wake lock in shared mode (held to its commit; ingress transactions do
 * not wait for each other) and inserts the row if it is missing — only the transaction that
 * created the row publishes the wake-up to the outbox. The subscriber it wakes first takes the
 * same lock exclusively and deletes the row in a short transaction of its own: the lock waits for
 * every ingress transaction that may have seen the row (and queues the new ones behind it), so the
 * pending events it reads afterwards include theirs, and later webhooks arm a new wake-up.
 *
 * The partial index makes "pending events of this tenant, oldest first" an index range read
 * (it was a sequential scan and a sort of the whole table on every delivery).
 */
export const webhookWake: Migration = {
  name: '0002-webhook-wake',
  up: `
create table payments.webhook_wake (
  tenant_id uuid primary key,
  armed_at timestamptz not null default now()
);
${tenantRls('payments.webhook_wake')}

create index webhook_event_pending_idx on payments.webhook_event (tenant_id, received_at) where processed_at is null;
`,
};
