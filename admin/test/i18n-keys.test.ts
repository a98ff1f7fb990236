import { describe, expect, it } from 'vitest';
import en from '../src/i18n/messages/en.ts';
import kk from '../src/i18n/messages/kk.ts';
import ru from '../src/i18n/messages/ru.ts';
import uk from '../src/i18n/messages/uk.ts';

const keys = (o: object, prefix = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const get = (o: object, path: string) => path.split('.').reduce<unknown>((a, k) => (a as Record<string, unknown>)[k], o) as string;

describe('shell messages', () => {
  for (const [name, m] of Object.entries({ ru, uk, kk })) {
    it(`${name} has exactly the English keys and placeholders, and no empty strings`, () => {
      expect(keys(m).sort()).toEqual(keys(en).sort());
      for (const k of keys(en)) {
        expect(get(m, k), k).not.toBe('');
        expect(placeholders(get(m, k)), k).toEqual(placeholders(get(en, k)));
      }
    });
  }
});

describe('dates on the business\'s clock', () => {
  it('a moment reads in the tenant\'s time zone, not the browser\'s', async () => {
    const { formatDate, setBusinessTimeZone } = await import('../src/i18n/format.ts');
    const { i18n } = await import('../src/i18n/index.ts');
    i18n.global.locale.value = 'ru';
    setBusinessTimeZone('Asia/Almaty');
    expect(formatDate('2026-03-01T20:30:00Z', 'time')).toBe('01:30');
    expect(formatDate('2026-03-01T20:30:00Z', 'date')).toMatch(/^2 мар/);
    setBusinessTimeZone('America/New_York');
    expect(formatDate('2026-03-01T20:30:00Z', 'time')).toBe('15:30');
    setBusinessTimeZone('Not/AZone');
    expect(() => formatDate('2026-03-01T20:30:00Z')).not.toThrow();
    setBusinessTimeZone(null);
  });
});
