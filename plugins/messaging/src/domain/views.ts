/** Rows → API views, one place for each shape the routes answer. */

export const CONVERSATION_SELECT = `select c.id, c.status, c.assignee_id, c.team, c.labels, c.unread, c.last_message_at, c.last_inbound_at, c.last_preview, c.last_direction,
    c.created_at, c.updated_at, c.version, c.chat_id,
    a.id as account_id, a.name as account_name, a.channel, a.adapter, a.status as account_status, a.limits->'window' as window,
    ct.id as contact_id, ct.name as contact_name, ct.locale as contact_locale,
    i.id as identity_id, i.kind as identity_kind, i.value as identity_value, i.display as identity_display, i.username as identity_username, i.consent
  from messaging.conversation c
  join messaging.account a on a.tenant_id = c.tenant_id and a.id = c.account_id
  join messaging.contact ct on ct.tenant_id = c.tenant_id and ct.id = c.contact_id
  join messaging.identity i on i.tenant_id = c.tenant_id and i.id = c.identity_id`;

export function conversationView(r: any) {
  const windowHours: number | null = r.window?.hours ?? null;
  const last = r.last_inbound_at ? new Date(r.last_inbound_at).getTime() : null;
  return {
    id: r.id,
    status: r.status,
    assigneeId: r.assignee_id,
    team: r.team,
    labels: r.labels ?? [],
    unread: r.unread,
    lastMessageAt: r.last_message_at,
    lastInboundAt: r.last_inbound_at,
    lastPreview: r.last_preview,
    lastDirection: r.last_direction,
    // the customer-service window (WhatsApp 24 h): free text may go until then; null = no window
    windowClosesAt: windowHours === null ? null : last === null ? new Date(0).toISOString() : new Date(last + windowHours * 3600_000).toISOString(),
    account: { id: r.account_id, name: r.account_name, channel: r.channel, adapter: r.adapter, status: r.account_status },
    contact: { id: r.contact_id, name: r.contact_name, locale: r.contact_locale },
    identity: { id: r.identity_id, kind: r.identity_kind, value: r.identity_value, display: r.identity_display, username: r.identity_username, consent: r.consent },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    version: r.version,
  };
}
export type ConversationView = ReturnType<typeof conversationView>;

export const MESSAGE_COLUMNS = `m.id, m.conversation_id, m.direction, m.kind, m.body, m.html, m.subject, m.attachments, m.buttons, m.button_id, m.template, m.start_payload,
  m.reply_to_id, m.status, m.error, m.attempts, m.parts_total, m.not_before, m.urgent, m.sender_plugin, m.created_by, m.queued_at, m.sent_at, m.delivered_at,
  m.read_at, m.failed_at, m.purged_at, m.created_at`;

export function messageView(r: any) {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    direction: r.direction,
    kind: r.kind,
    text: r.body,
    html: r.html,
    subject: r.subject,
    attachments: r.attachments ?? [],
    buttons: r.buttons ?? [],
    buttonId: r.button_id,
    template: r.template ? { name: r.template.name, locale: r.template.locale } : null,
    startPayload: r.start_payload,
    replyToId: r.reply_to_id,
    status: r.status,
    error: r.error,
    attempts: r.attempts,
    parts: r.parts_total,
    notBefore: r.not_before,
    urgent: r.urgent,
    senderPlugin: r.sender_plugin,
    createdBy: r.created_by,
    createdAt: r.created_at,
    queuedAt: r.queued_at,
    sentAt: r.sent_at,
    deliveredAt: r.delivered_at,
    readAt: r.read_at,
    failedAt: r.failed_at,
    purgedAt: r.purged_at,
  };
}

export const CONTACT_COLUMNS = 'ct.id, ct.name, ct.locale, ct.note, ct.merged_into, ct.created_at, ct.updated_at, ct.version';

export function identityView(r: any) {
  return {
    id: r.id, kind: r.kind, scope: r.scope, value: r.value, display: r.display, username: r.username,
    consent: r.consent, consentAt: r.consent_at, consentSource: r.consent_source, consentReason: r.consent_reason, createdAt: r.created_at,
  };
}

export function contactView(r: any, identities: any[] = []) {
  return {
    id: r.id, name: r.name, locale: r.locale, note: r.note, mergedInto: r.merged_into, createdAt: r.created_at, updatedAt: r.updated_at, version: r.version,
    identities: identities.map(identityView),
  };
}
