import { ConflictError, defineAction, defineService, listPage, NotFoundError, sqlWhere, Type, UnprocessableError } from '@atrium/sdk';
import { nextNumber } from '../domain/counters.ts';
import { posSettings } from '../domain/settings.ts';
import { shiftReport } from '../domain/shift-report.ts';
import { printShiftReport } from '../domain/printing.ts';

const Id = Type.String({ format: 'uuid' });
const Minor = Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 });

/** The columns `shiftView` reads. */
export const SHIFT_COLUMNS = 'id, register_id, store_id, number, status, opened_by, opened_at, opening_float, closed_by, closed_at, counted_cash, expected_cash, z_report';

export function shiftView(r: any) {
  return {
    id: r.id, registerId: r.register_id, storeId: r.store_id, number: r.number, status: r.status,
    openedBy: r.opened_by, openedAt: r.opened_at, openingFloat: Number(r.opening_float),
    closedBy: r.closed_by, closedAt: r.closed_at,
    countedCash: r.counted_cash === null ? null : Number(r.counted_cash),
    expectedCash: r.expected_cash === null ? null : Number(r.expected_cash),
    discrepancy: r.counted_cash === null || r.expected_cash === null ? null : Number(r.counted_cash) - Number(r.expected_cash),
    zReport: r.z_report ?? null,
  };
}

async function lockShift(ctx: any, id: string) {
  const [s] = await ctx.em.execute(`select ${SHIFT_COLUMNS} from pos.shift where id = ? for update`, [id]);
  if (!s) throw new NotFoundError('Shift not found', { subject: 'pos.Shift' });
  return s;
}

/**
 * Shifts: a register's working session from opening float to the Z report. One open shift per
 * register (a unique partial index, so two cashiers opening at once get one shift and one 409).
 * Closing locks the shift row FOR UPDATE; sales, returns, voids and till cash take a key-share
 * lock on it (the lock their foreign keys take anyway), so a sale either lands before the
 * Z report or is refused with SHIFT_CLOSED — never after the report was frozen.
 */
