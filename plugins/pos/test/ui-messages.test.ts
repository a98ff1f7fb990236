import { describe, expect, it } from 'vitest';
import messages from '../ui/src/messages.ts';

// Every label the POS UI shows exists in all four languages (a missing Kazakh key would show the
// raw key or fall back to English at the till) and no placeholder is lost in translation.
function flatten(o: Record<string, unknown>, prefix = ''): Record<string, string> {
  return Object.fromEntries(Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? Object.entries(flatten(v as Record<string, unknown>, `${prefix}${k}.`)) : [[`${prefix}${k}`, String(v)]])));
}

describe('POS UI messages', () => {
  const en = flatten(messages.en);
  for (const locale of ['ru', 'uk', 'kk'] as const) {
    it(`${locale} has every key with the same placeholders and no empty text`, () => {
      const other = flatten(messages[locale]);
      expect(Object.keys(other).sort()).toEqual(Object.keys(en).sort());
      for (const [k, v] of Object.entries(en)) {
        const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        expect(names(other[k]), `${locale}.${k}`).toEqual(names(v));
        expect(other[k].trim(), `${locale}.${k}`).not.toBe('');
        // vue-i18n reads | as plural forms and @ as a link: neither may slip into plain text
        expect(/[|@]/.test(other[k]), `${locale}.${k}`).toBe(false);
      }
    });
  }
});
