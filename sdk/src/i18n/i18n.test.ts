import { describe, expect, it } from 'vitest';
import { catalogKeys, formatMessage, localizeError, messageArguments, negotiateLocale, platformMessages, pseudoTemplate, pseudoText, Translator, untranslatedWords, LOCALES } from './index.ts';

const nbsp = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatMessage', () => {
  it('formats numbers, money, basis points and lists the reader’s way', () => {
    expect(nbsp(formatMessage('{n}', { n: 1098.26 }, 'ru'))).toBe('1 098,26');
    expect(formatMessage('{n}', { n: 1098.26 }, 'en')).toBe('1,098.26');
    expect(nbsp(formatMessage('{a, money}', { a: 109826, currency: 'KZT' }, 'ru'))).toBe('1 098,26 ₸');
    expect(nbsp(formatMessage('{a, money, UAH}', { a: 500 }, 'uk'))).toBe('5,00 ₴');
    expect(nbsp(formatMessage('{bp, bp}', { bp: 2590 }, 'ru'))).toBe('25,9 %');
    expect(formatMessage('{xs, list}', { xs: ['a', 'b', 'c'] }, 'ru')).toBe('a, b и c');
    expect(formatMessage('{xs, list, or}', { xs: ['a', 'b'] }, 'en')).toBe('a or b');
  });

  it('chooses plural forms per language (Russian one/few/many, exact =N first)', () => {
    const m = '{n, plural, =0 {нет} one {# участник} few {# участника} many {# участников} other {# участника}}';
    expect([0, 1, 2, 5, 21, 1.5].map((n) => formatMessage(m, { n }, 'ru'))).toEqual(['нет', '1 участник', '2 участника', '5 участников', '21 участник', '1,5 участника']);
    expect(formatMessage('{n, plural, one {# day} other {# days}}', { n: 1 }, 'en')).toBe('1 day');
  });

  it('selects, nests, and keeps a missing argument visible instead of failing', () => {
    const m = '{kind, select, printer {принтер {name}} other {{kind}}}';
    expect(formatMessage(m, { kind: 'printer', name: 'Epson' }, 'ru')).toBe('принтер Epson');
    expect(formatMessage(m, { kind: 'scale' }, 'ru')).toBe('scale');
    expect(formatMessage('Hello, {name}', {}, 'en')).toBe('Hello, {name}');
    expect(formatMessage('a { b', {}, 'en')).toBe('a { b');
    expect(messageArguments(m)).toEqual(['kind', 'name']);
  });

  it('formats dates in the tenant’s time zone', () => {
    const at = '2025-01-31T22:30:00Z';
    expect(formatMessage('{d, date}', { d: at }, 'ru', { timeZone: 'Asia/Almaty' })).toMatch(/^1 февр\. 2025/);
    expect(formatMessage('{d, date}', { d: at }, 'en', { timeZone: 'UTC' })).toBe('Jan 31, 2025');
  });
});

describe('negotiateLocale', () => {
  it('picks the best of our languages by quality, falling back to English', () => {
    expect(negotiateLocale('ru-RU,ru;q=0.9,en;q=0.8')).toBe('ru');
    expect(negotiateLocale('de-DE,uk;q=0.7,ru;q=0.5')).toBe('uk');
    expect(negotiateLocale('fr')).toBe('en');
    expect(negotiateLocale(undefined)).toBe('en');
    expect(negotiateLocale('qps')).toBe('qps');
  });
});