export const shiftsService = defineService({
  name: 'shifts',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Shift'],
      params: Type.Object({
        registerId: Type.Optional(Id),
        status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { registerId, status, limit = 20, offset = 0 } = ctx.params;
        const where = sqlWhere().add('register_id = ?', registerId).add('status = ?', status);
        return listPage(ctx, { select: SHIFT_COLUMNS, from: 'pos.shift', where, orderBy: 'opened_at desc, id', limit, offset }, shiftView);
      },
    }),
    current: defineAction({
      rest: 'GET /current',
      permission: ['read', 'pos.Shift'],
      summary: 'The open shift of a register, or null',
      params: Type.Object({ registerId: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [s] = await ctx.em.execute(`select ${SHIFT_COLUMNS} from pos.shift where register_id = ? and status = 'open'`, [ctx.params.registerId]);
        return { shift: s ? shiftView(s) : null };
      },
    }),
    get: defineAction({
      rest: 'GET /:id',
      permission: ['read', 'pos.Shift'],
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [s] = await ctx.em.execute(`select ${SHIFT_COLUMNS} from pos.shift where id = ?`, [ctx.params.id]);
        if (!s) throw new NotFoundError('Shift not found', { subject: 'pos.Shift' });
        return shiftView(s);
      },
    }),
    open: defineAction({
      rest: 'POST /',
      permission: ['open', 'pos.Shift'],
      status: 201,
      idempotent: true,
      params: Type.Object({ registerId: Id, openingFloat: Minor }, { additionalProperties: false }),
      async handler(ctx) {
        const [reg] = await ctx.em.execute('select id, store_id, archived from pos.register where id = ? for update', [ctx.params.registerId]);
        if (!reg) throw new NotFoundError('Register not found (registerId)', { subject: 'pos.Register', field: 'registerId' });
        if (reg.archived) throw new UnprocessableError('The register is archived', 'REGISTER_ARCHIVED');
        // the register row lock serialises concurrent opens: the second one sees the first shift
        const [open] = await ctx.em.execute(`select id from pos.shift where register_id = ? and status = 'open'`, [reg.id]);
        if (open) throw new ConflictError('This register already has an open shift', 'SHIFT_ALREADY_OPEN', { shiftId: open.id });
        const number = await nextNumber(ctx, `shift:${reg.id}`);
        const [s] = await ctx.em.execute(
          `insert into pos.shift (tenant_id, id, register_id, store_id, number, opened_by, opening_float) values (?, ?, ?, ?, ?, ?, ?) returning ${SHIFT_COLUMNS}`,
          [ctx.tenantId, crypto.randomUUID(), reg.id, reg.store_id, number, ctx.user!.id, ctx.params.openingFloat],
        );
        await ctx.emit('pos.shift.opened.v1', { shiftId: s.id, registerId: reg.id, storeId: reg.store_id, number, openingFloat: ctx.params.openingFloat });
        ctx.audit.target(s.id);
        return shiftView(s);
      },
    }),
    cashMove: defineAction({
      rest: 'POST /:id/cash-moves',
      permission: ['cash', 'pos.Shift'],
      status: 201,
      idempotent: true,
      summary: 'Cash put into (in) or taken out of (out) the drawer during the shift, with a reason',
      params: Type.Object({
        id: Id,
        kind: Type.Union([Type.Literal('in'), Type.Literal('out')]),
        amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 }),
        reason: Type.String({ minLength: 1, maxLength: 300 }),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const s = await lockShift(ctx, ctx.params.id);
        if (s.status !== 'open') throw new ConflictError('The shift is closed', 'SHIFT_CLOSED');
        if (ctx.params.kind === 'out') {
          const r = await shiftReport(ctx, s, '');
          if (ctx.params.amount > r.cash.expected) {
            throw new UnprocessableError('The drawer does not hold that much cash', 'CASH_OUT_EXCEEDS_DRAWER', { expectedCash: r.cash.expected, currency: (await ctx.settings<{ currency?: string }>()).currency });
          }
        }
        const [m] = await ctx.em.execute(
          `insert into pos.cash_move (tenant_id, id, shift_id, kind, amount, reason, user_id) values (?, ?, ?, ?, ?, ?, ?) returning id, kind, amount, reason, at`,
          [ctx.tenantId, crypto.randomUUID(), s.id, ctx.params.kind, ctx.params.amount, ctx.params.reason, ctx.user?.id ?? null],
        );
        return { id: m.id, shiftId: s.id, kind: m.kind, amount: Number(m.amount), reason: m.reason, at: m.at };
      },
    }),
    report: defineAction({
      rest: 'GET /:id/report',
      permission: ['read', 'pos.Shift'],
      summary: 'X report: the shift so far (the Z report once it is closed)',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        const [s] = await ctx.em.execute(`select ${SHIFT_COLUMNS} from pos.shift where id = ?`, [ctx.params.id]);
        if (!s) throw new NotFoundError('Shift not found', { subject: 'pos.Shift' });
        if (s.status === 'closed' && s.z_report) return { kind: 'Z', ...s.z_report };
        return { kind: 'X', ...(await shiftReport(ctx, s, (await posSettings(ctx)).currency)) };
      },
    }),
    print: defineAction({
      rest: 'POST /:id/print',
      permission: ['read', 'pos.Shift'],
      mutates: true,
      summary: 'Print the X report (shift open) or the Z report (closed) on the register\'s receipt printer; each press prints',
      params: Type.Object({ id: Id }, { additionalProperties: false }),
      async handler(ctx) {
        ctx.authorize('print', 'kernel.Device');
        const [s] = await ctx.em.execute(`select ${SHIFT_COLUMNS} from pos.shift where id = ?`, [ctx.params.id]);
        if (!s) throw new NotFoundError('Shift not found');
        const report = s.status === 'closed' && s.z_report ? { kind: 'Z' as const, ...s.z_report } : { kind: 'X' as const, ...(await shiftReport(ctx, s, (await posSettings(ctx)).currency)) };
        const out = await printShiftReport(ctx, report, `pos:shift:${s.id}:${report.kind}:${ctx.idempotencyKey ?? crypto.randomUUID()}`);
        ctx.audit.target(s.id);
        return { shiftId: s.id, kind: report.kind, ...out };
      },
    }),
    close: defineAction({
      rest: 'POST /:id/close',
      permission: ['close', 'pos.Shift'],
      idempotent: true,
      summary: 'Close the shift with the counted cash; freezes and returns the Z report',
      params: Type.Object({
        id: Id,
        countedCash: Minor,
        /** Sales the till still holds offline: the shift cannot close until they are synced. */
        clientPendingSales: Type.Optional(Type.Integer({ minimum: 0 })),
        note: Type.Optional(Type.String({ maxLength: 500 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        if (ctx.params.clientPendingSales) {
          throw new ConflictError(`${ctx.params.clientPendingSales} sale(s) are not synced yet: sync them before closing the shift`, 'UNSYNCED_SALES', { pending: ctx.params.clientPendingSales });
        }
        const s = await lockShift(ctx, ctx.params.id);
        if (s.status !== 'open') throw new ConflictError('The shift is already closed', 'SHIFT_CLOSED');
        const report = await shiftReport(ctx, { ...s, closed_at: new Date().toISOString() }, (await posSettings(ctx)).currency);
        const z = { ...report, countedCash: ctx.params.countedCash, discrepancy: ctx.params.countedCash - report.cash.expected, note: ctx.params.note ?? null };
        const [after] = await ctx.em.execute(
          `update pos.shift set status = 'closed', closed_by = ?, closed_at = ?, counted_cash = ?, expected_cash = ?, z_report = ?::jsonb where id = ? returning ${SHIFT_COLUMNS}`,
          [ctx.user!.id, report.closedAt, ctx.params.countedCash, report.cash.expected, JSON.stringify(z), s.id],
        );
        await ctx.emit('pos.shift.closed.v1', { shiftId: s.id, registerId: s.register_id, storeId: s.store_id, number: s.number, total: report.sales.total, expectedCash: report.cash.expected, countedCash: ctx.params.countedCash });
        ctx.audit.diff({ status: 'open' }, { status: 'closed', countedCash: z.countedCash, discrepancy: z.discrepancy });
        // the Z report goes to the register's printer as the shift closes (a retried close prints once)
        const printed = await printShiftReport(ctx, { kind: 'Z', ...z }, `pos:shift:${s.id}:Z:close`);
        return { shift: shiftView(after), zReport: z, printed };
      },
    }),
  },
});
