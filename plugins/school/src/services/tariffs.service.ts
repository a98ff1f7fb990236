import crypto from 'node:crypto';
import { defineAction, defineService, listPage, Paging, sqlSet, sqlWhere, Type } from '@atrium/sdk';
import { badField, Currency, Id, Minor, NullableId, PositiveMinor, ShortName, Version } from '../domain/fields.ts';
import { patchRecord, requireRef } from '../domain/records.ts';
import { schoolSettings } from '../domain/settings.ts';

const Kind = Type.Union([Type.Literal('pass'), Type.Literal('single')]);
const TARIFF = `id, name, kind, price, currency, lessons, validity_days as "validityDays", subject_id as "subjectId", group_id as "groupId",
  charge_unexcused as "chargeUnexcused", charge_excused as "chargeExcused", makeups, max_freeze_days as "maxFreezeDays", archived, version`;
const DISCOUNT = `id, name, percent_bp as "percentBp", amount, archived`;

const TariffFields = {
  price: Minor, lessons: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1000 }), Type.Null()])), validityDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 3660 }), Type.Null()])),
  subjectId: Type.Optional(NullableId), groupId: Type.Optional(NullableId), chargeUnexcused: Type.Optional(Type.Boolean()), chargeExcused: Type.Optional(Type.Boolean()),
  makeups: Type.Optional(Type.Boolean()), maxFreezeDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 366 })),
};

/**
 * Tariffs (a pass: so many lessons for so many days, what it covers, whether misses are charged,
 * make-ups and freezes allowed; or a single lesson's price) and discounts (a percentage or an
 * amount, given when a pass is sold, or a student's standing discount).
 */
export const tariffsService = defineService({
  name: 'tariffs',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'school.Tariff'],
      params: Type.Object({ ...Paging, kind: Type.Optional(Kind), archived: Type.Optional(Type.Boolean()), subjectId: Type.Optional(Id) }, { additionalProperties: false }),
      handler(ctx) {
        const p = ctx.params;
        const where = sqlWhere().always('tenant_id = ?', ctx.tenantId).add('kind = ?', p.kind).add('archived = ?', p.archived ?? false).add('(subject_id = ? or subject_id is null)', p.subjectId);
        return listPage(ctx, { select: TARIFF, from: 'school.tariff', where, orderBy: 'lower(name), id', limit: p.limit ?? 100, offset: p.offset ?? 0 });
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['manage', 'school.Tariff'],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: ShortName, kind: Kind, currency: Type.Optional(Currency), ...TariffFields }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if (p.kind === 'pass' && !p.lessons) throw badField('lessons', 'required', 'a pass needs a number of lessons');
        if (p.kind === 'pass' && !p.validityDays) throw badField('validityDays', 'required', 'a pass needs a validity in days');
        if (p.subjectId) await requireRef(ctx, 'school.subject', 'school.Subject', p.subjectId, 'subjectId');
        if (p.groupId) await requireRef(ctx, 'school.study_group', 'school.Group', p.groupId, 'groupId');
        const currency = p.currency ?? (await schoolSettings(ctx)).currency;
        const [row] = await ctx.sql(
          `insert into school.tariff (tenant_id, id, name, kind, price, currency, lessons, validity_days, subject_id, group_id, charge_unexcused, charge_excused, makeups, max_freeze_days)
           values ($1::uuid, $2::uuid, $3::text, $4::text, $5::bigint, $6::text, $7::int, $8::int, $9::uuid, $10::uuid, $11::bool, $12::bool, $13::bool, $14::int) returning ${TARIFF}`,
          [ctx.tenantId, crypto.randomUUID(), p.name.trim(), p.kind, p.price, currency, p.kind === 'pass' ? p.lessons : null, p.kind === 'pass' ? p.validityDays : null,
            p.subjectId ?? null, p.groupId ?? null, p.chargeUnexcused ?? true, p.chargeExcused ?? false, p.makeups ?? true, p.maxFreezeDays ?? 0],
        );
        return row;
      },
    }),
    update: defineAction({
      rest: 'PATCH /:id',
      permission: ['manage', 'school.Tariff'],
      summary: 'Change a tariff (passes already sold keep the terms they were sold with)',
      params: Type.Object({ id: Id, version: Type.Optional(Version), name: Type.Optional(ShortName), archived: Type.Optional(Type.Boolean()), ...Object.fromEntries(Object.entries(TariffFields).map(([k, v]) => [k, Type.Optional(v)])) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params as Record<string, any>;
        const set = sqlSet().add('name = ?', p.name?.trim()).add('price = ?', p.price).add('lessons = ?', p.lessons).add('validity_days = ?', p.validityDays).add('subject_id = ?', p.subjectId)
          .add('group_id = ?', p.groupId).add('charge_unexcused = ?', p.chargeUnexcused).add('charge_excused = ?', p.chargeExcused).add('makeups = ?', p.makeups)
          .add('max_freeze_days = ?', p.maxFreezeDays).add('archived = ?', p.archived);
        return patchRecord(ctx, { table: 'school.tariff', subject: 'school.Tariff', id: p.id, version: p.version, set, returning: TARIFF, touch: false });
      },
    }),
    discounts: defineAction({
      rest: 'GET /discounts',
      permission: ['read', 'school.Tariff'],
      params: Type.Object({ ...Paging, archived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      handler(ctx) {
        const where = sqlWhere().always('tenant_id = ?', ctx.tenantId).add('archived = ?', ctx.params.archived ?? false);
        return listPage(ctx, { select: DISCOUNT, from: 'school.discount', where, orderBy: 'lower(name), id', limit: ctx.params.limit ?? 100, offset: ctx.params.offset ?? 0 }, (r: any) => ({ ...r, amount: r.amount === null ? null : Number(r.amount) }));
      },
    }),
    createDiscount: defineAction({
      rest: 'POST /discounts',
      permission: ['manage', 'school.Tariff'],
      status: 201,
      params: Type.Object({ name: ShortName, percentBp: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })), amount: Type.Optional(PositiveMinor) }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if ((p.percentBp === undefined) === (p.amount === undefined)) throw badField('percentBp', 'DISCOUNT_KIND', 'give a percentage (percentBp) or an amount, one of them');
        const [row] = await ctx.sql(`insert into school.discount (tenant_id, id, name, percent_bp, amount) values ($1::uuid, $2::uuid, $3::text, $4::int, $5::bigint) returning ${DISCOUNT}`,
          [ctx.tenantId, crypto.randomUUID(), p.name.trim(), p.percentBp ?? null, p.amount ?? null]);
        return row;
      },
    }),
    updateDiscount: defineAction({
      rest: 'PATCH /discounts/:id',
      permission: ['manage', 'school.Tariff'],
      params: Type.Object({ id: Id, name: Type.Optional(ShortName), archived: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      async handler(ctx) {
        const set = sqlSet().add('name = ?', ctx.params.name?.trim()).add('archived = ?', ctx.params.archived);
        return patchRecord(ctx, { table: 'school.discount', subject: 'school.Tariff', id: ctx.params.id, set, returning: DISCOUNT, touch: false });
      },
    }),
  },
});
