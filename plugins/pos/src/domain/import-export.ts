import ExcelJS from 'exceljs';
import { currencyDigits, ForbiddenError, type RequestContext, ValidationError } from '@atrium/sdk';
import { barcodeProblem } from './barcode.ts';
import { parseCsv, unescapeFormula, writeCsv, type Delimiter } from './csv.ts';
import { CATEGORY_TREE_SQL } from './categories.ts';

/**
 * Catalogue import and export, CSV and Excel (.xlsx). One row per product, matched by SKU
 * (case-insensitive): new SKUs are created, known ones updated — only the columns the file has.
 * Money is written the way people type it (major units, "450.50" or "450,50"), quantities in
 * units ("2.5" kg), categories as paths ("Dairy / Milk"), barcodes `|`-separated with `:w` for a
 * weight prefix and `:6` for a pack of 6.
 *
 * Every row is checked and every problem reported with its spreadsheet row number (the header is
 * row 1). Mode `all` writes nothing if any row is bad; mode `valid` imports the good rows.
 */

export const COLUMNS = ['sku', 'name', 'price', 'cost', 'unit', 'category', 'barcodes', 'tax_rate', 'supplier', 'low_stock', 'track_batches', 'quick_key', 'archived'] as const;
export type Column = (typeof COLUMNS)[number];
const REQUIRED: Column[] = ['sku', 'name', 'price'];

/** Header spellings people use (lower-cased), Russian first-class. */
const ALIASES: Record<string, Column> = {
  sku: 'sku', 'артикул': 'sku', code: 'sku', 'код': 'sku',
  name: 'name', 'наименование': 'name', 'название': 'name', 'товар': 'name',
  price: 'price', 'цена': 'price', 'цена продажи': 'price',
  cost: 'cost', 'себестоимость': 'cost', 'закупочная цена': 'cost', 'цена закупки': 'cost',
  unit: 'unit', 'ед.': 'unit', 'ед': 'unit', 'единица': 'unit', 'ед. изм.': 'unit',
  category: 'category', 'категория': 'category',
  barcodes: 'barcodes', barcode: 'barcodes', 'штрихкод': 'barcodes', 'штрихкоды': 'barcodes', 'штрих-код': 'barcodes', 'штрих-коды': 'barcodes',
  tax_rate: 'tax_rate', tax: 'tax_rate', 'ндс': 'tax_rate', 'налог': 'tax_rate', 'ставка ндс': 'tax_rate',
  supplier: 'supplier', 'поставщик': 'supplier',
  low_stock: 'low_stock', 'мин. остаток': 'low_stock', 'минимальный остаток': 'low_stock',
  track_batches: 'track_batches', 'партии': 'track_batches', 'учёт партий': 'track_batches', 'учет партий': 'track_batches',
  quick_key: 'quick_key', 'быстрая клавиша': 'quick_key',
  archived: 'archived', 'архив': 'archived',
};
const UNITS: Record<string, string> = { pcs: 'pcs', 'шт': 'pcs', 'шт.': 'pcs', pc: 'pcs', kg: 'kg', 'кг': 'kg', l: 'l', 'л': 'l', m: 'm', 'м': 'm' };

/** A problem with one cell of an import: `code` (+ `params`) is worded by the POS catalog in the reader's language; `message` is English. */
export type RowError = { row: number; field: string; code: string; params?: Record<string, unknown>; message: string };
export type BarcodeCell = { code: string; kind: 'unit' | 'weight'; qtyMilli: number };
/** The codes of cell problems (the POS catalog's `fields`, or the platform's JSON Schema keywords). */
export type CellCode = 'required' | 'maxLength' | 'repeatsRow' | 'notAPrice' | 'notAnAmount' | 'notAUnit' | 'categoryPath' | 'barcodeOnRow' | 'listedTwice' | 'notAQuantity' | 'yesNo' | 'quickKey' | 'barcodeSuffix' | 'barcodeChars' | 'weightPrefix' | 'checkDigit';
type CellProblem = { code: CellCode; params?: Record<string, unknown>; message: string };

/** One product row as parsed; a field is present only when the file has its column. */
export type ParsedRow = {
  row: number;
  sku: string;
  name?: string;
  price?: number;
  cost?: number;
  unit?: string;
  category?: string | null;
  barcodes?: BarcodeCell[];
  taxRate?: string | null;
  supplier?: string | null;
  lowStockMilli?: number | null;
  trackBatches?: boolean;
  quickKey?: number | null;
  archived?: boolean;
};

