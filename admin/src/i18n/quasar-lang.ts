import { Lang } from 'quasar';
import type { Locale } from '../api/types.ts';

// Quasar's own strings (table pagination, date picker) follow the shell's language.
// Loaded on demand so a Russian user does not download the other packs.
const packs: Record<Locale, () => Promise<{ default: unknown }>> = {
  en: () => import('quasar/lang/en-US.js'),
  ru: () => import('quasar/lang/ru.js'),
  uk: () => import('quasar/lang/uk.js'),
  kk: () => import('quasar/lang/kk.js'),
};

export async function applyQuasarLang(locale: Locale) {
  const mod = await packs[locale]();
  Lang.set(mod.default as Parameters<typeof Lang.set>[0]);
}
