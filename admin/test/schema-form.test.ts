import { describe, expect, it } from 'vitest';
import { fieldsOf, formProblems, fromModel, rulesFor, secretEntryField, toModel } from '../src/components/schema-form/schema.ts';
import type { JsonSchema } from '../src/api/types.ts';
import { toRows, toRules } from '../src/pages/roles/rule-rows.ts';
import { applyMatrixLine, matrixLine, ownField } from '../src/pages/roles/role-matrix.ts';
import { diffRows } from '../src/components/diff-rows.ts';

const schema: JsonSchema = {
  type: 'object',
  required: ['apiKey', 'currency'],
  properties: {
    apiKey: { type: 'string' },
    currency: { type: 'string', enum: ['KZT', 'USD'] },
    retries: { type: 'integer', minimum: 0, maximum: 5 },
    sandbox: { type: 'boolean', default: true },
    webhook: { type: 'object', properties: { url: { type: 'string', format: 'uri' }, secret: { type: 'string' } } },
    tags: { type: 'array', items: { type: 'string' } },
  },
};

describe('settings form from JSON Schema', () => {
  const fields = fieldsOf(schema, ['apiKey']);
  it('maps schema types to field kinds', () => {
    expect(Object.fromEntries(fields.map((f) => [f.key, f.kind]))).toEqual({
      apiKey: 'secret', currency: 'select', retries: 'number', sandbox: 'boolean', webhook: 'object', tags: 'tags',
    });
  });
  it('never shows secrets and omits untouched ones from the payload', () => {
    const model = toModel(fields, { apiKey: null, currency: 'KZT', retries: 2, webhook: { url: 'https://x', secret: 'plain-nested' } });
    expect(model.apiKey).toBe('');
    expect(fromModel(fields, model)).toEqual({ currency: 'KZT', retries: 2, sandbox: true, webhook: { url: 'https://x', secret: 'plain-nested' }, tags: [] });
    model.apiKey = 'new-secret';
    expect(fromModel(fields, model).apiKey).toBe('new-secret');
    model.apiKey = '   ';
    expect('apiKey' in fromModel(fields, model)).toBe(false);
  });
  it('a required secret that is already set may stay empty', () => {
    const apiKey = fields.find((f) => f.key === 'apiKey')!;
    expect(rulesFor(apiKey, true).map((r) => r(''))).toEqual([]);
    expect(rulesFor(apiKey, false)[0]!('')).not.toBe(true);
  });
  it('checks number bounds', () => {
    const retries = fields.find((f) => f.key === 'retries')!;
    expect(rulesFor(retries, false).every((r) => r(3) === true)).toBe(true);
    expect(rulesFor(retries, false).some((r) => r(9) !== true)).toBe(true);
  });
});

// The shape GET /api/plugins/payments-stripe answers (its manifest, settings.secrets, and what
// kernel/src/services/plugins.service.ts view() makes of a stored row).
const stripe = {
  settingsSchema: {
    type: 'object',
    required: ['secretKey', 'webhookSecrets'],
    properties: {
      mode: { enum: ['test', 'live'], default: 'test' },
      secretKey: { type: 'string', pattern: '^(sk|rk)_', minLength: 8 },
      webhookSecrets: { type: 'array', items: { type: 'string', minLength: 8 }, minItems: 1, maxItems: 5 },
      webhookToleranceSeconds: { type: 'integer', minimum: 0, maximum: 3600, default: 300 },
      successUrl: { type: 'string', pattern: '^https?://' },
    },
  } as JsonSchema,
  secretFields: ['secretKey', 'webhookSecrets'],
  secretsSet: ['secretKey', 'webhookSecrets'],
  settings: { mode: 'live', successUrl: 'https://shop.example/ok', secretKey: null, webhookSecrets: null },
};

