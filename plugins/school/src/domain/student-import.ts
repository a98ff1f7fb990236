import ExcelJS from 'exceljs';
import type { FieldError, RequestContext } from '@atrium/sdk';
import { fieldProblem, type FieldCode } from './fields.ts';
import { checkStudent, insertStudent, type StudentInput } from './students.ts';
import type { Locale } from './words.ts';

/**
 * Students from an Excel workbook (the first sheet; row 1 is the header). Columns are found by
 * the names people give them in Russian, Ukrainian, Kazakh or English; custom fields by their key
 * or label. Every row is checked as the API checks a student, and every problem is reported with
 * its spreadsheet row number and column. Mode `all` writes nothing when any row is bad; `valid`
 * imports the good rows. A phone that already belongs to a student is a duplicate, not a new one.
 */

export const COLUMNS = ['name', 'birth_date', 'phone', 'email', 'status', 'branch', 'parent_name', 'parent_relation', 'parent_phone', 'parent_email', 'channel', 'language', 'note'] as const;
type Column = (typeof COLUMNS)[number];

const ALIASES: Record<string, Column> = {
  name: 'name', student: 'name', 'фио': 'name', 'имя': 'name', 'ученик': 'name', 'фио ученика': 'name', 'піб': 'name', 'учень': 'name', 'оқушы': 'name', 'аты-жөні': 'name',
  birth_date: 'birth_date', birthday: 'birth_date', 'date of birth': 'birth_date', 'дата рождения': 'birth_date', 'день рождения': 'birth_date', 'дата народження': 'birth_date', 'туған күні': 'birth_date',
  phone: 'phone', 'телефон': 'phone', 'телефон ученика': 'phone', 'телефон учня': 'phone',
  email: 'email', 'e-mail': 'email', 'почта': 'email', 'эл. почта': 'email', 'пошта': 'email',
  status: 'status', 'статус': 'status', 'мәртебе': 'status',
  branch: 'branch', 'филиал': 'branch', 'філія': 'branch', 'филиал/branch': 'branch',
  parent_name: 'parent_name', parent: 'parent_name', 'родитель': 'parent_name', 'фио родителя': 'parent_name', 'батьки': 'parent_name', 'один з батьків': 'parent_name', 'ата-ана': 'parent_name', 'контакт': 'parent_name',
  parent_relation: 'parent_relation', relation: 'parent_relation', 'кем приходится': 'parent_relation', 'ким доводиться': 'parent_relation',
  parent_phone: 'parent_phone', 'телефон родителя': 'parent_phone', 'телефон батьків': 'parent_phone', 'ата-ана телефоны': 'parent_phone',
  parent_email: 'parent_email', 'почта родителя': 'parent_email', 'email родителя': 'parent_email', 'пошта батьків': 'parent_email',
  channel: 'channel', 'канал': 'channel', 'способ связи': 'channel', 'спосіб зв\'язку': 'channel',
  language: 'language', locale: 'language', 'язык': 'language', 'мова': 'language', 'тіл': 'language',
  note: 'note', notes: 'note', comment: 'note', 'заметка': 'note', 'комментарий': 'note', 'примітка': 'note', 'ескерту': 'note',
};
const STATUSES: Record<string, StudentInput['status']> = { active: 'active', 'учится': 'active', 'активный': 'active', 'навчається': 'active', trial: 'trial', 'пробный': 'trial', 'пробне': 'trial', paused: 'paused', 'пауза': 'paused', 'приостановлен': 'paused', left: 'left', 'ушёл': 'left', 'ушел': 'left', 'выбыл': 'left', 'пішов': 'left' };
const RELATIONS: Record<string, 'mother' | 'father' | 'guardian' | 'other' | 'self'> = { mother: 'mother', 'мама': 'mother', 'мать': 'mother', 'ана': 'mother', father: 'father', 'папа': 'father', 'отец': 'father', 'тато': 'father', 'әке': 'father', guardian: 'guardian', 'опекун': 'guardian', self: 'self', 'сам': 'self', 'сама': 'self' };
const CHANNELS: Record<string, 'sms' | 'whatsapp' | 'telegram' | 'email' | 'none'> = { sms: 'sms', 'смс': 'sms', whatsapp: 'whatsapp', 'ватсап': 'whatsapp', telegram: 'telegram', 'телеграм': 'telegram', email: 'email', 'почта': 'email', none: 'none', 'нет': 'none' };
const LANGS: Record<string, Locale> = { ru: 'ru', 'русский': 'ru', uk: 'uk', ua: 'uk', 'украинский': 'uk', 'українська': 'uk', kk: 'kk', kz: 'kk', 'казахский': 'kk', 'қазақ': 'kk', en: 'en', english: 'en', 'английский': 'en' };

export type RowProblem = FieldError & { row: number };
export type ImportReport = { rows: number; valid: number; imported: number; duplicates: number; problems: RowProblem[]; dryRun: boolean; mode: 'all' | 'valid' };

