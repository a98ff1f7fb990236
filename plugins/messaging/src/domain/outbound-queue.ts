import crypto from 'node:crypto';
import { Type, UnprocessableError, ValidationError, type RequestContext, type Static } from '@atrium/sdk';
import type { ChannelLimits } from '@atrium/sdk/messaging';
import { limitsOf } from './adapters.ts';
import { planParts, buttonsAsText, type Content } from './parts.ts';
import { quietUntil } from './quiet-hours.ts';
import { resolveRecipient, SendTarget, type Recipient } from './recipients.ts';
import { messagingSettings, type MessagingSettings } from './settings.ts';
import { asLocale, checkValues, pickVariant, providerParameters, render, type Locale, type TemplateVariable, type TemplateVariantDef } from './templates.ts';
import { pushConversations } from './live.ts';

const Id = Type.String({ format: 'uuid' });

/** `messaging.outbound.send` and the inbox composer: what to send, to whom. */
export const SendParams = Type.Object({
  to: SendTarget,
  text: Type.Optional(Type.String({ maxLength: 20_000 })),
  subject: Type.Optional(Type.String({ maxLength: 500 })),
  html: Type.Optional(Type.String({ maxLength: 200_000 })),
  template: Type.Optional(Type.Object({
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9_]*$', maxLength: 100 }),
    variables: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.Unknown())),
    locale: Type.Optional(Type.Union([Type.Literal('ru'), Type.Literal('uk'), Type.Literal('kk'), Type.Literal('en')])),
  }, { additionalProperties: false })),
  buttons: Type.Optional(Type.Array(Type.Object({
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' }),
    text: Type.String({ minLength: 1, maxLength: 100 }),
    url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2000 })),
  }, { additionalProperties: false }), { maxItems: 10 })),
  attachments: Type.Optional(Type.Array(Type.Object({
    fileId: Id,
    name: Type.String({ minLength: 1, maxLength: 255 }),
    mimeType: Type.String({ minLength: 3, maxLength: 200 }),
  }, { additionalProperties: false }), { maxItems: 10 })),
  replyToMessageId: Type.Optional(Id),
  /** Goes out even in quiet hours (a code, an answer to someone who just wrote). */
  urgent: Type.Optional(Type.Boolean()),
  /** The business object the send is about, for the sender's own bookkeeping (a booking, a lesson). */
  reference: Type.Optional(Type.Object({ plugin: Type.String({ minLength: 1, maxLength: 40 }), id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false })),
  idempotencyKey: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
}, { additionalProperties: false });
export type SendInput = Static<typeof SendParams>;

export type QueuedMessage = { messageId: string; conversationId: string; status: string; notBefore: string | null; parts: number; created: boolean };

type TemplateRow = { id: string; name: string; variables: TemplateVariable[]; variants: (TemplateVariantDef & { id: string })[] };

async function loadTemplate(ctx: RequestContext, name: string): Promise<TemplateRow> {
  const [t] = await ctx.sql<TemplateRow>(
    `select t.id, t.name, t.variables, coalesce((select jsonb_agg(jsonb_build_object('id', v.id, 'channel', v.channel, 'locale', v.locale, 'subject', v.subject, 'body', v.body,
        'buttons', v.buttons, 'providerTemplate', v.provider_template)) from messaging.template_variant v where v.tenant_id = t.tenant_id and v.template_id = t.id), '[]') as variants
     from messaging.template t where t.tenant_id = $1::uuid and t.name = $2::text and not t.archived`,
    [ctx.tenantId, name],
  );
  if (!t) throw new ValidationError(`No template "${name}"`, [{ field: 'template.name', code: 'unknown', message: 'is not a template of this tenant' }]);
  return t;
}