describe('localizeError', () => {
  const tr = new Translator(platformMessages, () => [
    { id: 'pos', displayName: { en: 'Point of sale', ru: 'Касса' }, messages: { en: { errors: { SKU_TAKEN: 'SKU {sku} is taken' } }, ru: { errors: { SKU_TAKEN: 'Артикул {sku} уже занят' }, permissions: { subjects: { 'pos.Sale': { name: 'Продажи' } }, actions: { void: 'Отмена' } } }, uk: {}, kk: {} } },
  ]);

  it('words an ajv validation in Russian field by field, and the summary with them', () => {
    const e = tr.localizeError({ code: 'VALIDATION_FAILED', message: 'Invalid input', fields: [
      { field: 'name', code: 'maxLength', params: { limit: 200 } },
      { field: 'email', code: 'format', params: { format: 'email' } },
      { field: 'sku', code: 'required' },
    ] }, 'ru');
    expect(e.fields!.map((f) => f.message)).toEqual(['Не длиннее 200 символов', 'Введите адрес e-mail', 'Обязательное поле']);
    expect(e.message).toBe('Проверьте введённые данные: name: Не длиннее 200 символов; email: Введите адрес e-mail; sku: Обязательное поле');
    expect(e.fields![0]).toMatchObject({ code: 'maxLength', params: { limit: 200 } });
  });

  it('asks the route’s plugin first and names subjects, actions and plugins in the reader’s words', () => {
    expect(tr.localizeError({ code: 'SKU_TAKEN', message: 'SKU MLK-1 is taken', details: { sku: 'MLK-1' } }, 'ru', 'pos').message).toBe('Артикул MLK-1 уже занят');
    expect(tr.localizeError({ code: 'FORBIDDEN', message: 'x', details: { action: 'void', subject: 'pos.Sale' } }, 'ru').message).toBe('Нет права на это действие: Отмена — Продажи');
    expect(tr.localizeError({ code: 'PLUGIN_DISABLED', message: 'x', details: { plugin: 'pos' } }, 'ru').message).toMatch(/^«Касса» выключен/);
    // the originals stay for programs
    expect(tr.localizeError({ code: 'FORBIDDEN', message: 'x', details: { action: 'void', subject: 'pos.Sale' } }, 'ru').details).toEqual({ action: 'void', subject: 'pos.Sale' });
  });

  it('uses the code’s plain wording when an argument is missing, and keeps what no catalog knows', () => {
    expect(tr.localizeError({ code: 'NOT_FOUND', message: 'Not found' }, 'uk').message).toBe('Не знайдено. Можливо, запис видалили.');
    expect(tr.localizeError({ code: 'SOMETHING_NEW', message: 'Raw English' }, 'ru').message).toBe('Raw English');
    // one code, two situations: someone else chosen (a user id) or the reader themself
    expect(tr.localizeError({ code: 'NOT_A_MEMBER', message: 'x', details: { field: 'teacherId', userId: 'u-1' } }, 'ru').message).toBe('Этот человек не состоит в компании');
    expect(tr.localizeError({ code: 'NOT_A_MEMBER', message: 'x' }, 'ru').message).toBe('Вы не состоите в этой компании');
  });

  it('marks catalog text in the pseudo-locale so unmarked text stands out', () => {
    const e = tr.localizeError({ code: 'SOMETHING_NEW', message: 'Raw English', fields: [{ field: 'x', code: 'required' }] }, 'qps');
    expect(e.fields![0]!.message).toBe(pseudoText('Required'));
    expect(untranslatedWords(e.fields![0]!.message!)).toEqual([]);
    expect(untranslatedWords(e.message)).toEqual(['Raw', 'English']);
    expect(localizeError({ code: 'X', message: 'm' }, 'en', () => tr.errorTexts('en')).message).toBe('m');
  });
});

describe('pseudo-locale', () => {
  it('keeps vue-i18n placeholders, linked keys and plural branches working', () => {
    expect(pseudoTemplate('Hello, {name}')).toBe('⟦Ĥéĺĺó, {name}⟧');
    expect(pseudoTemplate('no items | {n} item | {n} items')).toBe('⟦ñó íţéɱš⟧ | ⟦{n} íţéɱ⟧ | ⟦{n} íţéɱš⟧');
    expect(pseudoTemplate('@:common.save')).toBe('⟦@:common.save⟧');
    expect(untranslatedWords('⟦Šáṽé⟧ Cancel ⟦a ⟦b⟧ c⟧')).toEqual(['Cancel']);
  });
});

describe('the platform catalog', () => {
  for (const l of LOCALES.filter((x) => x !== 'en')) {
    it(`${l} has exactly the English keys, each with the same arguments`, () => {
      const en = catalogKeys(platformMessages.en);
      const other = catalogKeys(platformMessages[l]);
      expect([...other.keys()].sort()).toEqual([...en.keys()].sort());
      for (const [k, v] of en) {
        expect(other.get(k), k).not.toBe('');
        expect(messageArguments(other.get(k)!), k).toEqual(messageArguments(v));
      }
    });
  }
});

describe('JSON Schema keywords', () => {
  it('every keyword ajv reports has words in the platform catalog (field problems carry the keyword as their code)', () => {
    const keywords = ['required', 'additionalProperties', 'type', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum',
      'exclusiveMaximum', 'multipleOf', 'enum', 'const', 'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'dependentRequired',
      'propertyNames', 'not', 'contains', 'false schema', 'unevaluatedProperties', 'unevaluatedItems'];
    for (const l of LOCALES) for (const k of keywords) expect(platformMessages[l].fields?.[k], `${l} ${k}`).toBeTruthy();
  });
});
