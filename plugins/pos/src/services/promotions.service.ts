import { ConflictError, defineAction, defineService, listPage, NotFoundError, Paging, sqlSet, sqlWhere, Type, ValidationError, type FieldError, type RequestContext } from '@atrium/sdk';
import { posTimeZone } from '../domain/settings.ts';
import { requireStore } from '../domain/stores.ts';

/**
 * Promotions and preset discounts, set up by managers, applied by the shared pricing module at the
 * till and on the server (domain/promotions.ts). The till reads the active ones (and keeps them for
 * offline sales); a sale records which promotion discounted each line.
 */
const SUBJECT = 'pos.Promotion';
const Id = Type.String({ format: 'uuid' });
const Day = Type.String({ format: 'date' });
const Bp = Type.Integer({ minimum: 1, maximum: 10_000 });
const Scope = { productIds: Type.Optional(Type.Array(Id, { maxItems: 500 })), categoryIds: Type.Optional(Type.Array(Id, { maxItems: 200 })) };
const HHMM = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' });
export const PromotionRuleSchema = Type.Union([
  Type.Object({ kind: Type.Literal('preset'), bp: Type.Optional(Bp), amount: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 })) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('n_for_m'), buy: Type.Integer({ minimum: 2, maximum: 100 }), pay: Type.Integer({ minimum: 0, maximum: 99 }), ...Scope }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('percent'), bp: Bp, ...Scope }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('happy_hour'), bp: Bp, days: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7, uniqueItems: true }), from: HHMM, to: HHMM, ...Scope }, { additionalProperties: false }),
]);

const COLUMNS = 'id, name, kind, rule, store_id, valid_from, valid_to, active, created_at, updated_at';
const day = (v: unknown) => (v instanceof Date ? `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}` : v ? String(v).slice(0, 10) : null);
export function promotionView(r: any) {
  return { id: r.id, name: r.name, kind: r.kind, rule: r.rule, storeId: r.store_id, validFrom: day(r.valid_from), validTo: day(r.valid_to), active: r.active, createdAt: r.created_at, updatedAt: r.updated_at };
}

function check(rule: any, validFrom?: string | null, validTo?: string | null) {
  const fields: FieldError[] = [];
  if (rule.kind === 'preset' && (rule.bp === undefined) === (rule.amount === undefined)) fields.push({ field: 'rule/bp', code: 'presetBpOrAmount', message: 'a preset is a percentage (bp) or an amount, one of them' });
  if (rule.kind === 'n_for_m' && rule.pay >= rule.buy) fields.push({ field: 'rule/pay', code: 'payBelowBuy', message: 'must be less than buy (3 for 2: buy 3, pay 2)' });
  if (rule.kind === 'happy_hour' && rule.from === rule.to) fields.push({ field: 'rule/to', code: 'sameAsFrom', message: 'must differ from from' });
  if (validFrom && validTo && validFrom > validTo) fields.push({ field: 'validTo', code: 'beforeFrom', message: 'must not be before validFrom' });
  if (fields.length) throw new ValidationError('Invalid promotion', fields);
}

async function load(ctx: RequestContext, id: string, lock = false) {
  const [r] = await ctx.em.execute(`select ${COLUMNS} from pos.promotion where id = ?${lock ? ' for update' : ''}`, [id]);
  if (!r) throw new NotFoundError('No such promotion', { subject: 'pos.Promotion' });
  return r;
}

export const promotionsService = defineService({
  name: 'promotions',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      summary: 'Promotions and preset discounts; current=true: the ones in force today in this store (what the till applies)',
      params: Type.Object({ ...Paging, storeId: Type.Optional(Id), current: Type.Optional(Type.Boolean()), kind: Type.Optional(Type.String({ pattern: '^(preset|n_for_m|percent|happy_hour)$' })) }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 200, offset = 0, storeId, current, kind } = ctx.params;
        const where = sqlWhere().add('kind = ?', kind).add('(store_id is null or store_id = ?)', storeId);
        // "today" is the shop's day, not the database server's
        if (current) where.always('active').always('(valid_from is null or valid_from <= (now() at time zone ?)::date) and (valid_to is null or valid_to >= (now() at time zone ?)::date)', ...Array(2).fill(await posTimeZone(ctx)));
        return listPage(ctx, { select: COLUMNS, from: 'pos.promotion', where, orderBy: 'active desc, lower(name), id', limit, offset }, promotionView);
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['manage', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 120 }), rule: PromotionRuleSchema, storeId: Type.Optional(Type.Union([Id, Type.Null()])), validFrom: Type.Optional(Type.Union([Day, Type.Null()])), validTo: Type.Optional(Type.Union([Day, Type.Null()])), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        check(p.rule, p.validFrom, p.validTo);
        if (p.storeId) await requireStore(ctx, p.storeId);
        const [r] = await ctx.em.execute(
          `insert into pos.promotion (tenant_id, id, name, kind, rule, store_id, valid_from, valid_to, active, created_by) values (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
          [ctx.tenantId, crypto.randomUUID(), p.name.trim(), p.rule.kind, JSON.stringify(p.rule), p.storeId ?? null, p.validFrom ?? null, p.validTo ?? null, p.active ?? true, ctx.user?.id ?? null],
        );
        ctx.audit.target(r.id);
        return promotionView(r);
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['manage', SUBJECT],
      params: Type.Object({ id: Id, name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })), rule: Type.Optional(PromotionRuleSchema), storeId: Type.Optional(Type.Union([Id, Type.Null()])), validFrom: Type.Optional(Type.Union([Day, Type.Null()])), validTo: Type.Optional(Type.Union([Day, Type.Null()])), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        const before = await load(ctx, p.id, true);
        if (p.rule && p.rule.kind !== before.kind) throw new ConflictError('A promotion keeps its kind: make a new one', 'KIND_FIXED', { kind: before.kind, fields: [{ field: 'rule/kind', code: 'kindFixed', params: { kind: before.kind }, message: `is ${before.kind}` }] });
        check(p.rule ?? before.rule, p.validFrom === undefined ? day(before.valid_from) : p.validFrom, p.validTo === undefined ? day(before.valid_to) : p.validTo);
        if (p.storeId) await requireStore(ctx, p.storeId);
        const set = sqlSet().add('name = ?', p.name?.trim()).add('rule = ?::jsonb', p.rule === undefined ? undefined : JSON.stringify(p.rule)).add('store_id = ?', p.storeId)
          .add('valid_from = ?', p.validFrom).add('valid_to = ?', p.validTo).add('active = ?', p.active);
        if (set.empty) return promotionView(before);
        const [after] = await ctx.em.execute(`update pos.promotion set ${set.always('updated_at = now()').text()} where id = ? returning ${COLUMNS}`, [...set.params, p.id]);
        ctx.audit.diff(promotionView(before), promotionView(after));
        return promotionView(after);
      },
    }),
  },
});