export type Table = { columns: Column[]; rows: { row: number; cells: Partial<Record<Column, string>> }[] };

export const MAX_ROWS = 50_000;

/** Minor-unit digits of a currency (KZT, RUB → 2; JPY → 0). */

/** "1 234,50" / "1234.5" → integer units of 10^-digits; null if it is not such a number. */
export function parseDecimal(text: string, digits: number): number | null {
  let t = text.replace(/[\s\u00a0\u202f']/g, '');
  if (!t) return null;
  const lastSep = Math.max(t.lastIndexOf(','), t.lastIndexOf('.'));
  if (lastSep >= 0) {
    // the last separator is the decimal one; any others group thousands
    const int = t.slice(0, lastSep).replace(/[.,]/g, '');
    t = `${int}.${t.slice(lastSep + 1)}`;
  }
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(t);
  if (!m) return null;
  const frac = m[3] ?? '';
  if (frac.length > digits && /[1-9]/.test(frac.slice(digits))) return null;
  const v = Number(m[2]) * 10 ** digits + Number((frac + '0'.repeat(digits)).slice(0, digits) || 0);
  if (!Number.isSafeInteger(v)) return null;
  return m[1] ? -v : v;
}

export function formatDecimal(units: number, digits: number, comma: boolean): string {
  const neg = units < 0;
  const a = Math.abs(units);
  const int = Math.floor(a / 10 ** digits);
  const frac = digits ? String(a % 10 ** digits).padStart(digits, '0') : '';
  return `${neg ? '-' : ''}${int}${digits ? (comma ? ',' : '.') + frac : ''}`;
}

function parseBool(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'y', 'да', 'д', '+'].includes(t)) return true;
  if (['0', 'false', 'no', 'n', 'нет', 'н', '-', ''].includes(t)) return false;
  return null;
}

/** `4600000000008|2200001:w|4600000000015:6` */
export function parseBarcodes(text: string): { barcodes: BarcodeCell[]; problems: CellProblem[] } {
  const barcodes: BarcodeCell[] = [];
  const problems: CellProblem[] = [];
  for (const part of text.split('|').map((s) => s.trim()).filter(Boolean)) {
    const [code, suffix] = part.split(':');
    let kind: 'unit' | 'weight' = 'unit';
    let qtyMilli = 1000;
    if (suffix !== undefined) {
      if (suffix.toLowerCase() === 'w') kind = 'weight';
      else {
        const q = parseDecimal(suffix, 3);
        if (q === null || q <= 0) { problems.push({ code: 'barcodeSuffix', params: { value: part }, message: `"${part}": after ":" put w (weight prefix) or a pack quantity` }); continue; }
        qtyMilli = q;
      }
    }
    const problem = barcodeProblem(code, kind);
    if (problem) problems.push({ code: problem.code, params: { ...problem.params, barcode: code }, message: `${code} ${problem.message}` });
    else barcodes.push({ code, kind, qtyMilli });
  }
  return { barcodes, problems };
}

export function formatBarcodes(list: BarcodeCell[]): string {
  return list.map((b) => (b.kind === 'weight' ? `${b.code}:w` : b.qtyMilli !== 1000 ? `${b.code}:${formatDecimal(b.qtyMilli, 3, false).replace(/\.?0+$/, '')}` : b.code)).join('|');
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  const o = v as any;
  if (Array.isArray(o.richText)) return o.richText.map((r: any) => r.text).join('');
  if ('result' in o) return cellText(o.result);
  if ('text' in o) return String(o.text);
  if ('error' in o) return '';
  return String(v);
}

/** Decodes a CSV file: UTF-8 (BOM or not), else Windows-1251 as older Russian Excel saves it. */
function decodeText(buf: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return new TextDecoder('windows-1251').decode(buf);
  }
}

export function detectFormat(buf: Buffer, contentType: string, fileName?: string): 'csv' | 'xlsx' {
  // xlsx is a zip: "PK\x03\x04"
  if (buf.length > 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 3 && buf[3] === 4) return 'xlsx';
  if (/spreadsheetml/.test(contentType) || /\.xlsx$/i.test(fileName ?? '')) return 'xlsx';
  return 'csv';
}

