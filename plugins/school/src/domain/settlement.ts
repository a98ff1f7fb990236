import type { RequestContext } from '@atrium/sdk';

/**
 * Automatic settlement: money a student has on account pays their debts, the oldest first.
 *
 * `allocate` is the pure rule (tested on its own): open invoices by due date, then number; money
 * by the time it was paid — the first payment pays the oldest invoice, and an invoice may be paid
 * by several payments, a payment may pay several invoices. `settleStudent` applies it in SQL; the
 * caller holds the student's lock (money-ledger.ts), so nothing else allocates meanwhile.
 */

export type OpenInvoice = { id: string; remaining: number };
export type Credit = { id: string; available: number };
export type Allocation = { paymentId: string; invoiceId: string; amount: number };

export function allocate(credits: readonly Credit[], invoices: readonly OpenInvoice[]): Allocation[] {
  const out: Allocation[] = [];
  const left = credits.map((c) => ({ ...c }));
  let p = 0;
  for (const inv of invoices) {
    let due = inv.remaining;
    while (due > 0 && p < left.length) {
      const c = left[p]!;
      const take = Math.min(due, c.available);
      if (take > 0) {
        out.push({ paymentId: c.id, invoiceId: inv.id, amount: take });
        c.available -= take;
        due -= take;
      }
      if (c.available === 0) p++;
    }
    if (p >= left.length) break;
  }
  return out;
}

type Ctx = Pick<RequestContext, 'sql' | 'tenantId'>;

/** Writes allocations: the allocation rows, and what each payment and invoice now has. */
export async function applyAllocations(ctx: Ctx, allocations: readonly Allocation[]): Promise<void> {
  if (!allocations.length) return;
  const pay = allocations.map((a) => a.paymentId);
  const inv = allocations.map((a) => a.invoiceId);
  const amt = allocations.map((a) => a.amount);
  await ctx.sql(
    `with a as (select * from unnest($2::uuid[], $3::uuid[], $4::bigint[]) as a(payment_id, invoice_id, amount)),
     ins as (insert into school.allocation (tenant_id, payment_id, invoice_id, amount) select $1::uuid, payment_id, invoice_id, amount from a returning 1),
     p as (update school.payment p set allocated = p.allocated + x.amount
             from (select payment_id, sum(amount) as amount from a group by payment_id) x
            where p.tenant_id = $1::uuid and p.id = x.payment_id returning 1)
     update school.invoice i set paid = i.paid + x.amount, status = case when i.paid + x.amount = i.total then 'paid' else 'open' end, updated_at = now(), version = i.version + 1
       from (select invoice_id, sum(amount) as amount from a group by invoice_id) x
      where i.tenant_id = $1::uuid and i.id = x.invoice_id`,
    [ctx.tenantId, pay, inv, amt],
  );
}

/**
 * Pays the student's open invoices from their unallocated money, oldest debt first. With
 * `firstInvoiceId`, that invoice is paid first (a payment link for one invoice pays that invoice).
 * Answers the allocations made.
 */
export async function settleStudent(ctx: Ctx, studentId: string, opts: { firstInvoiceId?: string | null; onlyPaymentId?: string | null } = {}): Promise<Allocation[]> {
  const invoices = await ctx.sql<{ id: string; remaining: string }>(
    `select id, total - paid as remaining from school.invoice
      where tenant_id = $1::uuid and student_id = $2::uuid and status = 'open' and paid < total
      order by (id = $3::uuid) desc, due_on, issued_on, number`,
    [ctx.tenantId, studentId, opts.firstInvoiceId ?? null],
  );
  if (!invoices.length) return [];
  const credits = await ctx.sql<{ id: string; available: string }>(
    `select id, amount - refunded - allocated as available from school.payment
      where tenant_id = $1::uuid and student_id = $2::uuid and allocated < amount - refunded and ($3::uuid is null or id = $3::uuid)
      order by paid_at, created_at, id`,
    [ctx.tenantId, studentId, opts.onlyPaymentId ?? null],
  );
  const plan = allocate(
    credits.map((c) => ({ id: c.id, available: Number(c.available) })),
    invoices.map((i) => ({ id: i.id, remaining: Number(i.remaining) })),
  );
  await applyAllocations(ctx, plan);
  return plan;
}

/**
 * Takes allocations back (an invoice canceled, a payment refunded): negative allocation rows, the
 * payments' and invoices' paid amounts reduced, paid invoices open again. `from` picks which:
 * everything of one invoice, or up to `amount` of one payment's, newest first.
 */
export async function releaseAllocations(ctx: Ctx, from: { invoiceId: string } | { paymentId: string; amount: number }): Promise<Allocation[]> {
  const rows = await ctx.sql<{ payment_id: string; invoice_id: string; amount: string }>(
    `select payment_id, invoice_id, sum(amount) as amount from school.allocation
      where tenant_id = $1::uuid and (invoice_id = $2::uuid or payment_id = $3::uuid)
      group by payment_id, invoice_id having sum(amount) > 0
      order by max(id) desc`,
    [ctx.tenantId, 'invoiceId' in from ? from.invoiceId : null, 'paymentId' in from ? from.paymentId : null],
  );
  let budget = 'amount' in from ? from.amount : Infinity;
  const back: Allocation[] = [];
  for (const r of rows) {
    if (budget <= 0) break;
    const take = Math.min(Number(r.amount), budget);
    back.push({ paymentId: r.payment_id, invoiceId: r.invoice_id, amount: -take });
    budget -= take;
  }
  await applyAllocations(ctx, back);
  return back;
}
