import fs from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { ReceiptDocument } from '@atrium/sdk';
import { formatMinor, formatQty } from './money.ts';
import { woffToSfnt } from './woff.ts';

const require = createRequire(import.meta.url);
// DejaVu Sans Mono covers Cyrillic including Kazakh and Ukrainian letters, and ships with the
// package, so a PDF receipt never depends on fonts installed on the server.
const FONT_FILE = require.resolve('@fontsource/dejavu-mono/files/dejavu-mono-latin-400-normal.woff');
const FONT_BOLD_FILE = require.resolve('@fontsource/dejavu-mono/files/dejavu-mono-latin-700-normal.woff');
// unpacked once per process: registering a WOFF inflates its tables on every document
let fonts: { regular: Buffer; bold: Buffer } | null = null;
const loadFonts = () => (fonts ??= { regular: woffToSfnt(fs.readFileSync(FONT_FILE)), bold: woffToSfnt(fs.readFileSync(FONT_BOLD_FILE)) });

const WIDTH = 227; // 80 mm in points
const MARGIN = 12;
const SIZE = 8;

/**
 * Renders the same receipt document the printer gets as a PDF (80 mm wide roll, monospaced), for
 * the e-mailed receipt and the public receipt link.
 */
export function renderReceiptPdf(doc: ReceiptDocument): Promise<Buffer> {
  const lines = doc.lines.length + doc.totals.length + (doc.payments?.length ?? 0) + (doc.header?.lines?.length ?? 0) + (doc.footer?.length ?? 0) + (doc.text?.length ?? 0);
  const height = MARGIN * 2 + (lines * 2 + 12) * (SIZE + 3);
  const pdf = new PDFDocument({ size: [WIDTH, Math.max(200, height)], margin: MARGIN, info: { Title: doc.header?.title ?? 'Receipt', Producer: 'Atrium POS' } });
  const { regular, bold } = loadFonts();
  pdf.registerFont('mono', regular);
  pdf.registerFont('mono-bold', bold);
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const w = WIDTH - MARGIN * 2;
  const row = (left: string, right: string, bold = false) => {
    pdf.font(bold ? 'mono-bold' : 'mono').fontSize(SIZE);
    const y = pdf.y;
    pdf.text(left, MARGIN, y, { width: w - 70, lineBreak: true });
    const after = pdf.y;
    pdf.text(right, MARGIN, y, { width: w, align: 'right' });
    pdf.y = Math.max(after, pdf.y);
  };
  const rule = () => pdf.font('mono').fontSize(SIZE).text('-'.repeat(40), MARGIN, pdf.y, { width: w });
  if (doc.header) {
    pdf.font('mono-bold').fontSize(SIZE + 1).text(doc.header.title, { width: w, align: 'center' });
    for (const l of doc.header.lines ?? []) pdf.font('mono').fontSize(SIZE).text(l, { width: w, align: 'center' });
  }
  rule();
  for (const l of doc.lines) {
    pdf.font('mono').fontSize(SIZE).text(l.name, MARGIN, pdf.y, { width: w });
    row(`  ${formatQty(l.qtyMilli)}${l.unit ? ` ${l.unit}` : ''} × ${formatMinor(l.unitPrice)}`, formatMinor(l.amount));
  }
  rule();
  for (const t of doc.totals) row(t.label, `${formatMinor(t.amount)}${t.bold ? ` ${doc.currency}` : ''}`, t.bold);
  for (const p of doc.payments ?? []) row(p.method, formatMinor(p.amount));
  for (const t of doc.text ?? []) pdf.font(t.bold ? 'mono-bold' : 'mono').fontSize(SIZE).text(t.value, MARGIN, pdf.y, { width: w, align: t.align ?? 'left' });
  if (doc.qr) pdf.font('mono').fontSize(SIZE - 1).text(doc.qr.data, MARGIN, pdf.y + 4, { width: w, align: 'center' });
  rule();
  for (const f of doc.footer ?? []) pdf.font('mono').fontSize(SIZE).text(f, { width: w, align: 'center' });
  pdf.end();
  return done;
}
