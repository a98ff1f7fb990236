import type { Migration } from '@atrium/sdk';

/**
 * A delivery status and the record of the send it is about can commit in either order (a fast
 * provider posts "sent" before our settle transaction commits). Without a common lock, the status
 * could be parked in `status_pending` by one transaction while the settle transaction, not seeing
 * it yet, looked for parked statuses and found none — and the status was lost. Both now take the
 * same transaction-level advisory lock on (account, provider message id) first: whichever comes
 * second sees what the first committed. (The settle side: domain/outbound-dispatch.ts.)
 */
export const STATUS_LOCK_SQL = `pg_advisory_xact_lock(hashtextextended($1::text || ':' || $2::text, 0))`;

export const statusLock: Migration = {
  name: '0006-status-lock',
  up: `
create or replace function messaging.apply_status(p_tenant uuid, p_account uuid, p_provider_id text, p_status text, p_error jsonb)
returns table (message_id uuid, conversation_id uuid, old_status text, new_status text)
language plpgsql as $$
#variable_conflict use_column
declare v_msg uuid;
begin
  perform pg_advisory_xact_lock(hashtextextended(p_account::text || ':' || p_provider_id, 0));
  update messaging.provider_ref r set
    status = case when r.status = 'failed' then r.status
                  when messaging.status_rank(p_status) > messaging.status_rank(r.status) then p_status
                  else r.status end,
    error = case when p_status = 'failed' then p_error else r.error end
  where r.tenant_id = p_tenant and r.account_id = p_account and r.provider_message_id = p_provider_id
  returning r.message_id into v_msg;
  if v_msg is null then return; end if;
  return query select * from messaging.refresh_message_status(p_tenant, v_msg);
end $$;
`,
};
