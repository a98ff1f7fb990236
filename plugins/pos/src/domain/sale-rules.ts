import { ForbiddenError, type RequestContext } from '@atrium/sdk';
import { ofBp } from './money.ts';
import type { PricedCart, TenderInput } from './pricing.ts';
import type { PosSettings } from './settings.ts';

/**
 * The rules a sale is held to beyond pricing: how far a cashier may discount, and what earns
 * loyalty points. Pure but for the caller's permissions; the sale (domain/sale.ts) applies them.
 */

/** Roles that are managers by default: they may approve what a cashier may not give (by PIN at a shared till). */
export const MANAGER_ROLES = ['owner', 'admin', 'manager'];

/** 100 % in basis points: what a user who may override discounts may give. */
export const NO_LIMIT_BP = 10_000;

/**
 * The largest manual discount (line and receipt discounts a person typed; not the customer group's
 * or a promotion's) `roles` may give, in basis points of the subtotal: the role's own limit from
 * `discountLimits.roles`, else `discountLimits.default`; the highest of the user's roles counts.
 * Whoever may `overrideDiscount` on pos.Sale (managers) has no limit — and approves beyond it.
 */
export function discountLimitBp(settings: PosSettings, roles: readonly string[], canOverride: boolean): number {
  if (canOverride) return NO_LIMIT_BP;
  const limits = settings.discountLimits ?? {};
  const own = roles.map((r) => limits.roles?.[r]).filter((v): v is number => typeof v === 'number');
  return own.length ? Math.max(...own) : (limits.default ?? DEFAULT_DISCOUNT_LIMIT_BP);
}
export const DEFAULT_DISCOUNT_LIMIT_BP = 1000;

export type ManualDiscounts = { receiptTyped: boolean; linesTyped: boolean[] };

/** The discount a person typed on this cart: line and receipt discounts — not presets, promotions or the group's. */
export function manualDiscount(priced: PricedCart, manual: ManualDiscounts): number {
  return priced.lines.reduce((a, l, i) => a + (manual.linesTyped[i] ? l.lineDiscount : 0) + (manual.receiptTyped ? l.receiptDiscount : 0), 0);
}

/** 403 DISCOUNT_LIMIT unless the manual discount is within the limit (or a manager approved it). */
export function checkDiscountLimit(priced: PricedCart, manual: ManualDiscounts, limitBp: number, approved: boolean): void {
  if (approved || limitBp >= NO_LIMIT_BP) return;
  const given = manualDiscount(priced, manual);
  const max = ofBp(priced.subtotal, limitBp);
  if (given <= max) return;
  throw new ForbiddenError(`A discount of ${given} is above this cashier's limit of ${limitBp / 100} % (${max}): a manager must approve it`, 'DISCOUNT_LIMIT', {
    limitBp, discount: given, max, fields: [{ field: 'discount', code: 'discountLimit', params: { limitBp }, message: `at most ${limitBp / 100} % without a manager` }],
  });
}

/**
 * Loyalty points earned on a sale: on the money the customer actually paid — not on what they took
 * on credit (still owed), nor on what they paid with points. One point is one minor unit.
 */
export function pointsEarned(total: number, payments: TenderInput[], earnBp: number): number {
  const notEarning = payments.filter((t) => t.method === 'credit' || t.method === 'points').reduce((a, t) => a + t.amount, 0);
  return ofBp(Math.max(0, total - notEarning), earnBp);
}

/** Roles the discount limit is judged by: the signed-in user's, or the operator's the till switched to. */
export function rolesOf(ctx: RequestContext, operator: { roles: string[] } | null): string[] {
  return operator?.roles ?? ctx.user?.roles ?? [];
}
