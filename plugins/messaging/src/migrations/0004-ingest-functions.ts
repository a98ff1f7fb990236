import type { Migration } from '@atrium/sdk';

/**
 * Set-based inbound storage, one round trip per batch: `messaging.ingest(tenant, account, events,
 * opt-out words, opt-in words)` takes the normalised events an adapter produced (a JSON array of
 * `InboundEvent`, @atrium/sdk/messaging) and, for each:
 *
 *  - records (account, event id) in `inbound_event` — a duplicate (a redelivery, five concurrent
 *    copies) stops there: exactly once;
 *  - message / button: finds or creates the sender's identity and contact, finds the conversation
 *    (e-mail: by the Message-IDs it refers to, else by identity) or opens one, stores the message
 *    (unique provider id per account), bumps unread, reopens a resolved conversation, and honours
 *    STOP / START words in the text;
 *  - status: applies a delivery status to the part it is about (rank only goes up: sent → delivered
 *    → read; failed is final), or parks it in `status_pending` when the send is not recorded yet;
 *  - optout / optin: the identity's consent.
 *
 * It answers one row per event (outcome, ids, the message's new status) for the caller's events and
 * UI pushes. Functions run as the caller (SECURITY INVOKER): RLS applies to every statement.
 */
export const createIngestFunctions: Migration = {
  name: '0004-ingest-functions',
  up: `
create or replace function messaging.status_rank(s text) returns integer language sql immutable as $$
  select case s when 'sent' then 1 when 'delivered' then 2 when 'read' then 3 when 'failed' then 9 else 0 end
$$;

-- The message's status from its parts: failed if one failed; otherwise the least advanced part once
-- every part was sent (a text in three parts is "read" when all three are). Only a sent message moves.
create or replace function messaging.refresh_message_status(p_tenant uuid, p_message uuid)
returns table (message_id uuid, conversation_id uuid, old_status text, new_status text)
language plpgsql as $$
#variable_conflict use_column
declare
  v_total integer; v_conv uuid; v_old text; v_parts integer; v_min integer; v_failed boolean; v_new text; v_error jsonb;
begin
  select m.parts_total, m.conversation_id, m.status into v_total, v_conv, v_old
    from messaging.message m where m.tenant_id = p_tenant and m.id = p_message for update;
  if v_old is null then return; end if;
  select count(*), min(messaging.status_rank(r.status)) filter (where r.status <> 'failed'), bool_or(r.status = 'failed'),
         (array_agg(r.error) filter (where r.status = 'failed'))[1]
    into v_parts, v_min, v_failed, v_error
    from messaging.provider_ref r where r.tenant_id = p_tenant and r.message_id = p_message;
  if v_failed then
    v_new := 'failed';
  elsif v_parts < v_total or v_old not in ('sent','delivered','read') then
    return;
  else
    v_new := case v_min when 3 then 'read' when 2 then 'delivered' else 'sent' end;
  end if;
  if v_old in ('failed','canceled') or (v_new <> 'failed' and messaging.status_rank(v_new) <= messaging.status_rank(v_old)) then return; end if;
  update messaging.message m set
    status = v_new,
    delivered_at = case when v_new in ('delivered','read') then coalesce(m.delivered_at, now()) else m.delivered_at end,
    read_at = case when v_new = 'read' then coalesce(m.read_at, now()) else m.read_at end,
    failed_at = case when v_new = 'failed' then now() else m.failed_at end,
    error = case when v_new = 'failed' then coalesce(v_error, m.error) else m.error end
  where m.tenant_id = p_tenant and m.id = p_message;
  message_id := p_message; conversation_id := v_conv; old_status := v_old; new_status := v_new;
  return next;
end $$;

-- One delivery status for one provider message id; null when the send is not recorded yet (parked).
create or replace function messaging.apply_status(p_tenant uuid, p_account uuid, p_provider_id text, p_status text, p_error jsonb)
returns table (message_id uuid, conversation_id uuid, old_status text, new_status text)
language plpgsql as $$
#variable_conflict use_column
declare v_msg uuid;
begin
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

create or replace function messaging.ingest(p_tenant uuid, p_account uuid, p_events jsonb, p_opt_out text[], p_opt_in text[])
returns table (event_id text, outcome text, kind text, message_id uuid, conversation_id uuid, contact_id uuid, identity_id uuid, status text)
language plpgsql as $$
#variable_conflict use_column
declare
  v_event text; v_kind text;
  ev jsonb; v_from jsonb; v_channel text; v_at timestamptz; v_identity uuid; v_contact uuid; v_conv uuid; v_msg uuid;
  v_word text; v_locale text; v_name text; v_attachments jsonb; v_reply uuid; r record;
begin
  select a.channel into v_channel from messaging.account a where a.tenant_id = p_tenant and a.id = p_account;
  if v_channel is null then raise exception 'messaging.ingest: no account % in this tenant', p_account using errcode = 'P0002'; end if;
  for ev in select e.value from jsonb_array_elements(p_events) e loop
    v_event := left(ev->>'eventId', 255); v_kind := ev->>'type';
    event_id := v_event; kind := v_kind;
    outcome := null; message_id := null; conversation_id := null; contact_id := null; identity_id := null; status := null;
    insert into messaging.inbound_event (tenant_id, account_id, event_id, kind) values (p_tenant, p_account, v_event, v_kind) on conflict do nothing;
    if not found then outcome := 'duplicate'; return next; continue; end if;
    v_at := coalesce((ev->>'occurredAt')::timestamptz, now());

    if v_kind = 'status' then
      select * into r from messaging.apply_status(p_tenant, p_account, ev->>'providerMessageId', ev->>'status', ev->'error');
      if r.message_id is null then
        insert into messaging.status_pending (tenant_id, account_id, provider_message_id, status, error, occurred_at)
          values (p_tenant, p_account, left(ev->>'providerMessageId', 255), ev->>'status', ev->'error', v_at) on conflict do nothing;
        outcome := 'parked';
      else
        outcome := 'status'; message_id := r.message_id; conversation_id := r.conversation_id; status := r.new_status;
        if r.new_status is null then outcome := 'status_unchanged'; end if;
      end if;
      return next; continue;
    end if;

    -- the person: identity (and a new contact for a new identity)
    v_from := ev->'from';
    select i.id, i.contact_id into v_identity, v_contact from messaging.identity i
      where i.tenant_id = p_tenant and i.kind = v_from->>'kind' and i.scope = coalesce(v_from->>'scope', '') and i.value = v_from->>'id';
    if v_identity is null then
      v_identity := gen_random_uuid(); v_contact := gen_random_uuid();
      v_name := left(coalesce(nullif(btrim(v_from->>'name'), ''), nullif(v_from->>'username', ''), v_from->>'id'), 200);
      v_locale := lower(left(v_from->>'locale', 2));
      insert into messaging.identity (tenant_id, id, contact_id, kind, scope, value, display, username)
        values (p_tenant, v_identity, v_contact, v_from->>'kind', coalesce(v_from->>'scope', ''), v_from->>'id', left(v_from->>'name', 200), left(v_from->>'username', 100))
        on conflict (tenant_id, kind, scope, value) do nothing;
      if found then
        insert into messaging.contact (tenant_id, id, name, locale) values (p_tenant, v_contact, v_name, case when v_locale in ('ru','uk','kk','en') then v_locale end);
      else
        -- another transaction stored this person a moment ago: use theirs
        select i.id, i.contact_id into v_identity, v_contact from messaging.identity i
          where i.tenant_id = p_tenant and i.kind = v_from->>'kind' and i.scope = coalesce(v_from->>'scope', '') and i.value = v_from->>'id';
      end if;
    end if;
    identity_id := v_identity; contact_id := v_contact;

    if v_kind in ('optout','optin') then
      update messaging.identity i set consent = case when v_kind = 'optout' then 'opted_out' else 'granted' end,
        consent_at = v_at, consent_source = 'provider', consent_reason = left(ev->>'reason', 200)
        where i.tenant_id = p_tenant and i.id = v_identity;
      outcome := v_kind; return next; continue;
    end if;

    -- the conversation: an e-mail reply joins the thread it refers to; otherwise the identity's on this account
    v_conv := null;
    if jsonb_typeof(ev->'threadRefs') = 'array' and jsonb_array_length(ev->'threadRefs') > 0 then
      select m.conversation_id into v_conv from messaging.message m
        where m.tenant_id = p_tenant and m.account_id = p_account and m.thread_ref in (select jsonb_array_elements_text(ev->'threadRefs'))
        order by m.created_at desc limit 1;
    end if;
    if v_conv is null then
      insert into messaging.conversation as c (tenant_id, id, account_id, identity_id, contact_id, chat_id)
        values (p_tenant, gen_random_uuid(), p_account, v_identity, v_contact, left(ev->>'chatId', 320))
        on conflict (tenant_id, account_id, identity_id) do update set chat_id = excluded.chat_id
        returning c.id into v_conv;
    end if;
    conversation_id := v_conv;

    v_reply := null;
    if ev->>'replyTo' is not null or ev->>'providerMessageId' is not null and v_kind = 'button' then
      select coalesce(
        (select pr.message_id from messaging.provider_ref pr where pr.tenant_id = p_tenant and pr.account_id = p_account and pr.provider_message_id = coalesce(ev->>'replyTo', ev->>'providerMessageId')),
        (select m.id from messaging.message m where m.tenant_id = p_tenant and m.account_id = p_account and m.provider_message_id = coalesce(ev->>'replyTo', ev->>'providerMessageId'))
      ) into v_reply;
    end if;

    v_attachments := case when jsonb_typeof(ev->'attachments') = 'array' then ev->'attachments' else '[]'::jsonb end;
    v_msg := gen_random_uuid();
    insert into messaging.message (tenant_id, id, conversation_id, account_id, direction, kind, body, html, subject, attachments, button_id,
        start_payload, reply_to_id, provider_message_id, thread_ref, status, sent_at, created_at)
      values (p_tenant, v_msg, v_conv, p_account, 'in',
        case when v_kind = 'button' then 'button' when jsonb_array_length(v_attachments) > 0 then 'media' else 'text' end,
        case when v_kind = 'button' then coalesce(ev->>'text', ev->>'buttonId') else ev->>'text' end,
        ev->>'html', left(ev->>'subject', 500), v_attachments, left(ev->>'buttonId', 100), left(ev->>'startPayload', 200), v_reply,
        case when v_kind = 'button' then null else left(ev->>'providerMessageId', 255) end,
        case when v_channel = 'email' and v_kind = 'message' then left(ev->>'providerMessageId', 998) end,
        -- created_at orders the thread by arrival (the provider's clock has seconds, ours is later than
        -- a reply we queued the same second); sent_at keeps when the person sent it
        'received', least(v_at, clock_timestamp()), clock_timestamp())
      on conflict (tenant_id, account_id, provider_message_id) do nothing;
    if not found then
      -- the same message under another event id (a provider that re-numbers redeliveries)
      outcome := 'duplicate_message'; return next; continue;
    end if;
    message_id := v_msg;

    update messaging.conversation c set
      unread = c.unread + 1,
      last_message_at = greatest(coalesce(c.last_message_at, '-infinity'), least(v_at, now())),
      last_inbound_at = greatest(coalesce(c.last_inbound_at, '-infinity'), least(v_at, now())),
      last_preview = left(coalesce(nullif(btrim(ev->>'text'), ''), nullif(ev->>'subject', ''), nullif(ev->>'buttonId', ''), '📎'), 200),
      last_direction = 'in',
      status = 'open',
      updated_at = now(),
      -- the version guards what people edit (status, assignee, team, labels): only reopening changes it
      version = c.version + case when c.status <> 'open' then 1 else 0 end
    where c.tenant_id = p_tenant and c.id = v_conv;

    outcome := v_kind;
    -- STOP / START in the person's own words (the lists come from the settings, lower-cased)
    if v_kind = 'message' then
      v_word := lower(btrim(coalesce(ev->>'text', ''), E' \\t\\r\\n.!'));
      if v_word <> '' and v_word = any(p_opt_out) then
        update messaging.identity i set consent = 'opted_out', consent_at = v_at, consent_source = 'keyword', consent_reason = left(v_word, 200)
          where i.tenant_id = p_tenant and i.id = v_identity and i.consent <> 'opted_out';
        if found then outcome := 'message_optout'; end if;
      elsif v_word <> '' and v_word = any(p_opt_in) then
        update messaging.identity i set consent = 'granted', consent_at = v_at, consent_source = 'keyword', consent_reason = left(v_word, 200)
          where i.tenant_id = p_tenant and i.id = v_identity and i.consent = 'opted_out';
        if found then outcome := 'message_optin'; end if;
      end if;
    end if;
    return next;
  end loop;
end $$;
`,
};
