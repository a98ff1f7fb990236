import { NotFoundError, type RequestContext } from '@atrium/sdk';

/**
 * The only code that changes a student's money balance: a row in `school.money_ledger` and the
 * projection `student.balance` in the same statement pair, under the lock of the student's row
 * that every money operation takes first (`lockStudent`). Invoices (−), their cancellation (+),
 * payments (+) and refunds (−) all pass here; the balance is money on account minus what is owed.
 */

export type MoneyKind = 'invoice' | 'invoice_cancel' | 'payment' | 'refund' | 'adjust';
type Ctx = Pick<RequestContext, 'sql' | 'tenantId' | 'user'>;

/**
 * Locks the student's row for the rest of the transaction: money operations on one student run one
 * after another (a payment and a new invoice arriving together settle in one order), those on
 * different students in parallel. Answers the balance.
 */
export async function lockStudent(ctx: Ctx, studentId: string): Promise<{ balance: number; name: string }> {
  const [s] = await ctx.sql<{ balance: string; name: string }>(
    'select balance, name from school.student where tenant_id = $1::uuid and id = $2::uuid for no key update',
    [ctx.tenantId, studentId],
  );
  if (!s) throw new NotFoundError('Student not found', { subject: 'school.Student', id: studentId });
  return { balance: Number(s.balance), name: s.name };
}

/** Posts `amount` (> 0 in, < 0 out) to the student's balance; the caller holds lockStudent. */
export async function postMoney(ctx: Ctx, studentId: string, amount: number, kind: MoneyKind, ref: { refId?: string | null; note?: string | null } = {}): Promise<number> {
  if (!Number.isSafeInteger(amount) || amount === 0) throw new Error(`postMoney: bad amount ${amount}`);
  const [row] = await ctx.sql<{ balance: string }>(
    `with s as (update school.student set balance = balance + $3::bigint, updated_at = now() where tenant_id = $1::uuid and id = $2::uuid returning balance)
     insert into school.money_ledger (tenant_id, student_id, kind, amount, balance_after, ref_id, note, user_id)
     select $1::uuid, $2::uuid, $4::text, $3::bigint, s.balance, $5::uuid, $6::text, $7::uuid from s
     returning balance_after as balance`,
    [ctx.tenantId, studentId, amount, kind, ref.refId ?? null, ref.note ?? null, ctx.user?.id ?? null],
  );
  if (!row) throw new NotFoundError('Student not found', { subject: 'school.Student', id: studentId });
  return Number(row.balance);
}