describe('plugin settings: secrets come from the kernel\'s secretFields', () => {
  const fields = fieldsOf(stripe.settingsSchema, stripe.secretFields);
  const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));

  it('secretFields decide, with no marker in the schema; a list of secrets gets its own editor', () => {
    expect(byKey.secretKey!.kind).toBe('secret');
    expect(byKey.webhookSecrets!.kind).toBe('secretList');
    expect(byKey.successUrl!.kind).toBe('text');
  });

  it('schema markers alone do not make a field secret (the kernel stores it in plain text; hiding it would drop it on save)', () => {
    const marked = fieldsOf({ type: 'object', properties: { token: { type: 'string', writeOnly: true }, pin: { type: 'string', 'x-secret': true, format: 'password' } } }, []);
    expect(marked.map((f) => f.kind)).toEqual(['text', 'text']);
    const m = toModel(marked, { token: 'plain-1', pin: '1234' });
    expect(fromModel(marked, m)).toEqual({ token: 'plain-1', pin: '1234' });
  });

  it('secrets are never pre-filled, and the form with nothing typed omits them (kept server side), never sending []', () => {
    const model = toModel(fields, { ...stripe.settings, secretKey: 'sk_should_never_show', webhookSecrets: ['whsec_should_never_show'] });
    expect(model.secretKey).toBe('');
    expect(model.webhookSecrets).toEqual([]);
    const payload = fromModel(fields, model);
    expect(payload).toEqual({ mode: 'live', webhookToleranceSeconds: 300, successUrl: 'https://shop.example/ok' });
    expect(JSON.stringify(payload)).not.toContain('never_show');
    expect(formProblems(fields, model, stripe.secretsSet)).toEqual({});
  });

  it('a typed secret is sent; typed list entries replace the list (blank entries dropped) — rotation', () => {
    const model = toModel(fields, stripe.settings);
    model.secretKey = 'sk_live_new_key';
    (model.webhookSecrets as string[]).push('whsec_new_secret', '', 'whsec_old_still_in_use');
    const payload = fromModel(fields, model);
    expect(payload.secretKey).toBe('sk_live_new_key');
    expect(payload.webhookSecrets).toEqual(['whsec_new_secret', 'whsec_old_still_in_use']);
    // removing the old one later: only the new one is typed
    (model.webhookSecrets as string[]).splice(1);
    expect(fromModel(fields, model).webhookSecrets).toEqual(['whsec_new_secret']);
    // only blank entries: nothing typed, the stored list is kept
    model.webhookSecrets = ['', '  '];
    expect('webhookSecrets' in fromModel(fields, model)).toBe(false);
  });

  it('a list of secrets is checked as a whole: required when nothing is stored, min/max items once typed', () => {
    const fresh = toModel(fields, {});
    expect(Object.keys(formProblems(fields, fresh, []))).toEqual(['webhookSecrets']);
    expect(formProblems(fields, fresh, ['webhookSecrets'])).toEqual({});
    const tight = fieldsOf({ type: 'object', properties: { keys: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 3 } } }, ['keys']);
    const m = toModel(tight, {});
    m.keys = ['a-secret-1'];
    expect(formProblems(tight, m, ['keys']).keys).toBeTruthy();
    m.keys = ['a-secret-1', 'a-secret-2'];
    expect(formProblems(tight, m, ['keys'])).toEqual({});
    m.keys = ['1', '2', '3', '4'];
    expect(formProblems(tight, m, ['keys']).keys).toBeTruthy();
  });

  it('each entry is checked against the items schema; an empty entry is allowed (ignored)', () => {
    const entry = secretEntryField(byKey.webhookSecrets!, 1);
    expect(entry.path).toEqual(['webhookSecrets', '1']);
    const rules = rulesFor(entry, false);
    expect(rules.every((r) => r('whsec_long_enough') === true)).toBe(true);
    expect(rules.some((r) => r('short') !== true)).toBe(true);
    expect(rules.every((r) => r('') === true)).toBe(true);
  });

  it('the secret key is checked by its schema when typed, and may stay empty once stored', () => {
    const rulesStored = rulesFor(byKey.secretKey!, true);
    expect(rulesStored.every((r) => r('') === true)).toBe(true);
    expect(rulesStored.some((r) => r('pk_wrong_kind') !== true)).toBe(true);
    expect(rulesStored.every((r) => r('sk_test_12345') === true)).toBe(true);
  });
});

describe('role rules <-> editor rows', () => {
  it('round-trips rules with conditions, fields and inversion', () => {
    const rules = [
      { action: ['update', 'delete'], subject: 'notes.Note', conditions: { authorId: '${user.id}' } },
      { action: 'read', subject: 'kernel.Audit', fields: ['action'] },
      { action: 'delete', subject: 'kernel.Role', inverted: true },
    ];
    expect(toRules(toRows(rules))).toEqual(rules);
  });
});

describe('audit diff', () => {
  it('understands before/after and [before, after] shapes', () => {
    expect(diffRows({ before: { title: 'a', body: 'x' }, after: { title: 'b', body: 'x' } })).toEqual([{ field: 'title', before: 'a', after: 'b' }]);
    expect(diffRows({ title: ['a', 'b'] })).toEqual([{ field: 'title', before: 'a', after: 'b' }]);
    expect(diffRows({ weird: 1 })).toBeNull();
  });
});

