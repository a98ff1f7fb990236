import crypto from 'node:crypto';
import { defineAction, defineService, listPage, NotFoundError, Paging, sqlWhere, Type } from '@atrium/sdk';
import { dropUntouchedLessons } from '../domain/groups.ts';
import { badField, Id, IsoDate, ShortName } from '../domain/fields.ts';
import { requireRef } from '../domain/records.ts';

const HOLIDAY = `h.id, h.name, h.kind, to_char(h.starts_on, 'YYYY-MM-DD') as "startsOn", to_char(h.ends_on, 'YYYY-MM-DD') as "endsOn", h.branch_id as "branchId", h.group_id as "groupId"`;

/**
 * Days without lessons: holidays of the whole centre or of one branch, vacations of one group.
 * Generation skips them; adding one also removes the planned lessons already generated on those
 * days that nobody touched (`removeLessons`, default true) — marked or moved lessons stay.
 */
export const holidaysService = defineService({
  name: 'holidays',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'school.Holiday'],
      params: Type.Object({ ...Paging, from: Type.Optional(IsoDate), to: Type.Optional(IsoDate), groupId: Type.Optional(Id) }, { additionalProperties: false }),
      handler(ctx) {
        const p = ctx.params;
        const where = sqlWhere().always('h.tenant_id = ?', ctx.tenantId).add('h.ends_on >= ?', p.from).add('h.starts_on <= ?', p.to).add('(h.group_id = ? or h.group_id is null)', p.groupId);
        return listPage(ctx, { select: HOLIDAY, from: 'school.holiday h', where, orderBy: 'h.starts_on, h.id', limit: p.limit ?? 100, offset: p.offset ?? 0 });
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['manage', 'school.Holiday'],
      status: 201,
      params: Type.Object({
        name: ShortName, kind: Type.Optional(Type.Union([Type.Literal('holiday'), Type.Literal('vacation')])), startsOn: IsoDate, endsOn: IsoDate,
        branchId: Type.Optional(Id), groupId: Type.Optional(Id), removeLessons: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const p = ctx.params;
        if (p.endsOn < p.startsOn) throw badField('endsOn', 'DATE_BEFORE_START', 'must not be before startsOn');
        if (p.branchId) await requireRef(ctx, 'school.branch', 'school.Branch', p.branchId, 'branchId');
        if (p.groupId) await requireRef(ctx, 'school.study_group', 'school.Group', p.groupId, 'groupId');
        const [row] = await ctx.sql(
          `insert into school.holiday as h (tenant_id, id, name, kind, starts_on, ends_on, branch_id, group_id) values ($1::uuid, $2::uuid, $3::text, $4::text, $5::date, $6::date, $7::uuid, $8::uuid) returning ${HOLIDAY}`,
          [ctx.tenantId, crypto.randomUUID(), p.name.trim(), p.kind ?? (p.groupId ? 'vacation' : 'holiday'), p.startsOn, p.endsOn, p.branchId ?? null, p.groupId ?? null],
        );
        let removed = 0;
        if (p.removeLessons !== false) removed = await dropUntouchedLessons(ctx, { groupId: p.groupId, branchId: p.branchId, from: p.startsOn, to: p.endsOn });
        return { ...row, lessonsRemoved: removed };
      },
    }),
    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['manage', 'school.Holiday'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const rows = await ctx.sql(`delete from school.holiday h where h.tenant_id = $1::uuid and h.id = $2::uuid returning ${HOLIDAY}`, [ctx.tenantId, ctx.params.id]);
        if (!rows.length) throw new NotFoundError('Holiday not found', { subject: 'school.Holiday', id: ctx.params.id });
        ctx.audit.diff(rows[0], null);
        return { deleted: true };
      },
    }),
  },
});