/** Reads the first sheet / the CSV into named columns; unknown columns are an error, not ignored. */
export async function readTable(buf: Buffer, format: 'csv' | 'xlsx'): Promise<Table> {
  let raw: { row: number; cells: string[] }[] = [];
  if (format === 'csv') {
    let parsed: string[][];
    try {
      parsed = parseCsv(decodeText(buf));
    } catch (e) {
      throw new ValidationError(`The CSV file cannot be read: ${(e as Error).message}`, [{ field: 'file', code: 'csvUnreadable', params: { line: (e as { line?: number }).line }, message: (e as Error).message }]);
    }
    raw = parsed.map((cells, i) => ({ row: i + 1, cells: cells.map(unescapeFormula) }));
  } else {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(buf as any);
    } catch (e) {
      throw new ValidationError('The file is not a readable .xlsx workbook', [{ field: 'file', code: 'xlsxUnreadable', message: (e as Error).message.slice(0, 200) }]);
    }
    const ws = wb.worksheets[0];
    if (!ws) throw new ValidationError('The workbook has no sheets', [{ field: 'file', code: 'noSheets', message: 'has no sheets' }]);
    ws.eachRow({ includeEmpty: false }, (r, rowNo) => {
      const values = r.values as ExcelJS.CellValue[];
      raw.push({ row: rowNo, cells: values.slice(1).map(cellText) });
    });
  }
  const headerRow = raw.find((r) => r.cells.some((c) => c.trim()));
  if (!headerRow) throw new ValidationError('The file is empty', [{ field: 'file', code: 'noHeader', message: 'has no header row' }]);
  const columns: (Column | null)[] = [];
  const unknown: string[] = [];
  headerRow.cells.forEach((h) => {
    const key = h.trim().toLowerCase();
    if (!key) return columns.push(null);
    const c = ALIASES[key] ?? (COLUMNS as readonly string[]).find((x) => x === key.replace(/\s+/g, '_'));
    if (!c) unknown.push(h.trim());
    columns.push((c as Column) ?? null);
  });
  const missing = REQUIRED.filter((c) => !columns.includes(c));
  const dup = columns.find((c, i) => c && columns.indexOf(c) !== i);
  if (unknown.length || missing.length || dup) {
    throw new ValidationError('The header row does not match', [
      ...missing.map((c) => ({ field: c, code: 'columnMissing', message: 'column is missing' })),
      ...unknown.map((c) => ({ field: c, code: 'columnUnknown', params: { known: [...COLUMNS] }, message: `unknown column (known: ${COLUMNS.join(', ')})` })),
      ...(dup ? [{ field: dup, code: 'columnTwice', message: 'column appears twice' }] : []),
    ]);
  }
  const rows = raw
    .filter((r) => r.row > headerRow.row && r.cells.some((c) => c.trim()))
    .map((r) => ({ row: r.row, cells: Object.fromEntries(columns.map((c, i) => [c, (r.cells[i] ?? '').trim()]).filter(([c]) => c)) as Partial<Record<Column, string>> }));
  if (rows.length > MAX_ROWS) throw new ValidationError(`At most ${MAX_ROWS} rows per file`, [{ field: 'file', code: 'tooManyRows', params: { rows: rows.length, max: MAX_ROWS }, message: `has ${rows.length} rows` }]);
  return { columns: columns.filter((c): c is Column => !!c), rows };
}

