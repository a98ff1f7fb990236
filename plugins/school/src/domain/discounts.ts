import { UnprocessableError, type RequestContext } from '@atrium/sdk';

/**
 * A discount applied to a price: a share (basis points, rounded to the minor unit, half up) or a
 * fixed amount, never more than the price.
 */
export function discountAmount(price: number, d: { percent_bp: number | null; amount: string | number | null }): number {
  const raw = d.percent_bp !== null ? Math.round((price * d.percent_bp) / 10_000) : Number(d.amount ?? 0);
  return Math.max(0, Math.min(price, raw));
}

/** The discount `discountId` gives on `price` (0 without one); 422 naming `field` if it does not exist. */
export async function discountOf(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, discountId: string | null | undefined, price: number, field: string): Promise<number> {
  if (!discountId) return 0;
  const [d] = await ctx.sql<{ percent_bp: number | null; amount: string | null }>('select percent_bp, amount from school.discount where tenant_id = $1::uuid and id = $2::uuid and not archived', [ctx.tenantId, discountId]);
  if (!d) throw new UnprocessableError(`No such discount (${field})`, 'UNKNOWN_REFERENCE', { field, subject: 'school.Tariff' });
  return discountAmount(price, d);
}
