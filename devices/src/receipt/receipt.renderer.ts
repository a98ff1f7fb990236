import { type Align, EscPosBuilder } from '../escpos/escpos-builder.ts';
import type { PrinterProfile } from '../encoding/printer-profile.ts';
import { encodeLine } from '../encoding/text-encoder.ts';
import { rasterizeText } from '../encoding/text-rasterizer.ts';
import { twoColumns, wrap } from './columns.ts';
import { pngToBitmap } from './logo.ts';
import { formatMinor, formatQty } from './money.ts';
import type { ReceiptDocument } from './receipt.schema.ts';

/** How each printed line went out — the agent logs it and tests compare it with what the printer saw. */
export interface RenderedLine {
  text: string;
  mode: 'text' | 'raster';
  codePage?: string;
  align?: Align;
  bold?: boolean;
}

export interface RenderResult {
  bytes: Buffer;
  lines: RenderedLine[];
}

interface LineStyle {
  align?: Align;
  bold?: boolean;
}

/**
 * Receipt document → ESC/POS bytes for one printer profile. Each line is encoded with the
 * first code page of the model that holds all of it; otherwise it is rasterised with the
 * bundled font (GS v 0), so Kazakh and Ukrainian never turn into '?'.
 */
export function renderReceipt(doc: ReceiptDocument, profile: PrinterProfile): RenderResult {
  const b = new EscPosBuilder(profile).init();
  const lines: RenderedLine[] = [];
  const cols = profile.columns;

  const emit = (text: string, style: LineStyle = {}): void => {
    const enc = doc.forceRaster ? ({ kind: 'raster', text } as const) : encodeLine(text, profile);
    if (enc.kind === 'text') {
      b.align(style.align ?? 'left').bold(!!style.bold).selectCodePage(enc.codePageNumber).text(enc.bytes).newline();
      lines.push({ text, mode: 'text', codePage: enc.codePage, ...style });
    } else {
      // The image carries its own alignment; printer alignment is reset so it starts at the margin.
      b.align('left').raster(rasterizeText(text, { width: profile.dotsPerLine, bold: style.bold, align: style.align }));
      lines.push({ text, mode: 'raster', ...style });
    }
  };
  const separator = () => emit('-'.repeat(cols));

  if (doc.logoPng) b.align('center').raster(pngToBitmap(Buffer.from(doc.logoPng, 'base64'), profile.dotsPerLine));
  if (doc.header) {
    for (const l of wrap(doc.header.title, cols)) emit(l, { align: 'center', bold: true });
    for (const h of doc.header.lines ?? []) for (const l of wrap(h, cols)) emit(l, { align: 'center' });
    separator();
  }
  for (const item of doc.lines) {
    for (const l of wrap(item.name, cols)) emit(l);
    const qty = `${formatQty(item.qtyMilli)}${item.unit ? ' ' + item.unit : ''} x ${formatMinor(item.unitPrice)}`;
    emit(twoColumns('  ' + qty, formatMinor(item.amount), cols));
  }
  if (doc.lines.length) separator();
  for (const t of doc.totals) emit(twoColumns(t.label, `${formatMinor(t.amount)} ${doc.currency}`, cols), { bold: t.bold });
  for (const p of doc.payments ?? []) emit(twoColumns(p.method, formatMinor(p.amount), cols));
  for (const t of doc.text ?? []) for (const l of wrap(t.value, cols)) emit(l, { align: t.align, bold: t.bold });
  if (doc.barcode) b.align('center').barcode(doc.barcode.type, doc.barcode.data);
  if (doc.qr) b.align('center').qr(doc.qr.data);
  for (const f of doc.footer ?? []) for (const l of wrap(f, cols)) emit(l, { align: 'center' });
  b.bold(false).align('left').feed(3).cut();
  if (doc.openDrawer) b.drawerKick(2);
  return { bytes: b.bytes(), lines };
}
