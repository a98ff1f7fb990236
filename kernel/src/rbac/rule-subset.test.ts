import { describe, expect, it } from 'vitest';
import { uncoveredRules, type CatalogEntry } from './rule-subset.ts';
import { KERNEL_GRANTS } from './builtin-roles.ts';
import type { StoredRule } from './ability.factory.ts';

const catalog: CatalogEntry[] = [
  { subject: 'kernel.Tenant', actions: ['read', 'update', 'delete'] },
  { subject: 'kernel.Member', actions: ['read', 'create', 'update', 'delete'] },
  { subject: 'school.Lesson', actions: ['read', 'create', 'update', 'delete'] },
  { subject: 'pos.Sale', actions: ['read', 'create', 'refund'] },
];
const owner = KERNEL_GRANTS.owner as StoredRule[];
const admin = KERNEL_GRANTS.admin as StoredRule[];
const holds = (held: StoredRule[], granted: StoredRule[]) => uncoveredRules(held, granted, catalog).length === 0;

describe('uncoveredRules: manage and all', () => {
  it('an owner (manage all) holds everything, manage all included', () => {
    expect(holds(owner, owner)).toBe(true);
    expect(holds(owner, admin)).toBe(true);
    expect(holds(owner, [{ action: 'refund', subject: 'pos.Sale', conditions: { total: { $lt: 100 } }, fields: ['total'] }])).toBe(true);
  });

  it('an admin (manage all but delete the tenant) does not hold manage all, nor deleting the tenant', () => {
    expect(uncoveredRules(admin, owner, catalog)).toEqual([{ rule: 0, action: 'delete', subject: 'kernel.Tenant', why: 'denied' }]);
    expect(holds(admin, [{ action: 'delete', subject: 'kernel.Tenant' }])).toBe(false);
    expect(holds(admin, [{ action: 'manage', subject: 'kernel.Tenant' }])).toBe(false);
  });

  it('an admin holds the admin role itself: a later unconditional cannot hides the can below it', () => {
    expect(holds(admin, admin)).toBe(true);
    // the same rules in the other order: the cannot comes first, so manage all wins, the tenant can be deleted
    expect(holds(admin, [{ action: 'delete', subject: 'kernel.Tenant', inverted: true }, { action: 'manage', subject: 'all' }])).toBe(false);
  });

  it('manage also covers actions nobody named yet: listing today\'s actions is not holding manage', () => {
    const named: StoredRule[] = [{ action: ['read', 'create', 'update', 'delete'], subject: 'kernel.Member' }];
    expect(uncoveredRules(named, [{ action: 'manage', subject: 'kernel.Member' }], catalog)).toEqual([{ rule: 0, action: 'manage', subject: 'kernel.Member', why: 'not-held' }]);
    expect(holds([{ action: 'manage', subject: 'kernel.Member' }], [{ action: 'frobnicate', subject: 'kernel.Member' }])).toBe(true);
    expect(holds([{ action: 'manage', subject: 'kernel.Member' }], named)).toBe(true);
  });

  it('all also covers subjects nobody installed yet', () => {
    expect(holds([{ action: 'read', subject: 'all' }], [{ action: 'read', subject: 'salon.Visit' }])).toBe(true);
    const everyKnown: StoredRule[] = [{ action: 'read', subject: catalog.map((c) => c.subject) }];
    expect(uncoveredRules(everyKnown, [{ action: 'read', subject: 'all' }], catalog)).toEqual([{ rule: 0, action: 'read', subject: 'all', why: 'not-held' }]);
  });

  it('the wildcard probes never collide with a name used in a rule', () => {
    const held: StoredRule[] = [{ action: '(any-action)', subject: 'pos.Sale' }, { action: 'read', subject: '(any-subject)' }];
    expect(holds(held, [{ action: 'manage', subject: 'pos.Sale' }])).toBe(false);
    expect(holds(held, [{ action: 'read', subject: 'all' }])).toBe(false);
  });

  it('reports each rule once, at the first action and subject it goes beyond', () => {
    const held: StoredRule[] = [{ action: 'read', subject: ['kernel.Member', 'pos.Sale'] }, { action: 'update', subject: 'kernel.Member' }];
    const granted: StoredRule[] = [{ action: 'read', subject: 'pos.Sale' }, { action: ['read', 'update'], subject: ['kernel.Member', 'pos.Sale'] }];
    expect(uncoveredRules(held, granted, catalog)).toEqual([{ rule: 1, action: 'update', subject: 'pos.Sale', why: 'not-held' }]);
  });
});