describe('plugin settings in the reader\'s words and units', () => {
  // the shape of POS's settings: money in minor units, basis points, an enum, a nested object
  const pos: JsonSchema = {
    type: 'object',
    properties: {
      cashierRefundLimit: { type: 'integer', minimum: 0, 'x-unit': 'money', description: 'Largest return (minor units)' },
      loyaltyEarnBp: { type: 'integer', minimum: 0, maximum: 10000, 'x-unit': 'bp' },
      fiscalMode: { type: 'string', enum: ['off', 'hook'] },
      graceMinutes: { type: 'integer' },
      discountLimits: { type: 'object', properties: { default: { type: 'integer', minimum: 0, maximum: 10000, 'x-unit': 'bp' } } },
    },
  };
  const ru = {
    cashierRefundLimit: { title: 'Наибольший возврат без менеджера', description: 'Для возвратов больше нужно право' },
    loyaltyEarnBp: { title: 'Начисление бонусных баллов' },
    fiscalMode: { title: 'Фискальные чеки', enum: { off: 'Выключены', hook: 'Через плагин' } },
    graceMinutes: { title: 'Отсрочка', unit: 'мин' },
    'discountLimits.default': { title: 'Для всех' },
  };

  it('titles, descriptions, enum labels and units come from the catalog, nested keys by dotted path; the key is the last resort', () => {
    const fields = fieldsOf(pos, [], [], { words: ru, currency: 'KZT' });
    const by = Object.fromEntries(fields.map((f) => [f.key, f]));
    expect(by.cashierRefundLimit!.label).toBe('Наибольший возврат без менеджера');
    expect(by.cashierRefundLimit!.description).toBe('Для возвратов больше нужно право');
    expect(by.fiscalMode!.enumLabels).toEqual({ off: 'Выключены', hook: 'Через плагин' });
    expect(by.graceMinutes!.suffix).toBe('мин');
    expect(by.discountLimits!.children![0]!.label).toBe('Для всех');
    expect(fieldsOf(pos)[0]!.label).toBe('Cashier Refund Limit');
  });

  it('money is edited in major units of the currency and basis points as percent; the payload is minor units and bp again', () => {
    const fields = fieldsOf(pos, [], [], { words: ru, currency: 'KZT' });
    const by = Object.fromEntries(fields.map((f) => [f.key, f]));
    expect(by.cashierRefundLimit!.suffix).toBe('KZT');
    expect(by.loyaltyEarnBp!.suffix).toBe('%');
    const model = toModel(fields, { cashierRefundLimit: 2_000_000, loyaltyEarnBp: 150, discountLimits: { default: 1000 } });
    expect(model).toMatchObject({ cashierRefundLimit: 20_000, loyaltyEarnBp: 1.5, discountLimits: { default: 10 } });
    model.cashierRefundLimit = '1098.26';
    model.loyaltyEarnBp = '2.5';
    expect(fromModel(fields, model)).toMatchObject({ cashierRefundLimit: 109_826, loyaltyEarnBp: 250, discountLimits: { default: 1000 } });
    // the limits read in the same units: at most 100 %, not 10000
    const bp = rulesFor(by.loyaltyEarnBp!, false);
    expect(bp.map((r) => r('100')).every((x) => x === true)).toBe(true);
    expect(bp.some((r) => r('100.5') !== true)).toBe(true);
    // a currency without minor units (JPY) is not divided
    expect(toModel(fieldsOf(pos, [], [], { currency: 'JPY' }), { cashierRefundLimit: 500 }).cashierRefundLimit).toBe(500);
  });
});

describe('roles in plain words (the matrix) over the same rules', () => {
  const sale = { subject: 'pos.Sale', actions: ['read', 'create', 'void'], plugin: 'pos', conditions: { id: 'uuid', soldBy: 'uuid', storeId: 'uuid' } };
  const store = { subject: 'kernel.Store', actions: ['read', 'create', 'update', 'delete'], plugin: 'kernel' };

  it('ticks become one rule per subject; "only their own" is the condition on the subject\'s user field', () => {
    let rows = applyMatrixLine([], store, { actions: ['read'], scope: 'all' });
    rows = applyMatrixLine(rows, sale, { actions: ['read', 'void'], scope: 'own' });
    expect(toRules(rows)).toEqual([
      { action: 'read', subject: 'kernel.Store' },
      { action: ['read', 'void'], subject: 'pos.Sale', conditions: { soldBy: '${user.id}' } },
    ]);
    expect(matrixLine(rows, sale)).toEqual({ actions: ['read', 'void'], scope: 'own' });
    // unticking the last action removes the rule
    expect(toRules(applyMatrixLine(rows, store, { actions: [], scope: 'all' }))).toEqual([{ action: ['read', 'void'], subject: 'pos.Sale', conditions: { soldBy: '${user.id}' } }]);
    expect(ownField(store)).toBeUndefined();
  });

  it('rules it cannot say (a "cannot", chosen fields, other conditions) are kept as they are', () => {
    const expert = toRows([
      { action: 'void', subject: 'pos.Sale', inverted: true },
      { action: 'read', subject: 'pos.Sale', conditions: { storeId: 'x' } },
      { action: 'read', subject: 'pos.Sale' },
    ]);
    expect(matrixLine(expert, sale)).toEqual({ actions: ['read'], scope: 'all' });
    const after = toRules(applyMatrixLine(expert, sale, { actions: ['read', 'create'], scope: 'all' }));
    expect(after).toEqual([
      { action: 'void', subject: 'pos.Sale', inverted: true },
      { action: 'read', subject: 'pos.Sale', conditions: { storeId: 'x' } },
      { action: ['read', 'create'], subject: 'pos.Sale' },
    ]);
  });
});
