import type { ReceiptDocument } from '@atrium/sdk';
import { formatMinor } from './money.ts';
import { receiptLabels, receiptStamp } from './receipt.ts';

/**
 * Barcode labels and shelf price tags, printed on `label@<register>` — the label printer's role,
 * any ESC/POS printer the shop binds to it (a roll of labels or a receipt printer). A label is one
 * device document: the name, the price, the barcode (EAN-13/8 when the product has one, else
 * CODE128 of the SKU). A shelf tag adds the unit price of weighed goods, the SKU and the date.
 */
export type LabelProduct = { name: string; sku: string; price: number; unit: string; barcodes: { code: string; kind: string }[] };
export type LabelKind = 'barcode' | 'shelf';

function barcodeOf(p: LabelProduct): NonNullable<ReceiptDocument['barcode']> {
  const unit = p.barcodes.find((b) => b.kind === 'unit' && /^\d+$/.test(b.code) && (b.code.length === 13 || b.code.length === 8));
  if (unit) return { type: unit.code.length === 13 ? 'EAN13' : 'EAN8', data: unit.code };
  return { type: 'CODE128', data: p.sku };
}

export function buildLabel(p: LabelProduct, kind: LabelKind, o: { currency: string; locale: string; timeZone: string; now?: Date }): ReceiptDocument {
  const L = receiptLabels(o.locale);
  const per = p.unit === 'kg' ? L.perKg : p.unit === 'l' ? L.perL : p.unit === 'm' ? L.perM : null;
  const price = `${formatMinor(p.price)} ${o.currency}${per ? ` ${per}` : ''}`;
  return {
    version: 1,
    currency: o.currency,
    header: { title: p.name },
    lines: [],
    totals: [],
    text: kind === 'shelf'
      ? [{ value: price, align: 'center', bold: true }, { value: `${p.sku} · ${receiptStamp(o.now ?? new Date(), o.timeZone, o.locale).slice(0, 10)}`, align: 'center' }]
      : [{ value: price, align: 'center', bold: true }],
    barcode: barcodeOf(p),
  };
}
