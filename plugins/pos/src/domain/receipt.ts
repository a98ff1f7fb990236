import type { ReceiptDocument } from '@atrium/sdk';

/**
 * Builds the device-bus receipt document for a sale (the agent renders it per printer profile:
 * code page or raster for Kazakh/Ukrainian letters). Labels follow the tenant's locale.
 */
const LABELS: Record<string, Record<string, string>> = {
  ru: { receipt: 'Чек', copy: 'КОПИЯ', subtotal: 'Подытог', discount: 'Скидка', tax: 'в т.ч. НДС', total: 'ИТОГО', change: 'Сдача', cash: 'Наличные', card: 'Карта', credit: 'В долг', account: 'С баланса', points: 'Бонусы', gift_card: 'Подарочная карта', cashier: 'Кассир', thanks: 'Спасибо за покупку!', voided: 'АННУЛИРОВАН', returnTitle: 'Возврат', refundTotal: 'К ВОЗВРАТУ', saleRef: 'Чек продажи', reason: 'Причина', rounding: 'Округление', kaspi_qr: 'Kaspi QR' },
  uk: { receipt: 'Чек', copy: 'КОПІЯ', subtotal: 'Проміжний підсумок', discount: 'Знижка', tax: 'у т.ч. ПДВ', total: 'СУМА', change: 'Решта', cash: 'Готівка', card: 'Картка', credit: 'У борг', account: 'З балансу', points: 'Бонуси', gift_card: 'Подарункова картка', cashier: 'Касир', thanks: 'Дякуємо за покупку!', voided: 'АНУЛЬОВАНО', returnTitle: 'Повернення', refundTotal: 'ДО ПОВЕРНЕННЯ', saleRef: 'Чек продажу', reason: 'Причина', rounding: 'Заокруглення', kaspi_qr: 'Kaspi QR' },
  kk: { receipt: 'Чек', copy: 'КӨШІРМЕ', subtotal: 'Аралық сома', discount: 'Жеңілдік', tax: 'оның ішінде ҚҚС', total: 'БАРЛЫҒЫ', change: 'Қайтарым', cash: 'Қолма-қол', card: 'Карта', credit: 'Қарызға', account: 'Баланстан', points: 'Бонустар', gift_card: 'Сыйлық картасы', cashier: 'Кассир', thanks: 'Сатып алғаныңызға рахмет!', voided: 'ЖОЙЫЛДЫ', returnTitle: 'Қайтару', refundTotal: 'ҚАЙТАРЫЛАДЫ', saleRef: 'Сату чегі', reason: 'Себебі', rounding: 'Дөңгелектеу', kaspi_qr: 'Kaspi QR' },
  en: { receipt: 'Receipt', copy: 'COPY', subtotal: 'Subtotal', discount: 'Discount', tax: 'incl. VAT', total: 'TOTAL', change: 'Change', cash: 'Cash', card: 'Card', credit: 'On credit', account: 'From account', points: 'Points', gift_card: 'Gift card', cashier: 'Cashier', thanks: 'Thank you!', voided: 'VOIDED', returnTitle: 'Return', refundTotal: 'REFUND', saleRef: 'Sale receipt', reason: 'Reason', rounding: 'Rounding', kaspi_qr: 'Kaspi QR' },
};

export function receiptLabels(locale: string): Record<string, string> {
  return LABELS[locale.slice(0, 2)] ?? LABELS.ru;
}

export type ReceiptSale = {
  number: string;
  currency: string;
  soldAt: string | Date;
  status: string;
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  total: number;
  changeDue: number;
  /** Cash rounded to the smallest coin: what the customer paid beyond (or below) the total. */
  rounding?: number;
  lines: { name: string; qtyMilli: number; unitPrice: number; total: number; unit?: string }[];
  payments: { method: string; amount: number; tendered?: number | null }[];
};

/**
 * Date and time as a receipt prints them, on the shop's clock (the POS time zone), not UTC:
 * `05.12.2026 21:30` (ru/uk/kk), `2026-12-05 21:30` (en).
 */
