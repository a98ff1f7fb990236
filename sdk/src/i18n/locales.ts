/** The languages every user-facing word exists in. `en` is the fallback. */
export const LOCALES = ['en', 'ru', 'uk', 'kk'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * A pseudo-locale for tests (not offered to users): English text with accented letters inside
 * ⟦ ⟧. A screen shown in it that still has plain Latin words shows text that never went through a
 * message catalog — an untranslated string.
 */
export const PSEUDO_LOCALE = 'qps';
export type RenderLocale = Locale | typeof PSEUDO_LOCALE;

/** The BCP 47 tag Intl gets for each locale (the pseudo-locale formats like Russian: no Latin month names). */
export const INTL_TAG: Record<RenderLocale, string> = { en: 'en-US', ru: 'ru-RU', uk: 'uk-UA', kk: 'kk-KZ', qps: 'ru-RU' };

export const isLocale = (v: unknown): v is Locale => typeof v === 'string' && (LOCALES as readonly string[]).includes(v);

/**
 * The best of our locales for an Accept-Language header (`ru-RU,ru;q=0.9,en;q=0.8`), by quality;
 * `qps` only when asked for by name. Falls back to `en`.
 */
export function negotiateLocale(header: string | null | undefined): RenderLocale {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...opts] = part.trim().split(';');
      const q = opts.map((o) => /^\s*q=([\d.]+)\s*$/.exec(o)?.[1]).find(Boolean);
      return { tag: (tag ?? '').trim().toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    if (tag === PSEUDO_LOCALE) return PSEUDO_LOCALE;
    const base = tag.split('-')[0];
    if (isLocale(base)) return base;
  }
  return 'en';
}
