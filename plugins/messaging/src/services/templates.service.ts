import crypto from 'node:crypto';
import { ConflictError, defineAction, defineService, likePattern, listPage, NotFoundError, Paging, sqlWhere, Type, ValidationError, type RequestContext } from '@atrium/sdk';
import { messagingSettings } from '../domain/settings.ts';
import { checkTemplate, checkValues, LOCALES, pickVariant, providerParameters, render, TemplateVariable, type TemplateVariantDef } from '../domain/templates.ts';

const SUBJECT = 'messaging.Template';
const Id = Type.String({ format: 'uuid' });
const Locale = Type.Union(LOCALES.map((l) => Type.Literal(l)));
const VariantChannel = Type.Union(['*', 'telegram', 'whatsapp', 'facebook', 'instagram', 'email', 'sms'].map((c) => Type.Literal(c)));
const Variant = Type.Object({
  channel: VariantChannel,
  locale: Locale,
  subject: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  body: Type.String({ minLength: 1, maxLength: 20_000 }),
  buttons: Type.Optional(Type.Array(Type.Object({
    id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' }),
    text: Type.String({ minLength: 1, maxLength: 100 }),
    url: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2000 })),
  }, { additionalProperties: false }), { maxItems: 10 })),
  providerTemplate: Type.Optional(Type.Union([Type.Object({
    name: Type.String({ minLength: 1, maxLength: 512, pattern: '^[a-z0-9_]+$' }),
    language: Type.String({ minLength: 2, maxLength: 15, pattern: '^[a-z]{2,3}(_[A-Z]{2})?$' }),
    parameters: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 20 })),
  }, { additionalProperties: false }), Type.Null()])),
}, { additionalProperties: false });
const Body = {
  description: Type.Optional(Type.String({ maxLength: 500 })),
  category: Type.Optional(Type.Union(['utility', 'marketing', 'authentication', 'service'].map((c) => Type.Literal(c)))),
  variables: Type.Array(TemplateVariable, { maxItems: 30 }),
  variants: Type.Array(Variant, { minItems: 1, maxItems: 60 }),
};

const TEMPLATE_SELECT = `select t.id, t.name, t.description, t.category, t.variables, t.archived, t.created_at, t.updated_at, t.version,
  coalesce((select jsonb_agg(jsonb_build_object('id', v.id, 'channel', v.channel, 'locale', v.locale, 'subject', v.subject, 'body', v.body, 'buttons', v.buttons,
    'providerTemplate', v.provider_template) order by v.channel, v.locale) from messaging.template_variant v where v.tenant_id = t.tenant_id and v.template_id = t.id), '[]') as variants
  from messaging.template t`;

const view = (r: any) => ({
  id: r.id, name: r.name, description: r.description, category: r.category, variables: r.variables, archived: r.archived,
  variants: r.variants, createdAt: r.created_at, updatedAt: r.updated_at, version: r.version,
});

async function load(ctx: RequestContext, id: string) {
  const [r] = await ctx.sql(`${TEMPLATE_SELECT} where t.tenant_id = $1::uuid and t.id = $2::uuid`, [ctx.tenantId, id]);
  if (!r) throw new NotFoundError('Template not found');
  return r;
}

function check(variables: TemplateVariable[], variants: TemplateVariantDef[]): void {
  const fields = checkTemplate(variables, variants);
  if (fields.length) throw new ValidationError('The template is not valid', fields);
}

async function writeVariants(ctx: RequestContext, templateId: string, variants: TemplateVariantDef[]): Promise<void> {
  await ctx.sql('delete from messaging.template_variant where tenant_id = $1::uuid and template_id = $2::uuid', [ctx.tenantId, templateId]);
  await ctx.sql(
    `insert into messaging.template_variant (tenant_id, id, template_id, channel, locale, subject, body, buttons, provider_template)
     select $1::uuid, gen_random_uuid(), $2::uuid, v->>'channel', v->>'locale', v->>'subject', v->>'body', coalesce(v->'buttons', '[]'), nullif(v->'providerTemplate', 'null')
     from jsonb_array_elements($3::jsonb) v`,
    [ctx.tenantId, templateId, JSON.stringify(variants)],
  );
}

/**
 * Message templates: typed variables ({{name}} in the text), checked when saved (every placeholder
 * declared, one variant per channel and locale) and when sent (types, required values); variants
 * per channel and locale, optionally bound to a template the provider approved (WhatsApp).
 */
