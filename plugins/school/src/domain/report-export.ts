import { createRequire } from 'node:module';
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import { formatMoney, type Locale } from './words.ts';

/**
 * One shape for every report — a title, typed columns, rows and totals — rendered as JSON for the
 * screen, an Excel workbook or a PDF. Money stays integer minor units until here; Excel gets real
 * numbers with the currency's format (so sums work there), the PDF the reader's own formatting.
 */

export type ColumnType = 'text' | 'int' | 'money' | 'percent' | 'date';
export type ReportColumn = { key: string; label: string; type: ColumnType };
export type Report = {
  title: string;
  subtitle?: string;
  columns: ReportColumn[];
  rows: Record<string, unknown>[];
  totals?: Record<string, unknown>;
  currency: string;
  locale: Locale;
};
export type ReportFile = { $binary: string; contentType: string; filename: string };

const require = createRequire(import.meta.url);
// DejaVu Sans has Cyrillic with the Kazakh and Ukrainian letters and ₸, and ships in the package:
// a report never depends on the server's fonts
const FONT = require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff');
const FONT_BOLD = require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff');

const digitsOf = (currency: string) => new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
const INTL: Record<Locale, string> = { ru: 'ru-RU', uk: 'uk-UA', kk: 'kk-KZ', en: 'en-GB' };

function cellText(v: unknown, type: ColumnType, r: Report): string {
  if (v === null || v === undefined || v === '') return '';
  switch (type) {
    case 'money': return formatMoney(Number(v), r.currency, r.locale);
    case 'int': return new Intl.NumberFormat(INTL[r.locale]).format(Number(v));
    case 'percent': return new Intl.NumberFormat(INTL[r.locale], { style: 'percent', maximumFractionDigits: 1 }).format(Number(v));
    // a totals row puts its label ("Total") in the first column, whatever that column's type
    case 'date': return !/^\d{4}-\d{2}-\d{2}/.test(String(v)) ? String(v) : new Intl.DateTimeFormat(INTL[r.locale], { timeZone: 'UTC', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(`${String(v).slice(0, 10)}T00:00:00Z`));
    default: return String(v);
  }
}

export async function renderXlsx(r: Report): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Atrium';
  const ws = wb.addWorksheet(r.title.slice(0, 31).replace(/[\\/?*[\]:]/g, ' '));
  ws.addRow([r.title]).font = { bold: true, size: 13 };
  if (r.subtitle) ws.addRow([r.subtitle]);
  ws.addRow([]);
  const header = ws.addRow(r.columns.map((c) => c.label));
  header.font = { bold: true };
  const scale = 10 ** digitsOf(r.currency);
  const moneyFmt = `#,##0${digitsOf(r.currency) ? `.${'0'.repeat(digitsOf(r.currency))}` : ''}`;
  const value = (v: unknown, c: ReportColumn) => {
    if (v === null || v === undefined || v === '') return null;
    if (c.type === 'money') return Number(v) / scale;
    if (c.type === 'int' || c.type === 'percent') return Number(v);
    if (c.type === 'date') return new Date(`${String(v).slice(0, 10)}T00:00:00Z`);
    return String(v);
  };
  for (const row of r.rows) ws.addRow(r.columns.map((c) => value(row[c.key], c)));
  if (r.totals) ws.addRow(r.columns.map((c) => value(r.totals![c.key], c))).font = { bold: true };
  r.columns.forEach((c, i) => {
    const col = ws.getColumn(i + 1);
    col.width = c.type === 'text' ? 32 : 16;
    if (c.type === 'money') col.numFmt = moneyFmt;
    if (c.type === 'percent') col.numFmt = '0.0%';
    if (c.type === 'date') col.numFmt = 'dd.mm.yyyy';
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export function renderPdf(r: Report): Promise<Buffer> {
  const pdf = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 36, info: { Title: r.title, Producer: 'Atrium' } });
  pdf.registerFont('sans', FONT);
  pdf.registerFont('sans-bold', FONT_BOLD);
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const left = 36;
  const width = pdf.page.width - 72;
  const weights = r.columns.map((c) => (c.type === 'text' ? 3 : 1.4));
  const sum = weights.reduce((a, b) => a + b, 0);
  const widths = weights.map((w) => (w / sum) * width);
  pdf.font('sans-bold').fontSize(14).text(r.title, left, 36);
  if (r.subtitle) pdf.font('sans').fontSize(9).fillColor('#555').text(r.subtitle).fillColor('#000');
  pdf.moveDown(0.8);
  const line = (cells: string[], bold: boolean) => {
    pdf.font(bold ? 'sans-bold' : 'sans').fontSize(8.5);
    const heights = cells.map((t, i) => pdf.heightOfString(t, { width: widths[i]! - 6 }));
    const h = Math.max(12, ...heights) + 4;
    if (pdf.y + h > pdf.page.height - 36) pdf.addPage();
    const y = pdf.y;
    let x = left;
    cells.forEach((t, i) => {
      const numeric = r.columns[i]!.type !== 'text';
      pdf.text(t, x + 3, y + 2, { width: widths[i]! - 6, align: numeric ? 'right' : 'left' });
      x += widths[i]!;
    });
    pdf.moveTo(left, y + h).lineTo(left + width, y + h).lineWidth(0.3).strokeColor(bold ? '#000' : '#bbb').stroke();
    pdf.y = y + h;
  };
  line(r.columns.map((c) => c.label), true);
  for (const row of r.rows) line(r.columns.map((c) => cellText(row[c.key], c.type, r)), false);
  if (r.totals) line(r.columns.map((c) => cellText(r.totals![c.key], c.type, r)), true);
  pdf.end();
  return done;
}

/** The report as the action answers: JSON, or a file the UI downloads (`{ $binary, contentType, filename }`). */
export async function reportAnswer(r: Report, format: 'json' | 'xlsx' | 'pdf' | undefined, name: string): Promise<Report | ReportFile> {
  if (!format || format === 'json') return r;
  if (format === 'xlsx') return { $binary: (await renderXlsx(r)).toString('base64'), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', filename: `${name}.xlsx` };
  return { $binary: (await renderPdf(r)).toString('base64'), contentType: 'application/pdf', filename: `${name}.pdf` };
}
