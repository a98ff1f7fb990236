import crypto from 'node:crypto';

/**
 * How AlfaCRM's values become ours (pure, tested on their own): its dates come as `YYYY-MM-DD` or
 * `DD.MM.YYYY`, its times as `YYYY-MM-DD HH:MM:SS` on the centre's clock, money as decimal numbers
 * of the currency, phones and e-mails as lists, flags as 0/1.
 */

export function alfaDate(v: unknown): string | null {
  if (typeof v !== 'string' || !v.trim()) return null;
  const s = v.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(s);
  if (m) return `${m[3]}-${m[2]}-${m[1]}`;
  return null;
}

/** `YYYY-MM-DD HH:MM[:SS]` → its date and `HH:MM` (wall-clock time of the centre). */
export function alfaDateTime(v: unknown): { date: string; time: string } | null {
  if (typeof v !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})/.exec(v.trim());
  return m ? { date: m[1]!, time: `${m[2]}:${m[3]}` } : null;
}

/** `HH:MM[:SS]` → `HH:MM`. */
export function alfaTime(v: unknown): string | null {
  const m = typeof v === 'string' ? /^(\d{1,2}):(\d{2})/.exec(v.trim()) : null;
  return m ? `${m[1]!.padStart(2, '0')}:${m[2]}` : null;
}

export const minutesBetween = (from: string, to: string) => {
  const [a, b] = [from, to].map((t) => t.split(':').map(Number) as [number, number]);
  return b[0] * 60 + b[1] - (a[0] * 60 + a[1]);
};

/** Decimal money of the currency → integer minor units (15000.5 KZT → 1500050). */
export function toMinor(v: unknown, digits: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.replace(',', '.').replace(/\s/g, '')) : NaN;
  return Number.isFinite(n) ? Math.round(n * 10 ** digits) : 0;
}

export const first = <T>(v: unknown): T | null => (Array.isArray(v) && v.length ? (v[0] as T) : null);
export const ids = (v: unknown): number[] => (Array.isArray(v) ? v.map(Number).filter((n) => Number.isInteger(n) && n > 0) : []);
export const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : null);

/** The payment method an AlfaCRM pay account stands for, by its name (Касса → cash, Терминал → card). */
export function methodOfAccount(name: string | null | undefined): 'cash' | 'card' | 'transfer' {
  const n = (name ?? '').toLowerCase();
  if (/касс|нал|cash|қолма/.test(n)) return 'cash';
  if (/терминал|карт|card|kaspi|pos|эквайр/.test(n)) return 'card';
  return 'transfer';
}

/** AlfaCRM lesson type (1 individual, 2 group, 3 trial) and group ids → our kind. */
export function lessonKindOf(typeOfLessonType: number | null, groupIds: number[]): 'group' | 'individual' | 'trial' {
  if (groupIds.length) return 'group';
  return typeOfLessonType === 3 ? 'trial' : 'individual';
}

/** A lesson's attendance detail → our mark: came; did not, with a reason (excused) or without. */
export function markOf(d: { is_attend?: unknown; reason_id?: unknown }): 'attended' | 'excused' | 'unexcused' {
  if (Number(d.is_attend) === 1) return 'attended';
  return d.reason_id ? 'excused' : 'unexcused';
}

/** The status AlfaCRM gives a lesson (1 planned, 2 canceled, 3 held). */
export const lessonStatusOf = (v: unknown): 'planned' | 'canceled' | 'done' => (Number(v) === 3 ? 'done' : Number(v) === 2 ? 'canceled' : 'planned');

/** What we keep of a record, hashed: the same hash on a re-run means nothing changed there. */
export function hashOf(v: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(v, (_k, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x))).digest('hex');
}

/** The custom fields of an AlfaCRM customer (`custom_*`), by our key. */
export function customOf(r: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(r)) {
    const key = /^custom_([a-z0-9_]+)$/i.exec(k)?.[1]?.toLowerCase();
    const val = str(v);
    if (key && val && /^[a-z][a-z0-9_]*$/.test(key)) out[key] = val.slice(0, 1000);
  }
  return out;
}
