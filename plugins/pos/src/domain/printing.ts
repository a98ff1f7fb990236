import type { ReceiptDocument, RequestContext } from '@atrium/sdk';
import { buildLabel, type LabelKind, type LabelProduct } from './labels.ts';
import { buildReceipt, buildReturnReceipt, buildShiftReportDocument, type ReceiptReturn } from './receipt.ts';
import { posSettings, posTimeZone } from './settings.ts';
import type { ShiftReport } from './shift-report.ts';
import type { SaleView } from './sale.ts';

/**
 * Everything the POS prints goes through here, to a logical role of the register's store (never a
 * device): receipts and copies, return receipts, X/Z reports on `receipt@<register>`, barcode labels
 * and shelf price tags on `label@<register>`. Each job carries an idempotency key made from the
 * user's intent (`pos:sale:<id>:receipt`, `pos:return:<id>:receipt`, a copy's own key per press),
 * so a retried request never prints twice and a new press always prints again. A printer that is
 * missing or refuses never undoes the sale or return: the outcome is returned (and recorded).
 */
export type PrintTarget = { store_id: string; device_role_suffix: string; receipt_header?: string[] | null; receipt_footer?: string[] | null; print_receipts?: boolean };
export type PrintOutcome = { jobId: string | null; error: string | null };

/** The register's store, role suffix and receipt header/footer. */
export async function printTarget(ctx: RequestContext, registerId: string): Promise<PrintTarget | undefined> {
  const [r] = await ctx.em.execute(
    `select r.store_id, r.device_role_suffix, r.print_receipts, ss.receipt_header, ss.receipt_footer from pos.register r
     left join pos.store_settings ss on ss.tenant_id = r.tenant_id and ss.store_id = r.store_id where r.id = ?`,
    [registerId],
  );
  return r as PrintTarget | undefined;
}

/** Receipt document options for this request: the user's language, the shop's clock, the store's header/footer. */
export async function receiptOptions(ctx: RequestContext, target: Pick<PrintTarget, 'receipt_header' | 'receipt_footer'> | undefined) {
  return { locale: ctx.locale, timeZone: await posTimeZone(ctx), header: target?.receipt_header ?? [], footer: target?.receipt_footer ?? [] };
}

/** Submits one document to `<kind>@<register>`; the job or why it could not be sent. */
export async function printTo(ctx: RequestContext, role: string, target: PrintTarget, doc: ReceiptDocument, key: string, what: Record<string, unknown>): Promise<PrintOutcome> {
  try {
    const job = await ctx.devices.print(`${role}@${target.device_role_suffix}`, doc, { idempotencyKey: key, storeId: target.store_id });
    return { jobId: job.id, error: null };
  } catch (e) {
    const error = `${(e as any)?.type ?? 'ERROR'}: ${(e as Error).message}`.slice(0, 200);
    ctx.logger.warn({ ...what, role, err: error }, 'not sent to the printer');
    return { jobId: null, error };
  }
}

/** The sale's receipt (or a copy, marked КОПИЯ, drawer shut); the original's outcome is recorded on the sale. */
export async function printReceipt(ctx: RequestContext, sale: SaleView, target: PrintTarget, opts: { copy: boolean; key?: string }): Promise<PrintOutcome> {
  const doc = buildReceipt(sale, { ...(await receiptOptions(ctx, target)), copy: opts.copy });
  const out = await printTo(ctx, 'receipt', target, doc, opts.key ?? `pos:sale:${sale.id}:receipt`, { saleId: sale.id });
  if (!opts.copy) {
    await ctx.em.execute(`update pos.sale set receipt_job_id = ?, receipt_status = ?, receipt_error = ? where id = ?`, [out.jobId, out.jobId ? 'queued' : 'failed', out.error, sale.id]);
    sale.receipt = { ...sale.receipt, status: out.jobId ? 'queued' : 'failed', jobId: out.jobId, error: out.error };
  }
  return out;
}

/** A return's receipt on the sale's register: what came back and how it was refunded (drawer opens for cash). */
export async function printReturnReceipt(ctx: RequestContext, registerId: string, ret: ReceiptReturn & { id: string }): Promise<PrintOutcome> {
  const target = await printTarget(ctx, registerId);
  if (!target) return { jobId: null, error: 'NO_REGISTER' };
  if (target.print_receipts === false) return { jobId: null, error: null };
  const doc = buildReturnReceipt(ret, await receiptOptions(ctx, target));
  return printTo(ctx, 'receipt', target, doc, `pos:return:${ret.id}:receipt`, { returnId: ret.id });
}

/** The X report (shift open) or Z report (closed) on the shift's register; `key`: one per press. */
export async function printShiftReport(ctx: RequestContext, report: ShiftReport & { kind: 'X' | 'Z'; countedCash?: number; discrepancy?: number }, key: string): Promise<PrintOutcome> {
  const target = await printTarget(ctx, report.registerId);
  if (!target) return { jobId: null, error: 'NO_REGISTER' };
  const [reg] = await ctx.em.execute('select name from pos.register where id = ?', [report.registerId]);
  const doc = buildShiftReportDocument(report, { ...(await receiptOptions(ctx, target)), register: reg?.name ?? '' });
  return printTo(ctx, 'receipt', target, doc, key, { shiftId: report.shiftId });
}

/** Labels or shelf tags on the register's `label@<suffix>`: one job per label, keyed by the intent, the item and the copy. */
export async function printLabels(ctx: RequestContext, target: PrintTarget, items: { product: LabelProduct & { id: string }; copies: number }[], kind: LabelKind, key: string) {
  const o = { currency: (await posSettings(ctx)).currency, locale: ctx.locale, timeZone: await posTimeZone(ctx) };
  const jobs: { productId: string; copy: number; jobId: string | null; error: string | null }[] = [];
  for (const [i, it] of items.entries()) {
    const doc = buildLabel(it.product, kind, o);
    for (let c = 1; c <= it.copies; c++) {
      const out = await printTo(ctx, 'label', target, doc, `pos:label:${key}:${i}:${c}`, { productId: it.product.id });
      jobs.push({ productId: it.product.id, copy: c, ...out });
      // no label printer: say so once, not once per copy
      if (!out.jobId) return { jobs, printed: jobs.filter((j) => j.jobId).length, error: out.error };
    }
  }
  return { jobs, printed: jobs.filter((j) => j.jobId).length, error: null };
}