export const templatesService = defineService({
  name: 'templates',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({ ...Paging, q: Type.Optional(Type.String({ maxLength: 100 })), archived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 50, offset = 0 } = ctx.params;
        const where = sqlWhere().always('t.tenant_id = ?::uuid', ctx.tenantId).always('t.archived = ?::boolean', ctx.params.archived ?? false);
        if (ctx.params.q?.trim()) where.add('(t.name like ? or lower(t.description) like ?)', likePattern(ctx.params.q.trim().toLowerCase()), likePattern(ctx.params.q.trim().toLowerCase()));
        const page = await listPage(ctx, {
          select: `t.id, t.name, t.description, t.category, t.variables, t.archived, t.created_at, t.updated_at, t.version,
            coalesce((select jsonb_agg(jsonb_build_object('id', v.id, 'channel', v.channel, 'locale', v.locale, 'subject', v.subject, 'body', v.body, 'buttons', v.buttons, 'providerTemplate', v.provider_template)
              order by v.channel, v.locale) from messaging.template_variant v where v.tenant_id = t.tenant_id and v.template_id = t.id), '[]') as variants`,
          from: 'messaging.template t', where, orderBy: 't.name, t.id', limit, offset,
        }, view);
        return page;
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', SUBJECT],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      handler: async (ctx) => view(await load(ctx, ctx.params.id)),
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Type.String({ pattern: '^[a-z0-9][a-z0-9_]*$', maxLength: 100 }), ...Body }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        check(p.variables, p.variants);
        const [dup] = await ctx.sql('select 1 from messaging.template where tenant_id = $1::uuid and name = $2::text', [ctx.tenantId, p.name]);
        if (dup) throw new ConflictError(`A template named "${p.name}" already exists`, 'TEMPLATE_NAME_TAKEN', { field: 'name' });
        const id = crypto.randomUUID();
        await ctx.sql('insert into messaging.template (tenant_id, id, name, description, category, variables) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::text, $6::jsonb)',
          [ctx.tenantId, id, p.name, p.description ?? '', p.category ?? 'utility', JSON.stringify(p.variables)]);
        await writeVariants(ctx, id, p.variants);
        return view(await load(ctx, id));
      },
    }),
    update: defineAction({
      rest: 'PUT /:id',
      permission: ['update', SUBJECT],
      summary: 'Replace a template\'s variables and variants (send the version you read)',
      params: Type.Object({ id: Id, version: Type.Integer({ minimum: 1 }), ...Body }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        check(p.variables, p.variants);
        const before = await load(ctx, p.id);
        const rows = await ctx.sql(
          `update messaging.template set description = coalesce($4::text, description), category = coalesce($5::text, category), variables = $6::jsonb, updated_at = now(), version = version + 1
           where tenant_id = $1::uuid and id = $2::uuid and version = $3::int returning id`,
          [ctx.tenantId, p.id, p.version, p.description ?? null, p.category ?? null, JSON.stringify(p.variables)]);
        if (!rows.length) throw new ConflictError('The template was changed by someone else: reload it', 'VERSION_CONFLICT');
        await writeVariants(ctx, p.id, p.variants);
        const after = await load(ctx, p.id);
        ctx.audit.diff({ variables: before.variables, variants: before.variants }, { variables: after.variables, variants: after.variants });
        return view(after);
      },
    }),
    archive: defineAction({
      rest: 'POST /:id/archive',
      permission: ['update', SUBJECT],
      summary: 'Archive (or, with archived: false, restore) a template: archived ones cannot be sent',
      params: Type.Object({ id: Id, archived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.sql('update messaging.template set archived = $3::boolean, updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid returning id', [ctx.tenantId, ctx.params.id, ctx.params.archived ?? true]);
        if (!rows.length) throw new NotFoundError('Template not found');
        return view(await load(ctx, ctx.params.id));
      },
    }),
    preview: defineAction({
      rest: 'POST /preview',
      permission: ['read', SUBJECT],
      mutates: false,
      summary: 'Render a template (saved, or as being edited) for a channel and locale with given values, checking them as a send would',
      params: Type.Object({
        channel: Type.Union(['telegram', 'whatsapp', 'facebook', 'instagram', 'email', 'sms'].map((c) => Type.Literal(c))),
        locale: Locale,
        values: Type.Record(Type.String({ maxLength: 40 }), Type.Unknown()),
        id: Type.Optional(Id),
        draft: Type.Optional(Type.Object({ variables: Body.variables, variants: Body.variants }, { additionalProperties: false })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const t = p.id ? await load(ctx, p.id) : p.draft ? { variables: p.draft.variables, variants: p.draft.variants } : null;
        if (!t) throw new ValidationError('Give a template id or a draft', [{ field: 'id', code: 'idOrDraft', message: 'or draft is required' }]);
        const problems = checkValues(t.variables, p.values).map((f) => ({ ...f, field: `values.${f.field.slice('variables.'.length)}` }));
        const settings = await messagingSettings(ctx);
        const variant = pickVariant<TemplateVariantDef>(t.variants, p.channel, p.locale, settings.defaultLocale);
        if (!variant) return { variant: null, problems };
        const r = (text: string) => render(text, t.variables, p.values, variant.locale, settings.timeZone);
        return {
          variant: { channel: variant.channel, locale: variant.locale },
          subject: variant.subject ? r(variant.subject) : null,
          text: r(variant.body),
          buttons: (variant.buttons ?? []).map((b) => ({ ...b, text: r(b.text) })),
          providerTemplate: variant.providerTemplate ? { ...variant.providerTemplate, parameters: providerParameters(variant, t.variables, p.values, variant.locale, settings.timeZone) } : null,
          problems,
        };
      },
    }),
  },
});