/** Checks every row on its own and across the file (duplicate SKUs, a barcode on two rows). */
export function parseRows(table: Table, digits: number): { rows: ParsedRow[]; errors: RowError[] } {
  const errors: RowError[] = [];
  const out: ParsedRow[] = [];
  const has = new Set(table.columns);
  const skus = new Map<string, number>();
  const codes = new Map<string, number>();
  for (const { row, cells } of table.rows) {
    const err = (field: string, code: CellCode, message: string, params?: Record<string, unknown>) => errors.push({ row, field, code, ...(params ? { params } : {}), message });
    const before = errors.length;
    const sku = cells.sku ?? '';
    if (!sku) err('sku', 'required', 'is required');
    else if (sku.length > 64) err('sku', 'maxLength', 'is longer than 64 characters', { limit: 64 });
    else if (skus.has(sku.toLowerCase())) err('sku', 'repeatsRow', `repeats row ${skus.get(sku.toLowerCase())}`, { row: skus.get(sku.toLowerCase()) });
    else skus.set(sku.toLowerCase(), row);
    const p: ParsedRow = { row, sku };
    const name = cells.name ?? '';
    if (!name) err('name', 'required', 'is required');
    else if (name.length > 200) err('name', 'maxLength', 'is longer than 200 characters', { limit: 200 });
    else p.name = name;
    const price = parseDecimal(cells.price ?? '', digits);
    if (!cells.price) err('price', 'required', 'is required');
    else if (price === null || price < 0) err('price', 'notAPrice', `"${cells.price}" is not a price (e.g. 450.50, at most ${digits} decimals)`, { value: cells.price, digits });
    else p.price = price;
    if (has.has('cost')) {
      const c = cells.cost ? parseDecimal(cells.cost, digits) : 0;
      if (c === null || c < 0) err('cost', 'notAnAmount', `"${cells.cost}" is not an amount`, { value: cells.cost });
      else p.cost = c;
    }
    if (has.has('unit')) {
      const u = UNITS[(cells.unit || 'pcs').toLowerCase()];
      if (!u) err('unit', 'notAUnit', `"${cells.unit}" is not a unit (pcs, kg, l, m)`, { value: cells.unit });
      else p.unit = u;
    }
    if (has.has('category')) {
      const path = (cells.category ?? '').split('/').map((s) => s.trim());
      if (cells.category && path.some((s) => !s || s.length > 120)) err('category', 'categoryPath', 'a path like "Dairy / Milk" with non-empty parts up to 120 characters');
      else p.category = cells.category ? path.join(' / ') : null;
    }
    if (has.has('barcodes')) {
      const { barcodes, problems } = parseBarcodes(cells.barcodes ?? '');
      for (const pr of problems) err('barcodes', pr.code, pr.message, pr.params);
      for (const b of barcodes) {
        const other = codes.get(b.code);
        if (other !== undefined && other !== row) err('barcodes', 'barcodeOnRow', `${b.code} is also on row ${other}`, { barcode: b.code, row: other });
        else if (other === row) err('barcodes', 'listedTwice', `${b.code} is listed twice`, { value: b.code });
        codes.set(b.code, row);
      }
      p.barcodes = barcodes;
    }
    if (has.has('tax_rate')) p.taxRate = cells.tax_rate || null;
    if (has.has('supplier')) {
      if ((cells.supplier ?? '').length > 200) err('supplier', 'maxLength', 'is longer than 200 characters', { limit: 200 });
      else p.supplier = cells.supplier || null;
    }
    if (has.has('low_stock')) {
      const q = cells.low_stock ? parseDecimal(cells.low_stock, 3) : null;
      if (cells.low_stock && (q === null || q < 0)) err('low_stock', 'notAQuantity', `"${cells.low_stock}" is not a quantity`, { value: cells.low_stock });
      else p.lowStockMilli = q;
    }
    if (has.has('track_batches')) {
      const b = parseBool(cells.track_batches ?? '');
      if (b === null) err('track_batches', 'yesNo', 'use yes/no');
      else p.trackBatches = b;
    }
    if (has.has('quick_key')) {
      const k = cells.quick_key ? Number(cells.quick_key) : null;
      if (k !== null && !(Number.isInteger(k) && k >= 1 && k <= 999)) err('quick_key', 'quickKey', 'a whole number 1–999');
      else p.quickKey = k;
    }
    if (has.has('archived')) {
      const b = parseBool(cells.archived ?? '');
      if (b === null) err('archived', 'yesNo', 'use yes/no');
      else p.archived = b;
    }
    if (errors.length === before) out.push(p);
  }
  return { rows: out, errors };
}

export type Lookups = {
  taxRates: Map<string, string>;
  existing: Map<string, { id: string; trackBatches: boolean; barcodes: string }>;
};

/**
 * The checks that need the database, for a chunk of rows: tax rates exist, barcodes are not
 * another product's, batch tracking does not flip on a product with stock history.
 */