/** Text, subject, buttons and (for approved templates) provider parameters, in the contact's locale. */
async function compose(ctx: RequestContext, input: SendInput, r: Recipient, settings: MessagingSettings, limits: ChannelLimits): Promise<{ content: Content; template: Record<string, unknown> | null }> {
  const buttons = input.buttons ?? [];
  if (!input.template) {
    if (!input.text?.trim() && !input.attachments?.length) throw new ValidationError('Nothing to send', [{ field: 'text', code: 'required', message: 'is required (or a template, or attachments)' }]);
    return { content: { text: input.text ?? null, subject: input.subject ?? null, html: input.html ?? null, buttons, attachments: input.attachments ?? [] }, template: null };
  }
  if (input.text) throw new ValidationError('Give a text or a template, not both', [{ field: 'text', code: 'notWith', params: { other: 'template' }, message: 'must be empty when a template is given' }]);
  const t = await loadTemplate(ctx, input.template.name);
  const values = input.template.variables ?? {};
  const bad = checkValues(t.variables, values).map((f) => ({ ...f, field: `template.${f.field}` }));
  if (bad.length) throw new ValidationError('The template\'s variables are not valid', bad);
  const locale: Locale = input.template.locale ?? asLocale(r.contactLocale, settings.defaultLocale);
  const variant = pickVariant(t.variants, r.account.channel, locale, settings.defaultLocale);
  if (!variant) throw new UnprocessableError(`The template "${t.name}" has no variant for ${r.account.channel}`, 'TEMPLATE_NO_VARIANT', { template: t.name, channel: r.account.channel });
  const vLocale = variant.locale;
  const text = render(variant.body, t.variables, values, vLocale, settings.timeZone);
  const providerTemplate = limits.providerTemplates && variant.providerTemplate
    ? { name: variant.providerTemplate.name, language: variant.providerTemplate.language, parameters: providerParameters(variant, t.variables, values, vLocale, settings.timeZone) }
    : null;
  const tButtons = (variant.buttons ?? []).map((b) => ({ ...b, text: render(b.text, t.variables, values, vLocale, settings.timeZone) }));
  return {
    content: {
      text, subject: variant.subject ? render(variant.subject, t.variables, values, vLocale, settings.timeZone) : input.subject ?? null, html: null,
      buttons: [...tButtons, ...buttons], attachments: input.attachments ?? [], providerTemplate,
    },
    template: { id: t.id, name: t.name, locale: vLocale, variantId: variant.id, variables: values, ...(providerTemplate ? { providerTemplate } : {}) },
  };
}

/** The rules a channel imposes on a message before it may be queued: window, buttons, media. */
function checkChannelRules(content: Content, r: Recipient, limits: ChannelLimits, now: Date): void {
  if (limits.window && !content.providerTemplate) {
    const last = r.lastInboundAt ? new Date(r.lastInboundAt).getTime() : null;
    if (last === null || now.getTime() - last > limits.window.hours * 3600_000) {
      throw new UnprocessableError(
        `The ${limits.window.hours}-hour window to answer this contact is closed: only an approved template may be sent`,
        'WINDOW_CLOSED', { lastInboundAt: r.lastInboundAt, windowHours: limits.window.hours },
      );
    }
  }
  if (content.buttons.length && limits.buttons) {
    if (content.buttons.length > limits.buttons.max) throw new ValidationError('Too many buttons for this channel', [{ field: 'buttons', code: 'maxItems', params: { limit: limits.buttons.max }, message: `at most ${limits.buttons.max}` }]);
    content.buttons.forEach((b, i) => {
      if (b.text.length > limits.buttons!.textMaxLength) throw new ValidationError('A button label is too long for this channel', [{ field: `buttons.${i}.text`, code: 'maxLength', params: { limit: limits.buttons!.textMaxLength }, message: `must be at most ${limits.buttons!.textMaxLength} characters` }]);
      if (b.url && !limits.buttons!.urls) throw new ValidationError('This channel has no link buttons', [{ field: `buttons.${i}.url`, code: 'channelUnsupported', message: 'is not supported on this channel' }]);
    });
  }
  content.attachments.forEach((a, i) => {
    if (!limits.media) throw new UnprocessableError('This channel cannot send files', 'MEDIA_NOT_SUPPORTED', { field: `attachments.${i}` });
    const ok = limits.media.mimeTypes.some((m) => m === a.mimeType || (m.endsWith('/*') && a.mimeType.startsWith(m.slice(0, -1))));
    if (!ok) throw new ValidationError('This channel cannot send this kind of file', [{ field: `attachments.${i}.mimeType`, code: 'enum', params: { allowedValues: limits.media.mimeTypes }, message: `must be one of ${limits.media.mimeTypes.join(', ')}` }]);
  });
}

export function requestHash(input: SendInput): string {
  const { idempotencyKey: _k, ...rest } = input;
  return crypto.createHash('sha256').update(JSON.stringify(rest)).digest('hex');
}

/**
 * Queues one message (in the caller's transaction): resolves the recipient, checks consent, the
 * channel's window and limits, renders a template, plans the parts, applies quiet hours, stores it
 * `queued`, and enqueues its delivery job (after commit). A retry with the same idempotency key
 * answers the message queued the first time; the same key with another request is refused.
 */