export function receiptStamp(when: string | Date, timeZone: string, locale: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(when)).map((p) => [p.type, p.value]));
  return locale.startsWith('en') ? `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}` : `${parts.day}.${parts.month}.${parts.year} ${parts.hour}:${parts.minute}`;
}

export type ReceiptOptions = { locale: string; timeZone: string; header: string[]; footer: string[]; copy?: boolean; link?: string | null };

export function buildReceipt(sale: ReceiptSale, opts: ReceiptOptions): ReceiptDocument {
  const L = receiptLabels(opts.locale);
  const stamp = receiptStamp(sale.soldAt, opts.timeZone, opts.locale);
  const title = `${opts.copy ? `${L.copy} · ` : ''}${L.receipt} № ${sale.number}`;
  const totals: ReceiptDocument['totals'] = [];
  if (sale.discountTotal) {
    totals.push({ label: L.subtotal, amount: sale.subtotal });
    totals.push({ label: L.discount, amount: -sale.discountTotal });
  }
  totals.push({ label: L.total, amount: sale.total, bold: true });
  if (sale.rounding) totals.push({ label: L.rounding, amount: sale.rounding });
  if (sale.taxTotal) totals.push({ label: L.tax, amount: sale.taxTotal });
  if (sale.changeDue) totals.push({ label: L.change, amount: sale.changeDue });
  const cash = sale.payments.some((p) => p.method === 'cash');
  return {
    version: 1,
    currency: sale.currency,
    header: { title, lines: [...opts.header, stamp, ...(sale.status === 'voided' ? [L.voided] : [])] },
    lines: sale.lines.map((l) => ({ name: l.name, qtyMilli: l.qtyMilli, unitPrice: l.unitPrice, amount: l.total, ...(l.unit && l.unit !== 'pcs' ? { unit: l.unit } : {}) })),
    totals,
    payments: sale.payments.map((p) => ({ method: L[p.method] ?? p.method, amount: p.tendered && p.tendered > p.amount ? p.tendered : p.amount })),
    ...(opts.link ? { qr: { data: opts.link } } : {}),
    footer: [...opts.footer, L.thanks],
    // the drawer opens for cash sales only, and never for a reprint
    ...(cash && !opts.copy ? { openDrawer: true } : {}),
  };
}

export type ReceiptReturn = {
  number: string;
  saleNumber: string;
  createdAt: string | Date;
  currency: string;
  amount: number;
  /** The cash handed back rounded to the coin: paid back beyond (or below) the goods' value. */
  rounding?: number;
  reason: string;
  lines: { name: string; qtyMilli: number; unitPrice: number; amount: number }[];
  refunds: { method: string; amount: number }[];
};

/** The return receipt: what came back, what was paid back and how; the drawer opens for cash handed back. */
export function buildReturnReceipt(ret: ReceiptReturn, opts: Omit<ReceiptOptions, 'copy' | 'link'>): ReceiptDocument {
  const L = receiptLabels(opts.locale);
  return {
    version: 1,
    currency: ret.currency,
    header: { title: `${L.returnTitle} № ${ret.number}`, lines: [...opts.header, receiptStamp(ret.createdAt, opts.timeZone, opts.locale), `${L.saleRef} № ${ret.saleNumber}`] },
    lines: ret.lines.map((l) => ({ name: l.name, qtyMilli: l.qtyMilli, unitPrice: l.unitPrice, amount: l.amount })),
    totals: [{ label: L.refundTotal, amount: ret.amount, bold: true }, ...(ret.rounding ? [{ label: L.rounding, amount: ret.rounding }] : [])],
    payments: ret.refunds.map((r) => ({ method: L[r.method] ?? r.method, amount: r.amount })),
    footer: [`${L.reason}: ${ret.reason}`, ...opts.footer],
    ...(ret.refunds.some((r) => r.method === 'cash' && r.amount > 0) ? { openDrawer: true } : {}),
  };
}
