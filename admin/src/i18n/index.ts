import { createI18n } from 'vue-i18n';
import type { Locale, LocalizedText } from '../api/types.ts';
import en from './messages/en.ts';
import kk from './messages/kk.ts';
import ru from './messages/ru.ts';
import uk from './messages/uk.ts';

export const LOCALES: { code: Locale; label: string; intl: string }[] = [
  { code: 'ru', label: 'Русский', intl: 'ru-RU' },
  { code: 'uk', label: 'Українська', intl: 'uk-UA' },
  { code: 'kk', label: 'Қазақша', intl: 'kk-KZ' },
  { code: 'en', label: 'English', intl: 'en-US' },
];
const STORAGE_KEY = 'atrium.locale';

function initialLocale(): Locale {
  const known = (l: string | null | undefined): Locale | undefined =>
    LOCALES.find((x) => x.code === l?.slice(0, 2).toLowerCase())?.code;
  let saved: string | null = null;
  try {
    saved = globalThis.localStorage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    /* no storage */
  }
  return known(saved) ?? known(globalThis.navigator?.language) ?? 'en';
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en',
  messages: { en, ru, uk, kk },
  missingWarn: false,
  fallbackWarn: false,
});

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale;
}

export function persistLocale(l: Locale) {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, l);
  } catch {
    /* no storage */
  }
}

/** Picks the current locale's text out of a server-provided {en, ru, …} object. */
export function localized(text: LocalizedText | string | undefined, fallback = ''): string {
  if (!text) return fallback;
  if (typeof text === 'string') return text;
  return text[currentLocale()] ?? text.en ?? Object.values(text).find(Boolean) ?? fallback;
}

/** Plugin bundles bring their messages; they live under the plugin id (t('notes.title')). */
export function mergePluginMessages(pluginId: string, messages: Record<string, Record<string, unknown>> | undefined) {
  if (!messages) return;
  for (const [locale, m] of Object.entries(messages)) {
    i18n.global.mergeLocaleMessage(locale, { [pluginId]: m });
  }
}
