import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { conditionFieldsOf, ruleConditionProblems } from './rule-conditions.ts';
import { validateManifest } from './validate-manifest.ts';

const sale = conditionFieldsOf({ id: 'uuid', soldBy: 'uuid', total: 'integer', status: 'string', soldAt: { type: 'timestamp', column: 'sold_at_utc' } });
const fieldsOf = (s: string) => (s === 'pos.Sale' ? sale : undefined);
const problems = (conditions: Record<string, unknown>, action: string | string[] = 'read', subject: string | string[] = 'pos.Sale') =>
  ruleConditionProblems([{ action, subject, conditions }], fieldsOf);

describe('which rule conditions a subject can enforce', () => {
  it('columns default to the field in snake_case', () => {
    expect(sale.soldBy).toEqual({ type: 'uuid', column: 'sold_by' });
    expect(sale.soldAt).toEqual({ type: 'timestamp', column: 'sold_at_utc' });
  });

  it('declared fields with values of their type pass, placeholders by what they become', () => {
    expect(problems({ soldBy: '${user.id}', status: { $in: ['completed', 'voided'] }, total: { $gte: 0, $lt: 1000 }, soldAt: { $gt: '2025-01-01T00:00:00Z' } })).toEqual([]);
    expect(problems({ soldBy: null, id: { $ne: null } })).toEqual([]);
    expect(problems({ status: '${user.email}' })).toEqual([]);
  });

  it('an undeclared field is named, with what is allowed', () => {
    expect(problems({ cashierName: 'Ann' })).toMatchObject([{ field: 'rules.0.conditions.cashierName', code: 'conditionField', message: 'pos.Sale cannot enforce conditions on "cashierName"; it allows id, soldBy, total, status, soldAt' }]);
  });

  it('a subject without condition fields (or "all") takes none', () => {
    expect(problems({ id: '7c1f9e0b-4a52-4d3e-9a51-6f1d2c3b4a59' }, 'read', 'pos.Report')[0]!.field).toBe('rules.0.conditions');
    expect(problems({ id: '7c1f9e0b-4a52-4d3e-9a51-6f1d2c3b4a59' }, 'read', 'all')[0]!.message).toMatch(/all cannot enforce/);
  });

  it('values of the wrong type and unknown placeholders are refused', () => {
    expect(problems({ soldBy: 'somebody' })).toEqual([{ field: 'rules.0.conditions.soldBy', code: 'conditionValue', params: { type: 'uuid' }, message: 'must be a UUID' }]);
    expect(problems({ soldBy: '${user.email}' })[0]!.message).toMatch(/is a string, the field is a uuid/);
    expect(problems({ soldBy: '${user.phone}' })[0]!.message).toMatch(/not a known placeholder/);
    expect(problems({ total: '5' })[0]!.field).toBe('rules.0.conditions.total');
    expect(problems({ status: { $in: ['ok', 5] } })[0]!.field).toBe('rules.0.conditions.status.$in.1');
  });

  it('operators CASL and SQL would not evaluate alike are refused', () => {
    expect(problems({ $or: [{ soldBy: '${user.id}' }] })[0]!.field).toBe('rules.0.conditions.$or');
    expect(problems({ status: { $regex: '^c' } })[0]!.field).toBe('rules.0.conditions.status.$regex');
    expect(problems({ soldBy: { $exists: true } })[0]!.field).toBe('rules.0.conditions.soldBy.$exists');
    expect(problems({ soldBy: { $gt: '7c1f9e0b-4a52-4d3e-9a51-6f1d2c3b4a59' } })[0]!.message).toMatch(/cannot be compared/);
  });

  it('create and manage cannot carry conditions: a new row has nothing stored to test', () => {
    expect(problems({ soldBy: '${user.id}' }, ['read', 'create'])[0]).toMatchObject({ field: 'rules.0.conditions', message: expect.stringMatching(/cannot restrict create/) });
    expect(problems({ soldBy: '${user.id}' }, 'manage')[0]!.message).toMatch(/the actions one by one/);
  });

  it('first-party manifests declare what their default grants use', () => {
    const root = path.resolve(import.meta.dirname, '../../../plugins');
    for (const d of fs.readdirSync(root).filter((x) => fs.existsSync(path.join(root, x, 'atrium.plugin.json')))) {
      expect(() => validateManifest(JSON.parse(fs.readFileSync(path.join(root, d, 'atrium.plugin.json'), 'utf8'))), d).not.toThrow();
    }
  });

  it('a manifest whose default grant tests an undeclared field is invalid, naming the grant', () => {
    const notes = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../../plugins/notes/atrium.plugin.json'), 'utf8'));
    notes.permissions.grants.staff[1].conditions = { editorId: '${user.id}' };
    expect(() => validateManifest(notes)).toThrow(/permissions\.grants\.staff\.1\.conditions\.editorId notes\.Note cannot enforce conditions on "editorId"/);
  });
});