export async function checkRowsAgainstDb(ctx: RequestContext, rows: ParsedRow[]): Promise<{ ok: ParsedRow[]; errors: RowError[]; lookups: Lookups }> {
  const taxRates = new Map<string, string>((await ctx.em.execute('select id, lower(name) as name from pos.tax_rate where not archived')).map((r: any) => [r.name, r.id]));
  const existingRows = rows.length
    ? await ctx.em.execute(
        `select p.id, lower(p.sku) as k, p.track_batches,
           (select coalesce(string_agg(b.code || ':' || b.kind || ':' || b.qty_milli, '|' order by b.code), '') from pos.barcode b where b.tenant_id = p.tenant_id and b.product_id = p.id) as barcodes,
           exists(select 1 from pos.stock_move m where m.tenant_id = p.tenant_id and m.product_id = p.id) as has_moves
         from pos.product p where lower(p.sku) in (select lower(jsonb_array_elements_text(?::jsonb)))`,
        [JSON.stringify(rows.map((r) => r.sku))],
      )
    : [];
  const existing = new Map<string, any>(existingRows.map((r: any) => [r.k, { id: r.id, trackBatches: r.track_batches, barcodes: r.barcodes, hasMoves: r.has_moves }]));
  const codes = rows.flatMap((r) => (r.barcodes ?? []).map((b) => b.code));
  const owners = codes.length
    ? new Map<string, string>((await ctx.em.execute(
        'select b.code, lower(p.sku) as k, p.sku from pos.barcode b join pos.product p on p.tenant_id = b.tenant_id and p.id = b.product_id where b.code in (select jsonb_array_elements_text(?::jsonb))',
        [JSON.stringify(codes)],
      )).map((r: any) => [r.code, r.sku]))
    : new Map<string, string>();
  const errors: RowError[] = [];
  const ok: ParsedRow[] = [];
  for (const r of rows) {
    const before = errors.length;
    if (r.taxRate && !taxRates.has(r.taxRate.toLowerCase())) errors.push({ row: r.row, field: 'tax_rate', code: 'noTaxRate', params: { value: r.taxRate }, message: `no tax rate "${r.taxRate}"` });
    for (const b of r.barcodes ?? []) {
      const owner = owners.get(b.code);
      if (owner && owner.toLowerCase() !== r.sku.toLowerCase()) errors.push({ row: r.row, field: 'barcodes', code: 'barcodeOwner', params: { code: b.code, sku: owner }, message: `${b.code} belongs to product ${owner}` });
    }
    const ex = existing.get(r.sku.toLowerCase());
    if (ex && r.trackBatches !== undefined && r.trackBatches !== ex.trackBatches && ex.hasMoves) {
      errors.push({ row: r.row, field: 'track_batches', code: 'batchesLocked', message: 'cannot change on a product with stock history' });
    }
    if (errors.length === before) ok.push(r);
  }
  return { ok, errors, lookups: { taxRates, existing } };
}

async function ensureCategories(ctx: RequestContext, paths: string[]): Promise<Map<string, string>> {
  const known = new Map<string, string>(
    (await ctx.em.execute(`${CATEGORY_TREE_SQL} select id, lower(path) as path from t`)).map((r: any) => [r.path, r.id]),
  );
  for (const path of paths) {
    const parts = path.split(' / ');
    let parent: string | null = null;
    for (let i = 0; i < parts.length; i++) {
      const key = parts.slice(0, i + 1).join(' / ').toLowerCase();
      let id = known.get(key);
      if (!id) {
        id = crypto.randomUUID();
        await ctx.em.execute('insert into pos.category (tenant_id, id, parent_id, name) values (?, ?, ?, ?)', [ctx.tenantId, id, parent, parts[i]]);
        known.set(key, id);
      }
      parent = id;
    }
  }
  return known;
}

async function ensureSuppliers(ctx: RequestContext, names: string[]): Promise<Map<string, string>> {
  if (names.length) {
    await ctx.em.execute(
      `insert into pos.supplier (tenant_id, id, name) select ?, gen_random_uuid(), n from (select distinct on (lower(n)) n from jsonb_array_elements_text(?::jsonb) n) x
       on conflict (tenant_id, lower(name)) do nothing`,
      [ctx.tenantId, JSON.stringify(names)],
    );
  }
  return new Map((await ctx.em.execute('select id, lower(name) as name from pos.supplier')).map((r: any) => [r.name, r.id]));
}

