/**
 * The shop's clock as Intl formats it, one `Intl.DateTimeFormat` per kind and zone, made once:
 * making one costs far more than using it (measured on the shared 2-core box: ~180 µs to make,
 * ~25 µs to format), and a sale used to make two. A name that is no zone throws a RangeError and
 * is not kept. Shared by the server and the offline till (through pricing.ts).
 */
const KINDS = {
  /** Weekday, date and minutes (promotions' hours and days). */
  clock: ['en-US', { year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }],
  /** Date and minutes as a receipt prints them. */
  stamp: ['en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }],
} satisfies Record<string, [string, Intl.DateTimeFormatOptions]>;

const made = new Map<string, Intl.DateTimeFormat>();

export function zoneFormat(kind: keyof typeof KINDS, timeZone: string): Intl.DateTimeFormat {
  const key = `${kind}|${timeZone}`;
  let f = made.get(key);
  if (!f) {
    const [locale, opts] = KINDS[kind];
    f = new Intl.DateTimeFormat(locale, { ...opts, timeZone });
    made.set(key, f);
  }
  return f;
}

/** `at` on the clock of `timeZone`, as `{ year, month, day, weekday?, hour, minute }` strings. */
export function zoneParts(kind: keyof typeof KINDS, timeZone: string, at: Date): Record<string, string> {
  return Object.fromEntries(zoneFormat(kind, timeZone).formatToParts(at).map((p) => [p.type, p.value]));
}
