import { describe, expect, it } from 'vitest';
import { fieldsOf, fromModel, rulesFor, toModel } from '../src/components/schema-form/schema.ts';
import type { JsonSchema } from '../src/api/types.ts';
import { toRows, toRules } from '../src/pages/roles/rule-rows.ts';
import { diffRows } from '../src/components/diff-rows.ts';

const schema: JsonSchema = {
  type: 'object',
  required: ['apiKey', 'currency'],
  properties: {
    apiKey: { type: 'string', writeOnly: true },
    currency: { type: 'string', enum: ['KZT', 'USD'] },
    retries: { type: 'integer', minimum: 0, maximum: 5 },
    sandbox: { type: 'boolean', default: true },
    webhook: { type: 'object', properties: { url: { type: 'string', format: 'uri' }, secret: { type: 'string', 'x-secret': true } } },
    tags: { type: 'array', items: { type: 'string' } },
  },
};

describe('settings form from JSON Schema', () => {
  const fields = fieldsOf(schema);
  it('maps schema types to field kinds', () => {
    expect(Object.fromEntries(fields.map((f) => [f.key, f.kind]))).toEqual({
      apiKey: 'secret', currency: 'select', retries: 'number', sandbox: 'boolean', webhook: 'object', tags: 'tags',
    });
  });
  it('never shows secrets and omits untouched ones from the payload', () => {
    const model = toModel(fields, { apiKey: null, currency: 'KZT', retries: 2, webhook: { url: 'https://x', secret: null } });
    expect(model.apiKey).toBe('');
    expect(fromModel(fields, model)).toEqual({ currency: 'KZT', retries: 2, sandbox: true, webhook: { url: 'https://x' }, tags: [] });
    (model.webhook as Record<string, unknown>).secret = 'new-secret';
    expect((fromModel(fields, model).webhook as Record<string, unknown>).secret).toBe('new-secret');
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