function text(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('text' in v && typeof v.text === 'string') return v.text.trim();
    if ('richText' in v) return v.richText.map((r) => r.text).join('').trim();
    if ('result' in v) return text(v.result as ExcelJS.CellValue);
    if ('hyperlink' in v) return String((v as { hyperlink: string }).hyperlink).replace(/^mailto:/, '');
  }
  return String(v).trim();
}

/** A date as people type it: 2015-02-01, 01.02.2015, 1/2/2015 (day first), or an Excel date. */
export function parseDay(v: string): string | null {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (m) return valid(m[1]!, m[2]!, m[3]!);
  m = /^(\d{1,2})[./](\d{1,2})[./](\d{4})$/.exec(v);
  if (m) return valid(m[3]!, m[2]!.padStart(2, '0'), m[1]!.padStart(2, '0'));
  return null;
}
function valid(y: string, mo: string, d: string): string | null {
  const s = `${y}-${mo}-${d}`;
  const t = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === s ? s : null;
}

type Parsed = { row: number; input: StudentInput; problems: RowProblem[] };

/** Reads the workbook into student inputs with their problems (nothing is written). */
export async function parseStudents(ctx: Pick<RequestContext, 'sql' | 'tenantId'>, file: Buffer): Promise<{ parsed: Parsed[]; headerProblems: RowProblem[] }> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(file as unknown as ArrayBuffer);
  } catch {
    return { parsed: [], headerProblems: [{ ...fieldProblem('file', 'FILE_NOT_XLSX', 'is not an Excel workbook (.xlsx)'), row: 0 }] };
  }
  const ws = wb.worksheets[0];
  if (!ws) return { parsed: [], headerProblems: [{ ...fieldProblem('file', 'FILE_EMPTY', 'has no sheet'), row: 0 }] };
  const customs = await ctx.sql<{ key: string; label: Record<string, string> }>('select key, label from school.custom_field where tenant_id = $1::uuid and not archived', [ctx.tenantId]);
  const branches = await ctx.sql<{ id: string; name: string }>('select id, name from school.branch where tenant_id = $1::uuid and not archived', [ctx.tenantId]);
  const header = ws.getRow(1);
  const cols = new Map<number, { column?: Column; custom?: string }>();
  header.eachCell((cell, i) => {
    const h = text(cell.value).toLowerCase().replace(/\s+/g, ' ').replace(/\*$/, '').trim();
    if (ALIASES[h]) cols.set(i, { column: ALIASES[h] });
    else {
      const cf = customs.find((c) => c.key === h || Object.values(c.label ?? {}).some((l) => l.toLowerCase() === h));
      if (cf) cols.set(i, { custom: cf.key });
    }
  });
  const headerProblems: RowProblem[] = [];
  if (![...cols.values()].some((c) => c.column === 'name')) headerProblems.push({ ...fieldProblem('name', 'COLUMN_MISSING', 'the sheet has no column with the student\'s name (ФИО / name)'), row: 1 });
  const parsed: Parsed[] = [];
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (rowNumber === 1) return;
    const get: Partial<Record<Column, string>> = {};
    const custom: Record<string, unknown> = {};
    cols.forEach((c, i) => {
      const raw = row.getCell(i).value;
      const v = text(raw);
      if (c.column) get[c.column] = v;
      else if (c.custom && v !== '') custom[c.custom] = raw instanceof Date ? raw.toISOString().slice(0, 10) : typeof raw === 'number' || typeof raw === 'boolean' ? raw : v;
    });
    if (!Object.values(get).some(Boolean) && !Object.keys(custom).length) return;
    const problems: RowProblem[] = [];
    const bad = (field: string, code: FieldCode, message: string, params?: Record<string, unknown>) => problems.push({ ...fieldProblem(field, code, message, params), row: rowNumber });
    if (!get.name) bad('name', 'required', 'is required');
    let birthDate: string | null = null;
    if (get.birth_date) {
      birthDate = parseDay(get.birth_date);
      if (!birthDate) bad('birth_date', 'DATE_INVALID', 'is not a date (YYYY-MM-DD or DD.MM.YYYY)', { value: get.birth_date });
    }
    const status = get.status ? STATUSES[get.status.toLowerCase()] : undefined;
    if (get.status && !status) bad('status', 'STATUS_INVALID', 'must be active, trial, paused or left', { value: get.status });
    let branchId: string | undefined;
    if (get.branch) {
      branchId = branches.find((b) => b.name.toLowerCase() === get.branch!.toLowerCase())?.id;
      if (!branchId) bad('branch', 'BRANCH_UNKNOWN', 'is not a branch of this centre', { value: get.branch });
    }
    if (get.email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(get.email)) bad('email', 'format', 'is not an e-mail address', { format: 'email' });
    if (get.parent_email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(get.parent_email)) bad('parent_email', 'format', 'is not an e-mail address', { format: 'email' });
    const relation = get.parent_relation ? RELATIONS[get.parent_relation.toLowerCase()] : undefined;
    const channel = get.channel ? CHANNELS[get.channel.toLowerCase()] : undefined;
    if (get.channel && !channel) bad('channel', 'CHANNEL_INVALID', 'must be sms, whatsapp, telegram, email or none', { value: get.channel });
    const locale = get.language ? LANGS[get.language.toLowerCase()] : undefined;
    if (get.language && !locale) bad('language', 'LANGUAGE_INVALID', 'must be ru, uk, kk or en', { value: get.language });
    const hasParent = !!(get.parent_name || get.parent_phone || get.parent_email);
    const input: StudentInput = {
      name: get.name || '—', birthDate, phone: get.phone || null, email: get.email || null, ...(status ? { status } : {}), ...(branchId ? { branchId } : {}), note: get.note || null, custom,
      contacts: hasParent ? [{
        name: get.parent_name || get.name || '—', relation: relation ?? 'other', phone: get.parent_phone || null, email: get.parent_email || null,
        preferredChannel: channel ?? (get.parent_phone ? 'sms' : get.parent_email ? 'email' : 'none'), locale: locale ?? 'ru', isPayer: true,
      }] : [],
    };
    parsed.push({ row: rowNumber, input, problems });
  });
  return { parsed, headerProblems };
}