/** Writes checked rows: categories and suppliers created as needed, products upserted by SKU. */
export async function applyRows(ctx: RequestContext, columns: Column[], rows: ParsedRow[], lookups: Lookups): Promise<{ created: number; updated: number; unchanged: number }> {
  if (!rows.length) return { created: 0, updated: 0, unchanged: 0 };
  const has = new Set(columns);
  const categories = has.has('category') ? await ensureCategories(ctx, [...new Set(rows.map((r) => r.category).filter((c): c is string => !!c))]) : new Map();
  const suppliers = has.has('supplier') ? await ensureSuppliers(ctx, [...new Set(rows.map((r) => r.supplier).filter((s): s is string => !!s))]) : new Map();
  const data = rows.map((r) => ({
    sku: r.sku, name: r.name, price: r.price, cost: r.cost ?? null, unit: r.unit ?? null,
    category_id: r.category ? categories.get(r.category.toLowerCase()) : null,
    tax_rate_id: r.taxRate ? lookups.taxRates.get(r.taxRate.toLowerCase()) : null,
    supplier_id: r.supplier ? suppliers.get(r.supplier.toLowerCase()) : null,
    low_stock_milli: r.lowStockMilli ?? null, track_batches: r.trackBatches ?? null, quick_key: r.quickKey ?? null, archived: r.archived ?? null,
  }));
  // only the columns the file has are updated on existing products (the SKU keeps its spelling)
  const sets: [string, string][] = [['name', 'name'], ['price', 'price']];
  if (has.has('cost')) sets.push(['cost', 'cost']);
  if (has.has('unit')) sets.push(['unit', 'unit']);
  if (has.has('category')) sets.push(['category_id', 'category_id']);
  if (has.has('tax_rate')) sets.push(['tax_rate_id', 'tax_rate_id']);
  if (has.has('supplier')) sets.push(['supplier_id', 'supplier_id']);
  if (has.has('low_stock')) sets.push(['low_stock_milli', 'low_stock_milli']);
  if (has.has('track_batches')) sets.push(['track_batches', 'track_batches']);
  if (has.has('quick_key')) sets.push(['quick_key', 'quick_key']);
  if (has.has('archived')) sets.push(['archived', 'archived']);
  const written = await ctx.em.execute(
    `insert into pos.product as p (tenant_id, id, sku, name, price, cost, unit, category_id, tax_rate_id, supplier_id, low_stock_milli, track_batches, quick_key, archived)
     select ?, gen_random_uuid(), x.sku, x.name, x.price, coalesce(x.cost, 0), coalesce(x.unit, 'pcs'), x.category_id, x.tax_rate_id, x.supplier_id, x.low_stock_milli,
            coalesce(x.track_batches, false), x.quick_key, coalesce(x.archived, false)
     from jsonb_to_recordset(?::jsonb) as x(sku text, name text, price bigint, cost bigint, unit text, category_id uuid, tax_rate_id uuid, supplier_id uuid,
                                            low_stock_milli bigint, track_batches boolean, quick_key int, archived boolean)
     on conflict (tenant_id, lower(sku)) do update set ${sets.map(([c]) => `${c} = excluded.${c}`).join(', ')}, version = p.version + 1, updated_at = now()
       where (${sets.map(([c]) => `p.${c}`).join(', ')}) is distinct from (${sets.map(([c]) => `excluded.${c}`).join(', ')})
     returning p.id, lower(p.sku) as k, (xmax = 0) as inserted`,
    [ctx.tenantId, JSON.stringify(data)],
  );
  const ids = new Map<string, string>();
  for (const [k, v] of lookups.existing) ids.set(k, v.id);
  const changed = new Set<string>();
  let created = 0;
  for (const w of written) {
    ids.set(w.k, w.id);
    if (w.inserted) created++;
    else changed.add(w.k);
  }
  if (has.has('barcodes')) {
    const fmt = (list: BarcodeCell[]) => [...list].sort((a, b) => (a.code < b.code ? -1 : 1)).map((b) => `${b.code}:${b.kind}:${b.qtyMilli}`).join('|');
    const replace = rows.filter((r) => {
      const ex = lookups.existing.get(r.sku.toLowerCase());
      return !ex || ex.barcodes !== fmt(r.barcodes ?? []);
    });
    const productIds = replace.map((r) => ids.get(r.sku.toLowerCase())!);
    for (const r of replace) if (lookups.existing.has(r.sku.toLowerCase())) changed.add(r.sku.toLowerCase());
    if (productIds.length) {
      await ctx.em.execute('delete from pos.barcode where product_id in (select (jsonb_array_elements_text(?::jsonb))::uuid)', [JSON.stringify(productIds)]);
      const codes = replace.flatMap((r) => (r.barcodes ?? []).map((b) => ({ code: b.code, product_id: ids.get(r.sku.toLowerCase()), kind: b.kind, qty_milli: b.qtyMilli })));
      if (codes.length) {
        await ctx.em.execute(
          `insert into pos.barcode (tenant_id, code, product_id, kind, qty_milli) select ?, x.code, x.product_id, x.kind, x.qty_milli from jsonb_to_recordset(?::jsonb) as x(code text, product_id uuid, kind text, qty_milli bigint)`,
          [ctx.tenantId, JSON.stringify(codes)],
        );
      }
    }
  }
  const updated = [...changed].filter((k) => lookups.existing.has(k)).length;
  return { created, updated, unchanged: rows.length - created - updated };
}