describe('uncoveredRules: conditions', () => {
  const own: StoredRule = { action: 'update', subject: 'school.Lesson', conditions: { teacherId: '${user.id}' } };

  it('${user.id} on both sides is the same rule: "their own" is held by one who has "their own"', () => {
    expect(holds([own], [own])).toBe(true);
    // narrower still (own and open) is held
    expect(holds([own], [{ ...own, conditions: { teacherId: '${user.id}', status: 'open' } }])).toBe(true);
  });

  it('wider conditions are not held: no conditions, another key, or a literal id instead of the placeholder', () => {
    expect(uncoveredRules([own], [{ action: 'update', subject: 'school.Lesson' }], catalog)).toEqual([{ rule: 0, action: 'update', subject: 'school.Lesson', why: 'conditions' }]);
    expect(holds([own], [{ ...own, conditions: { status: 'open' } }])).toBe(false);
    expect(holds([own], [{ ...own, conditions: { teacherId: '1c7e4d52-7cf0-4a53-9d0b-0a2b8d0c1e11' } }])).toBe(false);
    expect(holds([own], [{ ...own, conditions: { teacherId: { $ne: null } } }])).toBe(false);
  });

  it('a holder without conditions holds any conditions; operator values compare structurally', () => {
    expect(holds([{ action: 'update', subject: 'school.Lesson' }], [own])).toBe(true);
    const inRooms = { action: 'read', subject: 'school.Lesson', conditions: { room: { $in: ['a', 'b'] }, teacherId: '${user.id}' } };
    expect(holds([inRooms], [{ ...inRooms, conditions: { teacherId: '${user.id}', room: { $in: ['a', 'b'] } } }])).toBe(true);
    expect(holds([inRooms], [{ ...inRooms, conditions: { teacherId: '${user.id}', room: { $in: ['a', 'b', 'c'] } } }])).toBe(false);
  });
});

describe('uncoveredRules: fields', () => {
  const some: StoredRule = { action: 'read', subject: 'pos.Sale', fields: ['total', 'items'] };

  it('fields must be a subset; no field list means every field', () => {
    expect(holds([some], [{ ...some, fields: ['total'] }])).toBe(true);
    expect(uncoveredRules([some], [{ ...some, fields: ['total', 'cost'] }], catalog)).toEqual([{ rule: 0, action: 'read', subject: 'pos.Sale', why: 'fields' }]);
    expect(holds([some], [{ action: 'read', subject: 'pos.Sale' }])).toBe(false);
    expect(holds([{ action: 'read', subject: 'pos.Sale' }], [some])).toBe(true);
  });

  it('patterns: a held pattern covers the names it matches, a granted pattern only the same pattern', () => {
    const addr: StoredRule = { action: 'read', subject: 'pos.Sale', fields: ['customer.*'] };
    expect(holds([addr], [{ ...addr, fields: ['customer.name'] }])).toBe(true);
    expect(holds([addr], [addr])).toBe(true);
    expect(holds([addr], [{ ...addr, fields: ['customer.**'] }])).toBe(false);
    expect(holds([{ ...addr, fields: ['customer.name'] }], [addr])).toBe(false);
  });
});

describe('uncoveredRules: inverted rules', () => {
  it('a cannot of the holder\'s that may overlap the granted rule means it is not held', () => {
    const held: StoredRule[] = [{ action: 'manage', subject: 'pos.Sale' }, { action: 'refund', subject: 'pos.Sale', inverted: true, conditions: { closed: true } }];
    expect(uncoveredRules(held, [{ action: 'refund', subject: 'pos.Sale' }], catalog)).toEqual([{ rule: 0, action: 'refund', subject: 'pos.Sale', why: 'denied' }]);
    // provably disjoint: a different literal on the same key
    expect(holds(held, [{ action: 'refund', subject: 'pos.Sale', conditions: { closed: false } }])).toBe(true);
    expect(holds(held, [{ action: 'read', subject: 'pos.Sale' }])).toBe(true);
  });

  it('a cannot on fields forbids those fields only', () => {
    const held: StoredRule[] = [{ action: 'read', subject: 'pos.Sale' }, { action: 'read', subject: 'pos.Sale', inverted: true, fields: ['cost'] }];
    expect(holds(held, [{ action: 'read', subject: 'pos.Sale' }])).toBe(false);
    expect(holds(held, [{ action: 'read', subject: 'pos.Sale', fields: ['total'] }])).toBe(true);
    expect(holds(held, [{ action: 'read', subject: 'pos.Sale', fields: ['cost'] }])).toBe(false);
  });

  it('a cannot counts wherever it sits in the holder\'s rules (roles merge in no fixed order)', () => {
    expect(holds([{ action: 'delete', subject: 'kernel.Tenant', inverted: true }, { action: 'manage', subject: 'all' }], [{ action: 'delete', subject: 'kernel.Tenant' }])).toBe(false);
  });

  it('granting only cannot rules takes nothing away from anyone\'s checks: always held', () => {
    expect(holds([], [{ action: 'delete', subject: 'pos.Sale', inverted: true }, { action: 'manage', subject: 'all', inverted: true }])).toBe(true);
    expect(holds([], [])).toBe(true);
  });

  it('a conditional cannot in the granted role hides nothing: the can below it is still checked whole', () => {
    const granted: StoredRule[] = [{ action: 'refund', subject: 'pos.Sale' }, { action: 'refund', subject: 'pos.Sale', inverted: true, conditions: { closed: true } }];
    expect(holds([{ action: 'refund', subject: 'pos.Sale', conditions: { closed: false } }], granted)).toBe(false);
  });

  it('nothing is held by someone with no rules', () => {
    expect(uncoveredRules([], [{ action: 'read', subject: 'kernel.Tenant' }], catalog)).toEqual([{ rule: 0, action: 'read', subject: 'kernel.Tenant', why: 'not-held' }]);
  });
});
