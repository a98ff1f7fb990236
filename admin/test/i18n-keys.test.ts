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

describe('menu names', () => {
  it('no two menu items share a name in any language (the shell\'s and every plugin\'s)', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const plugins = path.resolve(import.meta.dirname, '../../plugins');
    const navOf = (m: Record<string, any>) => (m.ui?.contributions ?? []).filter((c: any) => c.slot === 'nav');
    const manifests = fs.readdirSync(plugins).filter((id) => fs.existsSync(path.join(plugins, id, 'atrium.plugin.json')))
      .map((id) => JSON.parse(fs.readFileSync(path.join(plugins, id, 'atrium.plugin.json'), 'utf8')));
    expect(manifests.flatMap(navOf).length).toBeGreaterThan(5);
    const shell = ['dashboard', 'plugins', 'users', 'roles', 'audit', 'jobs', 'devices', 'profile'];
    for (const [lang, m] of Object.entries({ en, ru, uk, kk })) {
      const names = [...shell.map((k) => (m.nav as Record<string, string>)[k]!), ...manifests.flatMap((p) => navOf(p).map((c: any) => c.label?.[lang] ?? c.label?.en))];
      const twice = names.filter((n, i) => names.indexOf(n) !== i);
      expect(twice, lang).toEqual([]);
    }
  });
});
