import { createMongoAbility as createAbility7 } from 'casl-ability-7';
import { packRules as packRules7 } from 'casl-ability-7/extra';
import { describe, expect, it } from 'vitest';
import { ability, setRules, toRules } from '../src/stores/ability.ts';

// The kernel packs rules with @casl/ability 7; the admin unpacks with 6.8 (the peer @casl/vue 2.2
// declares). The packed format must mean the same rules on both sides.
const rules = [
  { action: 'manage', subject: 'notes.Note' },
  { action: ['read', 'create'], subject: 'kernel.User' },
  { action: ['update', 'delete'], subject: 'notes.Note', conditions: { authorId: 'u1' } },
  { action: 'read', subject: ['kernel.Audit', 'kernel.Job'], fields: ['action', 'at'] },
  { action: 'delete', subject: 'kernel.Role', inverted: true, reason: 'built-in' },
  { action: 'update', subject: 'school.Lesson', conditions: { teacherId: { $in: ['u1', 'u2'] }, hours: { $lte: 4 } } },
];

describe('CASL packed rules across major versions', () => {
  it('unpacks v7-packed rules to the same raw rules', () => {
    const packed = packRules7(rules as never);
    // unpackRules always returns arrays for action/subject and an explicit inverted flag:
    // the same rule for CASL, so compare in that canonical form.
    const arr = (v: unknown) => (Array.isArray(v) ? v : [v]);
    const normalize = (rs: object[]) =>
      rs.map((r) => {
        const o = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined && v !== false && v !== 0 && v !== ''));
        return { ...o, action: arr(o.action), subject: arr(o.subject) };
      });
    expect(normalize(toRules(packed as unknown[]))).toEqual(normalize(rules));
  });

  it('gives the same decisions as a v7 ability built from the same rules', () => {
    const packed = packRules7(rules as never);
    setRules(packed as unknown[]);
    const v7 = createAbility7(rules as never);
    const checks: [string, string, Record<string, unknown>?][] = [
      ['read', 'notes.Note'], ['update', 'notes.Note'], ['create', 'kernel.User'], ['delete', 'kernel.User'],
      ['read', 'kernel.Audit'], ['delete', 'kernel.Role'], ['update', 'school.Lesson'], ['read', 'kernel.Plugin'],
    ];
    for (const [action, subject] of checks) {
      expect(ability.can(action, subject), `${action} ${subject}`).toBe(v7.can(action, subject));
    }
    // conditions and fields
    const as = (type: string, o: Record<string, unknown>) => ({ ...o, __caslSubjectType__: type });
    expect(ability.can('update', as('school.Lesson', { teacherId: 'u2', hours: 3 }) as never)).toBe(true);
    expect(ability.can('update', as('school.Lesson', { teacherId: 'u3', hours: 3 }) as never)).toBe(false);
    expect(ability.can('read', 'kernel.Audit', 'action')).toBe(v7.can('read', 'kernel.Audit', 'action'));
    expect(ability.can('read', 'kernel.Audit', 'diff')).toBe(v7.can('read', 'kernel.Audit', 'diff'));
  });

  it('accepts unpacked rules too', () => {
    setRules([{ action: 'read', subject: 'kernel.Plugin' }]);
    expect(ability.can('read', 'kernel.Plugin')).toBe(true);
    expect(ability.can('update', 'kernel.Plugin')).toBe(false);
  });
});