/** The catalogue as rows of the import format (the same columns, so an export imports back as is). */
export async function exportRows(ctx: RequestContext, opts: { digits: number; comma: boolean; withCost: boolean; archived?: boolean; categoryId?: string }): Promise<(string | number)[][]> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (opts.archived !== undefined) { where.push('p.archived = ?'); args.push(opts.archived); }
  if (opts.categoryId) {
    where.push('p.category_id in (with recursive d as (select id from pos.category where id = ? union all select c.id from pos.category c join d on c.parent_id = d.id) select id from d)');
    args.push(opts.categoryId);
  }
  const rows = await ctx.em.execute(
    `${CATEGORY_TREE_SQL}
     select p.*, t.path as category_path, tr.name as tax_name, s.name as supplier_name,
       (select coalesce(jsonb_agg(jsonb_build_object('code', b.code, 'kind', b.kind, 'qtyMilli', b.qty_milli) order by b.kind, b.code), '[]'::jsonb)
          from pos.barcode b where b.tenant_id = p.tenant_id and b.product_id = p.id) as barcodes
     from pos.product p
     left join t on t.id = p.category_id
     left join pos.tax_rate tr on tr.tenant_id = p.tenant_id and tr.id = p.tax_rate_id
     left join pos.supplier s on s.tenant_id = p.tenant_id and s.id = p.supplier_id
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by lower(p.sku)`,
    args,
  );
  const cols = COLUMNS.filter((c) => c !== 'cost' || opts.withCost);
  const out: (string | number)[][] = [cols as unknown as string[]];
  for (const r of rows) {
    const v: Record<Column, string> = {
      sku: r.sku, name: r.name, price: formatDecimal(Number(r.price), opts.digits, opts.comma), cost: formatDecimal(Number(r.cost), opts.digits, opts.comma), unit: r.unit,
      category: r.category_path ?? '', barcodes: formatBarcodes((r.barcodes ?? []).map((b: any) => ({ code: b.code, kind: b.kind, qtyMilli: Number(b.qtyMilli) }))),
      tax_rate: r.tax_name ?? '', supplier: r.supplier_name ?? '',
      low_stock: r.low_stock_milli === null ? '' : formatDecimal(Number(r.low_stock_milli), 3, opts.comma).replace(/[.,]?0+$/, ''),
      track_batches: r.track_batches ? 'yes' : 'no', quick_key: r.quick_key === null ? '' : String(r.quick_key), archived: r.archived ? 'yes' : 'no',
    };
    out.push(cols.map((c) => v[c]));
  }
  return out;
}

export function toCsv(rows: (string | number)[][], delimiter: Delimiter): Buffer {
  return Buffer.from(writeCsv(rows, { delimiter, bom: true }), 'utf8');
}

/** An .xlsx with one sheet; every cell is text so codes keep leading zeros and prices their decimals. */
export async function toXlsx(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Atrium POS';
  const ws = wb.addWorksheet('Products', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = (rows[0] ?? []).map((h) => ({ header: String(h), key: String(h), width: h === 'name' ? 40 : h === 'barcodes' || h === 'category' ? 30 : 14, style: { numFmt: '@' } }));
  for (const r of rows.slice(1)) ws.addRow(r.map(String));
  ws.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Users whose rules hide `cost` can neither see it in an export nor set it by import. */
export function assertImportFields(ctx: RequestContext, columns: Column[]): void {
  const fields = ctx.permittedFields('update', 'pos.Product');
  if (fields && columns.includes('cost') && !fields.includes('cost')) throw new ForbiddenError('You may not set product cost: remove the cost column', 'FIELD_FORBIDDEN', { fields: ['cost'] });
}