export async function queueMessage(ctx: RequestContext, input: SendInput, opts: { createdBy: string | null; urgentByDefault?: boolean }): Promise<QueuedMessage> {
  const key = input.idempotencyKey ?? null;
  const hash = requestHash(input);
  if (key) {
    const [existing] = await ctx.sql<{ id: string; conversation_id: string; status: string; not_before: Date | null; parts_total: number; request_hash: string | null }>(
      'select id, conversation_id, status, not_before, parts_total, request_hash from messaging.message where tenant_id = $1::uuid and idempotency_key = $2::text', [ctx.tenantId, key]);
    if (existing) {
      if (existing.request_hash && existing.request_hash !== hash) throw new UnprocessableError('This idempotency key was already used for another message', 'IDEMPOTENCY_KEY_REUSED', { idempotencyKey: key });
      return { messageId: existing.id, conversationId: existing.conversation_id, status: existing.status, notBefore: existing.not_before ? new Date(existing.not_before).toISOString() : null, parts: existing.parts_total, created: false };
    }
  }
  const settings = await messagingSettings(ctx);
  const r = await resolveRecipient(ctx, input.to);
  if (r.account.status !== 'connected') throw new UnprocessableError(`The account "${r.account.name}" is not connected`, 'ACCOUNT_NOT_CONNECTED', { accountId: r.account.id });
  if (r.consent === 'opted_out') throw new UnprocessableError('The contact asked not to receive messages on this channel', 'OPTED_OUT', { identityId: r.identityId });
  const limits = limitsOf(r.account);
  const { content, template } = await compose(ctx, input, r, settings, limits);
  const now = new Date();
  checkChannelRules(content, r, limits, now);
  // a channel without buttons gets them as numbered lines of text
  if (content.buttons.length && !limits.buttons) content.text = buttonsAsText(content.text ?? '', content.buttons);
  const parts = planParts({ ...content, buttons: limits.buttons ? content.buttons : [] }, limits);
  if (parts.length > 50) throw new ValidationError('The message is too long for this channel', [{ field: 'text', code: 'tooManyParts', params: { parts: parts.length, max: 50 }, message: `would be ${parts.length} messages; at most 50` }]);
  const urgent = input.urgent ?? opts.urgentByDefault ?? false;
  const notBefore = urgent ? null : quietUntil(settings.quietHours, settings.timeZone, now);
  if (input.replyToMessageId) {
    const [reply] = await ctx.sql('select 1 from messaging.message where tenant_id = $1::uuid and id = $2::uuid and conversation_id = $3::uuid', [ctx.tenantId, input.replyToMessageId, r.conversationId]);
    if (!reply) throw new ValidationError('Not a message of this conversation', [{ field: 'replyToMessageId', code: 'unknown', message: 'is not a message of this conversation' }]);
  }
  const id = crypto.randomUUID();
  const kind = template ? 'template' : content.attachments.length ? 'media' : 'text';
  const inserted = await ctx.sql<{ id: string }>(
    `insert into messaging.message (tenant_id, id, conversation_id, account_id, direction, kind, body, html, subject, attachments, buttons, template, reply_to_id,
        status, parts_total, not_before, urgent, idempotency_key, request_hash, reference, sender_plugin, created_by, queued_at)
     values ($1::uuid, $2::uuid, $3::uuid, $4::uuid, 'out', $5::text, $6::text, $7::text, $8::text, $9::jsonb, $10::jsonb, $11::jsonb, $12::uuid,
        'queued', $13::int, $14::timestamptz, $15::boolean, $16::text, $17::text, $18::jsonb, $19::text, $20::uuid, now())
     on conflict (tenant_id, idempotency_key) do nothing returning id`,
    [ctx.tenantId, id, r.conversationId, r.account.id, kind, content.text, content.html ?? null, content.subject ?? null, JSON.stringify(content.attachments),
      JSON.stringify(content.buttons), template ? JSON.stringify(template) : null, input.replyToMessageId ?? null, parts.length, notBefore, urgent, key, hash,
      input.reference ? JSON.stringify(input.reference) : null, input.reference?.plugin ?? null, opts.createdBy],
  );
  if (!inserted.length) {
    // the same key queued concurrently: answer that one
    return queueMessage(ctx, input, opts);
  }
  await ctx.sql(
    `update messaging.conversation set last_message_at = now(), last_preview = left(coalesce(nullif(btrim($3::text), ''), $4::text), 200), last_direction = 'out',
       unread = case when $5::boolean then 0 else unread end, updated_at = now()
     where tenant_id = $1::uuid and id = $2::uuid`,
    [ctx.tenantId, r.conversationId, content.text ?? '', content.attachments[0]?.name ?? '📎', opts.createdBy !== null],
  );
  await ctx.jobs.enqueue('deliver', { messageId: id }, { jobId: id, ...(notBefore ? { delayMs: Math.max(0, notBefore.getTime() - now.getTime()) } : {}) });
  pushConversations(ctx, [r.conversationId]);
  return { messageId: id, conversationId: r.conversationId, status: 'queued', notBefore: notBefore?.toISOString() ?? null, parts: parts.length, created: true };
}
