import type { ReceiptDocument } from '@atrium/sdk';

/**
 * Builds the device-bus receipt document for a sale (the agent renders it per printer profile:
 * code page or raster for Kazakh/Ukrainian letters). Labels follow the tenant's locale.
 */
const LABELS: Record<string, Record<string, string>> = {
  ru: { receipt: 'Чек', copy: 'КОПИЯ', subtotal: 'Подытог', discount: 'Скидка', tax: 'в т.ч. НДС', total: 'ИТОГО', change: 'Сдача', cash: 'Наличные', card: 'Карта', credit: 'В долг', account: 'С баланса', points: 'Бонусы', gift_card: 'Подарочная карта', cashier: 'Кассир', thanks: 'Спасибо за покупку!', voided: 'АННУЛИРОВАН' },
  uk: { receipt: 'Чек', copy: 'КОПІЯ', subtotal: 'Проміжний підсумок', discount: 'Знижка', tax: 'у т.ч. ПДВ', total: 'СУМА', change: 'Решта', cash: 'Готівка', card: 'Картка', credit: 'У борг', account: 'З балансу', points: 'Бонуси', gift_card: 'Подарункова картка', cashier: 'Касир', thanks: 'Дякуємо за покупку!', voided: 'АНУЛЬОВАНО' },
  kk: { receipt: 'Чек', copy: 'КӨШІРМЕ', subtotal: 'Аралық сома', discount: 'Жеңілдік', tax: 'оның ішінде ҚҚС', total: 'БАРЛЫҒЫ', change: 'Қайтарым', cash: 'Қолма-қол', card: 'Карта', credit: 'Қарызға', account: 'Баланстан', points: 'Бонустар', gift_card: 'Сыйлық картасы', cashier: 'Кассир', thanks: 'Сатып алғаныңызға рахмет!', voided: 'ЖОЙЫЛДЫ' },
  en: { receipt: 'Receipt', copy: 'COPY', subtotal: 'Subtotal', discount: 'Discount', tax: 'incl. VAT', total: 'TOTAL', change: 'Change', cash: 'Cash', card: 'Card', credit: 'On credit', account: 'From account', points: 'Points', gift_card: 'Gift card', cashier: 'Cashier', thanks: 'Thank you!', voided: 'VOIDED' },
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
  lines: { name: string; qtyMilli: number; unitPrice: number; total: number; unit?: string }[];
  payments: { method: string; amount: number; tendered?: number | null }[];
};

export function buildReceipt(
  sale: ReceiptSale,
  opts: { locale: string; header: string[]; footer: string[]; copy?: boolean; link?: string | null },
): ReceiptDocument {
  const L = receiptLabels(opts.locale);
  const when = new Date(sale.soldAt);
  const stamp = `${when.toISOString().slice(0, 10)} ${when.toISOString().slice(11, 16)}`;
  const title = `${opts.copy ? `${L.copy} · ` : ''}${L.receipt} № ${sale.number}`;
  const totals: ReceiptDocument['totals'] = [];
  if (sale.discountTotal) {
    totals.push({ label: L.subtotal, amount: sale.subtotal });
    totals.push({ label: L.discount, amount: -sale.discountTotal });
  }
  totals.push({ label: L.total, amount: sale.total, bold: true });
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
