/**
 * RFC 4180 CSV, the way spreadsheets in our markets write it: UTF-8 with or without a BOM, CRLF or
 * LF line ends, quoted fields with "" for a quote and line breaks inside quotes, and `;` as the
 * delimiter when the system's decimal separator is a comma (Russian/Ukrainian/Kazakh Excel) —
 * so the delimiter is detected from the header line.
 */

export type Delimiter = ',' | ';' | '\t';

/** The delimiter that occurs most often outside quotes on the first line (`,` on a tie or none). */
export function detectDelimiter(text: string): Delimiter {
  const counts: Record<Delimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts[c]++;
  }
  const best = (Object.entries(counts) as [Delimiter, number][]).sort((a, b) => b[1] - a[1])[0];
  return best[1] > 0 ? best[0] : ',';
}

export class CsvError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

/** Parses CSV text into rows of fields. Blank lines are kept as `['']` so row numbers stay true. */
export function parseCsv(input: string, delimiter?: Delimiter): string[][] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const d = delimiter ?? detectDelimiter(text);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"' && field === '') {
      // a quoted field: runs to the closing quote, "" is a literal quote
      const startLine = line;
      i++;
      for (;;) {
        if (i >= n) throw new CsvError(`Unclosed quote (the field starts on line ${startLine})`, startLine);
        const q = text[i];
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      // only a delimiter or a line end may follow the closing quote
      if (i < n && text[i] !== d && text[i] !== '\r' && text[i] !== '\n') throw new CsvError(`Unexpected text after a closing quote on line ${line}`, line);
      continue;
    }
    if (c === d) {
      row.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      continue;
    }
    field += c;
    i++;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function quote(v: string, d: Delimiter): string {
  return v === '' || !(v.includes(d) || v.includes('"') || v.includes('\n') || v.includes('\r') || v !== v.trim()) ? v : `"${v.replace(/"/g, '""')}"`;
}

/**
 * Writes CSV with CRLF line ends. `bom` makes Excel open UTF-8 (Cyrillic) correctly.
 * Text that a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with `'`;
 * the importer strips that prefix again, so export → import is lossless.
 */
export function writeCsv(rows: (string | number | null | undefined)[][], opts: { delimiter?: Delimiter; bom?: boolean } = {}): string {
  const d = opts.delimiter ?? ',';
  const body = rows.map((r) => r.map((v) => quote(escapeFormula(v === null || v === undefined ? '' : String(v), typeof v === 'number'), d)).join(d)).join('\r\n');
  return (opts.bom ? '\ufeff' : '') + body + '\r\n';
}

function escapeFormula(v: string, isNumber: boolean): string {
  return !isNumber && /^[=+\-@]/.test(v) ? `'${v}` : v;
}

/** Undoes writeCsv's formula guard. */
export function unescapeFormula(v: string): string {
  return /^'[=+\-@]/.test(v) ? v.slice(1) : v;
}
