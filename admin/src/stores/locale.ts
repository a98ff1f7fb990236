import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Locale } from '../api/types.ts';
import { currentLocale, i18n, persistLocale } from '../i18n/index.ts';
import { applyQuasarLang } from '../i18n/quasar-lang.ts';

export const useLocaleStore = defineStore('locale', () => {
  const locale = ref<Locale>(currentLocale());

  async function set(l: Locale) {
    i18n.global.locale.value = l;
    locale.value = l;
    persistLocale(l);
    if (typeof document !== 'undefined') document.documentElement.lang = l;
    await applyQuasarLang(l);
  }

  return { locale, set };
});
