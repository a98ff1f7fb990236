import type { ReceiptDocument } from '@atrium/sdk';
import { zoneParts } from './zone-format.ts';

/**
 * Builds the device-bus receipt document for a sale (the agent renders it per printer profile:
 * code page or raster for Kazakh/Ukrainian letters). Labels follow the tenant's locale.
 */
const LABELS: Record<string, Record<string, string>> = {
  ru: { receipt: 'Чек', copy: 'КОПИЯ', subtotal: 'Подытог', discount: 'Скидка', tax: 'в т.ч. НДС', total: 'ИТОГО', change: 'Сдача', cash: 'Наличные', card: 'Карта', credit: 'В долг', account: 'С баланса', points: 'Бонусы', gift_card: 'Подарочная карта', cashier: 'Кассир', thanks: 'Спасибо за покупку!', voided: 'АННУЛИРОВАН', returnTitle: 'Возврат', refundTotal: 'К ВОЗВРАТУ', saleRef: 'Чек продажи', reason: 'Причина', rounding: 'Округление', kaspi_qr: 'Kaspi QR', xReport: 'X-ОТЧЁТ', zReport: 'Z-ОТЧЁТ', shift: 'Смена', opened: 'Открыта', closed: 'Закрыта', salesCount: 'Продаж', salesTotal: 'Выручка', returnsLine: 'Возвраты', voidedLine: 'Аннулировано', openingFloat: 'Размен на начало', cashIn: 'Внесения', cashOut: 'Изъятия', expectedCash: 'Наличных в кассе', countedCash: 'Посчитано', discrepancy: 'Расхождение', toReview: 'На проверке', perKg: 'за кг', perL: 'за л', perM: 'за м' },
  uk: { receipt: 'Чек', copy: 'КОПІЯ', subtotal: 'Проміжний підсумок', discount: 'Знижка', tax: 'у т.ч. ПДВ', total: 'СУМА', change: 'Решта', cash: 'Готівка', card: 'Картка', credit: 'У борг', account: 'З балансу', points: 'Бонуси', gift_card: 'Подарункова картка', cashier: 'Касир', thanks: 'Дякуємо за покупку!', voided: 'АНУЛЬОВАНО', returnTitle: 'Повернення', refundTotal: 'ДО ПОВЕРНЕННЯ', saleRef: 'Чек продажу', reason: 'Причина', rounding: 'Заокруглення', kaspi_qr: 'Kaspi QR', xReport: 'X-ЗВІТ', zReport: 'Z-ЗВІТ', shift: 'Зміна', opened: 'Відкрито', closed: 'Закрито', salesCount: 'Продажів', salesTotal: 'Виручка', returnsLine: 'Повернення', voidedLine: 'Анульовано', openingFloat: 'Розмін на початок', cashIn: 'Внесення', cashOut: 'Вилучення', expectedCash: 'Готівки в касі', countedCash: 'Пораховано', discrepancy: 'Розбіжність', toReview: 'На перевірці', perKg: 'за кг', perL: 'за л', perM: 'за м' },
  kk: { receipt: 'Чек', copy: 'КӨШІРМЕ', subtotal: 'Аралық сома', discount: 'Жеңілдік', tax: 'оның ішінде ҚҚС', total: 'БАРЛЫҒЫ', change: 'Қайтарым', cash: 'Қолма-қол', card: 'Карта', credit: 'Қарызға', account: 'Баланстан', points: 'Бонустар', gift_card: 'Сыйлық картасы', cashier: 'Кассир', thanks: 'Сатып алғаныңызға рахмет!', voided: 'ЖОЙЫЛДЫ', returnTitle: 'Қайтару', refundTotal: 'ҚАЙТАРЫЛАДЫ', saleRef: 'Сату чегі', reason: 'Себебі', rounding: 'Дөңгелектеу', kaspi_qr: 'Kaspi QR', xReport: 'X-ЕСЕП', zReport: 'Z-ЕСЕП', shift: 'Ауысым', opened: 'Ашылды', closed: 'Жабылды', salesCount: 'Сату саны', salesTotal: 'Түсім', returnsLine: 'Қайтарулар', voidedLine: 'Жойылды', openingFloat: 'Бастапқы ұсақ ақша', cashIn: 'Енгізу', cashOut: 'Алу', expectedCash: 'Кассадағы қолма-қол', countedCash: 'Саналды', discrepancy: 'Айырма', toReview: 'Тексеруде', perKg: 'кг үшін', perL: 'л үшін', perM: 'м үшін' },
  en: { receipt: 'Receipt', copy: 'COPY', subtotal: 'Subtotal', discount: 'Discount', tax: 'incl. VAT', total: 'TOTAL', change: 'Change', cash: 'Cash', card: 'Card', credit: 'On credit', account: 'From account', points: 'Points', gift_card: 'Gift card', cashier: 'Cashier', thanks: 'Thank you!', voided: 'VOIDED', returnTitle: 'Return', refundTotal: 'REFUND', saleRef: 'Sale receipt', reason: 'Reason', rounding: 'Rounding', kaspi_qr: 'Kaspi QR', xReport: 'X REPORT', zReport: 'Z REPORT', shift: 'Shift', opened: 'Opened', closed: 'Closed', salesCount: 'Sales', salesTotal: 'Revenue', returnsLine: 'Returns', voidedLine: 'Voided', openingFloat: 'Opening float', cashIn: 'Cash in', cashOut: 'Cash out', expectedCash: 'Cash in drawer', countedCash: 'Counted', discrepancy: 'Discrepancy', toReview: 'To review', perKg: 'per kg', perL: 'per l', perM: 'per m' },
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
  const parts = zoneParts('stamp', timeZone, new Date(when));
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

/** The X or Z report as the till prints it: sales, tenders (and card terminals), returns, the drawer. */
export function buildShiftReportDocument(
  r: { kind: 'X' | 'Z'; number: number; openedAt: string; closedAt: string | null; currency: string; sales: { count: number; total: number; rounding?: number }; returns: { count: number; total: number }; voided: { count: number; total: number };
    byMethod: Record<string, { net: number }>; byTerminal?: { name: string | null; sales: number }[]; cash: { openingFloat: number; in: number; out: number; expected: number }; countedCash?: number; discrepancy?: number; review?: { flagged: number; difference: number } },
  opts: Omit<ReceiptOptions, 'copy' | 'link'> & { register: string },
): ReceiptDocument {
  const L = receiptLabels(opts.locale);
  const at = (v: string | null) => (v ? receiptStamp(v, opts.timeZone, opts.locale) : '');
  const totals: ReceiptDocument['totals'] = [
    { label: `${L.salesCount}: ${r.sales.count}`, amount: r.sales.total, bold: true },
    ...(r.sales.rounding ? [{ label: L.rounding, amount: r.sales.rounding }] : []),
    { label: `${L.returnsLine}: ${r.returns.count}`, amount: -r.returns.total },
    { label: `${L.voidedLine}: ${r.voided.count}`, amount: r.voided.total },
    { label: L.openingFloat, amount: r.cash.openingFloat },
    { label: L.cashIn, amount: r.cash.in },
    { label: L.cashOut, amount: -r.cash.out },
    { label: L.expectedCash, amount: r.cash.expected, bold: true },
    ...(r.countedCash !== undefined ? [{ label: L.countedCash, amount: r.countedCash }, { label: L.discrepancy, amount: r.discrepancy ?? 0, bold: true }] : []),
    ...(r.review?.flagged ? [{ label: `${L.toReview}: ${r.review.flagged}`, amount: r.review.difference }] : []),
  ];
  return {
    version: 1,
    currency: r.currency,
    header: { title: `${r.kind === 'Z' ? L.zReport : L.xReport} · ${L.shift} ${r.number}`, lines: [...opts.header, opts.register, `${L.opened}: ${at(r.openedAt)}`, ...(r.closedAt ? [`${L.closed}: ${at(r.closedAt)}`] : [])] },
    lines: [],
    totals,
    payments: [
      ...Object.entries(r.byMethod).map(([m, v]) => ({ method: L[m] ?? m, amount: v.net })),
      ...(r.byTerminal ?? []).filter((x) => x.name).map((x) => ({ method: `  ${x.name}`, amount: x.sales })),
    ],
    footer: opts.footer,
  };
}