const COLUMN_OF: Record<string, string> = { phone: 'phone', email: 'email', 'contacts.0.phone': 'parent_phone', 'contacts.0.email': 'parent_email', 'contacts.0.preferredChannel': 'channel', branchId: 'branch', discountId: 'discount' };

/** Checks every row (and duplicates by phone, in the file and among students), then writes per `mode`. */
export async function importStudents(ctx: Pick<RequestContext, 'sql' | 'tenantId' | 'user' | 'emit'>, file: Buffer, opts: { mode: 'all' | 'valid'; dryRun: boolean }): Promise<ImportReport> {
  const { parsed, headerProblems } = await parseStudents(ctx, file);
  const problems: RowProblem[] = [...headerProblems];
  const ready: { row: number; input: StudentInput; checked: Awaited<ReturnType<typeof checkStudent>> }[] = [];
  const seenPhones = new Map<string, number>();
  let duplicates = 0;
  for (const p of parsed) {
    const checked = await checkStudent(ctx, p.input);
    const rowProblems = [...p.problems, ...checked.problems.map((f) => ({ ...f, field: COLUMN_OF[f.field] ?? f.field.replace(/^custom\./, ''), row: p.row }))];
    // the student's own phone is theirs alone; a parent's may repeat (brothers and sisters)
    if (checked.phone && !rowProblems.length) {
      const earlier = seenPhones.get(checked.phone);
      const [known] = await ctx.sql('select 1 from school.student where tenant_id = $1::uuid and phone = $2::text limit 1', [ctx.tenantId, checked.phone]);
      if (earlier || known) {
        duplicates++;
        rowProblems.push({ ...fieldProblem('phone', 'DUPLICATE_STUDENT', earlier ? `repeats row ${earlier}` : 'belongs to a student already', earlier ? { row: earlier } : {}), row: p.row });
      } else seenPhones.set(checked.phone, p.row);
    }
    problems.push(...rowProblems);
    if (!rowProblems.length) ready.push({ row: p.row, input: p.input, checked });
  }
  const write = !opts.dryRun && (opts.mode === 'valid' || problems.length === 0) && !headerProblems.length;
  let imported = 0;
  if (write) {
    for (const r of ready) {
      await insertStudent(ctx, r.input, r.checked, { source: 'excel' });
      imported++;
    }
  }
  return { rows: parsed.length, valid: ready.length, imported, duplicates, problems: problems.sort((a, b) => a.row - b.row), dryRun: opts.dryRun, mode: opts.mode };
}

/** An empty workbook with the columns, named in the reader's language, for people to fill in. */
export async function importTemplate(locale: Locale, customs: { key: string; label: Record<string, string> }[]): Promise<Buffer> {
  const names: Record<Locale, string[]> = {
    ru: ['ФИО', 'Дата рождения', 'Телефон', 'Email', 'Статус', 'Филиал', 'Родитель', 'Кем приходится', 'Телефон родителя', 'Почта родителя', 'Канал', 'Язык', 'Заметка'],
    uk: ['ПІБ', 'Дата народження', 'Телефон', 'Email', 'Статус', 'Філія', 'Батьки', 'Ким доводиться', 'Телефон батьків', 'Пошта батьків', 'Канал', 'Мова', 'Примітка'],
    kk: ['Аты-жөні', 'Туған күні', 'Телефон', 'Email', 'Мәртебе', 'Филиал', 'Ата-ана', 'Relation', 'Ата-ана телефоны', 'Parent email', 'Канал', 'Тіл', 'Ескерту'],
    en: ['Name', 'Birth date', 'Phone', 'Email', 'Status', 'Branch', 'Parent', 'Relation', 'Parent phone', 'Parent email', 'Channel', 'Language', 'Note'],
  };
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Students');
  ws.addRow([...names[locale], ...customs.map((c) => c.label?.[locale] ?? c.label?.en ?? c.key)]).font = { bold: true };
  ws.columns.forEach((c) => { c.width = 20; });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
