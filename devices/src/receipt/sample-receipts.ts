import type { ReceiptDocument } from './receipt.schema.ts';

/** A receipt mixing Russian, Ukrainian and Kazakh lines — used by tests, the demo and `--virtual`. */
export function multilingualReceipt(): ReceiptDocument {
  return {
    version: 1,
    currency: 'KZT',
    header: { title: 'Магазин «Ромашка»', lines: ['Алматы, ул. Абая 1', 'Дякуємо за покупку! Ґанок'] },
    lines: [
      { name: 'Молоко 3,2%', qtyMilli: 2000, unitPrice: 45000, amount: 90000 },
      { name: 'Қант (сахар)', qtyMilli: 1500, unit: 'кг', unitPrice: 60000, amount: 90000 },
      { name: 'Хліб житній', qtyMilli: 1000, unitPrice: 25000, amount: 25000 },
    ],
    totals: [{ label: 'ИТОГО', amount: 205000, bold: true }],
    payments: [{ method: 'Наличные', amount: 205000 }],
    qr: { data: 'https://example.invalid/r/123?s=2050.00' },
    barcode: { type: 'EAN13', data: '4870001234567' },
    footer: ['Рахмет! Сау болыңыз', 'Спасибо за покупку'],
  };
}
