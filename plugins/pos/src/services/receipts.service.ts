import { defineAction, defineService, NotFoundError, Type } from '@atrium/sdk';
import { formatMinor, formatQty } from '../domain/money.ts';
import { buildReceipt } from '../domain/receipt.ts';
import { renderReceiptPdf } from '../domain/receipt-pdf.renderer.ts';
import { loadSaleView } from '../domain/sale.ts';
import { printTarget, receiptOptions } from '../domain/printing.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The public receipt link a customer gets by e-mail or from the QR on paper: no login, the tenant
 * comes from the path (the plugin gate applies: a tenant that disabled POS answers 403), and the
 * 192-bit token is the only key — a wrong token is a 404 that says nothing about the sale.
 */
export const receiptsService = defineService({
  name: 'receipts',
  actions: {
    show: defineAction({
      rest: 'GET /:tenantId/:token',
      permission: 'public',
      tenantFromParam: 'tenantId',
      mutates: false,
      summary: 'Public receipt page (format=pdf for the PDF)',
      params: Type.Object({
        tenantId: Type.String({ format: 'uuid' }),
        token: Type.String({ pattern: '^[A-Za-z0-9_-]{32}$' }),
        format: Type.Optional(Type.Union([Type.Literal('html'), Type.Literal('pdf')])),
      }, { additionalProperties: false }),
      async handler(ctx) {
        ctx.audit.skip();
        const [row] = await ctx.em.execute('select id from pos.sale where receipt_token = ?', [ctx.params.token]);
        const sale = row ? await loadSaleView(ctx, row.id) : null;
        if (!sale) throw new NotFoundError('Receipt not found', { subject: 'pos.Sale' });
        const doc = buildReceipt(sale, await receiptOptions(ctx, await printTarget(ctx, sale.registerId)));
        if (ctx.params.format === 'pdf') {
          return { $binary: (await renderReceiptPdf(doc)).toString('base64'), contentType: 'application/pdf', filename: `receipt-${sale.number}.pdf` };
        }
        const rows = doc.lines.map((l) => `<tr><td>${esc(l.name)}<br><small>${formatQty(l.qtyMilli)} × ${formatMinor(l.unitPrice)}</small></td><td class="r">${formatMinor(l.amount)}</td></tr>`).join('');
        const totals = doc.totals.map((t) => `<tr${t.bold ? ' class="b"' : ''}><td>${esc(t.label)}</td><td class="r">${formatMinor(t.amount)}</td></tr>`).join('');
        const pays = (doc.payments ?? []).map((p) => `<tr><td>${esc(p.method)}</td><td class="r">${formatMinor(p.amount)}</td></tr>`).join('');
        const html = `<!doctype html><html lang="${esc(ctx.locale.slice(0, 2))}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(doc.header?.title ?? '')}</title>
<style>body{font-family:ui-monospace,'DejaVu Sans Mono',monospace;max-width:420px;margin:24px auto;padding:0 12px}h1{font-size:18px;text-align:center}p{text-align:center;margin:2px}table{width:100%;border-collapse:collapse;margin:12px 0}td{padding:4px 0;border-bottom:1px dashed #ccc;vertical-align:top}.r{text-align:right}.b td{font-weight:bold}a{display:block;text-align:center;margin-top:16px}</style></head>
<body><h1>${esc(doc.header?.title ?? '')}</h1>${(doc.header?.lines ?? []).map((l) => `<p>${esc(l)}</p>`).join('')}
<table>${rows}</table><table>${totals}</table><table>${pays}</table>${(doc.footer ?? []).map((l) => `<p>${esc(l)}</p>`).join('')}
<a href="?format=pdf">PDF</a></body></html>`;
        return { $raw: html, contentType: 'text/html; charset=utf-8' };
      },
    }),
  },
});
