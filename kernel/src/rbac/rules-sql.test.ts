import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subject as caslSubject } from '@casl/ability';
import { conditionFieldsOf, numbered } from '@atrium/sdk';
import { buildAbility, type StoredRule } from './ability.factory.ts';
import { rulesSql } from './rules-sql.ts';

// ctx.rulesSql must select exactly the rows CASL allows in memory (ctx.can / ctx.authorize with the
// row): both are checked here on the same rows in a real PostgreSQL, for can and cannot rules,
// nulls, lists and comparisons, with `?` and `$n` parameters.
const S = 'shop.Sale';
const fields = conditionFieldsOf({ id: 'uuid', soldBy: 'uuid', storeId: 'uuid', total: 'integer', status: 'string', soldAt: 'timestamp' });
const [u1, u2, st1, st2] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
type Row = { id: string; soldBy: string | null; storeId: string | null; total: number; status: string; soldAt: string };
const rows: Row[] = [];
for (const soldBy of [u1, u2, null]) {
  for (const storeId of [st1, st2, null]) {
    for (const [total, status] of [[50, 'completed'], [500, 'voided'], [5000, 'completed']] as const) {
      rows.push({ id: crypto.randomUUID(), soldBy, storeId, total, status, soldAt: new Date(Date.UTC(2025, 0, 1 + rows.length)).toISOString() });
    }
  }
}

let db: pg.Client;
const table = `rules_sql_${crypto.randomBytes(4).toString('hex')}`;
beforeAll(async () => {
  db = new pg.Client({ connectionString: process.env.ATRIUM_TEST_PG_URL });
  await db.connect();
  await db.query(`create table ${table} (id uuid primary key, sold_by uuid, store_id uuid, total integer not null, status text not null, sold_at timestamptz not null)`);
  for (const r of rows) await db.query(`insert into ${table} values ($1, $2, $3, $4, $5, $6)`, [r.id, r.soldBy, r.storeId, r.total, r.status, r.soldAt]);
});
afterAll(async () => {
  await db.query(`drop table if exists ${table}`);
  await db.end();
});

const inMemory = (rules: StoredRule[], action = 'read') => {
  const ability = buildAbility(rules);
  return rows.filter((r) => ability.can(action, caslSubject(S, { ...r }) as any)).map((r) => r.id).sort();
};
async function inSql(rules: StoredRule[], action = 'read', style: '?' | '$' = '?') {
  const ability = buildAbility(rules);
  if (style === '$') {
    // the handler's own parameter comes first: the fragment continues the numbering
    const r = rulesSql(ability, action, S, fields, { alias: 't', firstParam: 2 });
    const res = await db.query(`select t.id from ${table} t where t.total >= $1 and ${r.sql}`, [0, ...r.params]);
    return res.rows.map((x) => x.id).sort();
  }
  const r = rulesSql(ability, action, S, fields, { alias: 't' });
  const res = await db.query(...numbered(`select t.id from ${table} t where t.total >= ? and ${r.sql}`, [0, ...r.params]));
  return res.rows.map((x) => x.id).sort();
}

const cases: [string, StoredRule[]][] = [
  ['no rule at all', []],
  ['another subject only', [{ action: 'read', subject: 'shop.Other' }]],
  ['unrestricted', [{ action: 'read', subject: S }]],
  ['manage all', [{ action: 'manage', subject: 'all' }]],
  ['own sales', [{ action: 'read', subject: S, conditions: { soldBy: u1 } }]],
  ['own sales or one store (two rules)', [{ action: 'read', subject: S, conditions: { soldBy: u1 } }, { action: 'read', subject: S, conditions: { storeId: st2 } }]],
  ['own sales in one store (one rule)', [{ action: 'read', subject: S, conditions: { soldBy: u1, storeId: st1 } }]],
  ['a store list with null', [{ action: 'read', subject: S, conditions: { storeId: { $in: [st1, null] } } }]],
  ['not in a store list', [{ action: 'read', subject: S, conditions: { storeId: { $nin: [st1] } } }]],
  ['not in a list with null', [{ action: 'read', subject: S, conditions: { storeId: { $nin: [st1, null] } } }]],
  ['no store', [{ action: 'read', subject: S, conditions: { storeId: null } }]],
  ['some store', [{ action: 'read', subject: S, conditions: { storeId: { $ne: null } } }]],
  ['not my sales ($ne matches null too)', [{ action: 'read', subject: S, conditions: { soldBy: { $ne: u1 } } }]],
  ['a total range', [{ action: 'read', subject: S, conditions: { total: { $gte: 100, $lt: 5000 } } }]],
  ['after a date', [{ action: 'read', subject: S, conditions: { soldAt: { $gt: rows[10]!.soldAt } } }]],
  ['all but voided (inverted rule)', [{ action: 'read', subject: S }, { action: 'read', subject: S, conditions: { status: 'voided' }, inverted: true }]],
  ['all but one seller\'s (inverted rule on a nullable column)', [{ action: 'read', subject: S }, { action: 'read', subject: S, conditions: { soldBy: u2 }, inverted: true }]],
  ['own, minus big ones (a cannot after a can)', [{ action: 'read', subject: S, conditions: { soldBy: u1 } }, { action: 'read', subject: S, conditions: { total: { $gt: 100 } }, inverted: true }]],
  ['cannot with a list, then can again below it', [{ action: 'read', subject: S, conditions: { storeId: st1 } }, { action: 'read', subject: S, conditions: { soldBy: { $in: [u1, null] } }, inverted: true }, { action: 'read', subject: S }]],
  ['an unconditional cannot overrides everything', [{ action: 'read', subject: S }, { action: 'read', subject: S, inverted: true }]],
  ['an id nothing has', [{ action: 'read', subject: S, conditions: { id: crypto.randomUUID() } }]],
  ['another action\'s rule does not leak', [{ action: 'update', subject: S }]],
];

describe('ctx.rulesSql selects exactly what CASL allows', () => {
  it.each(cases)('%s', async (_name, rules) => {
    const expected = inMemory(rules);
    expect(await inSql(rules, 'read', '?')).toEqual(expected);
    expect(await inSql(rules, 'read', '$')).toEqual(expected);
  });

  it('no rule is false and an unrestricted rule is true, with no parameters', () => {
    expect(rulesSql(buildAbility([]), 'read', S, fields)).toEqual({ sql: 'false', params: [] });
    expect(rulesSql(buildAbility([{ action: 'read', subject: S }]), 'read', S, fields)).toEqual({ sql: 'true', params: [] });
  });

  it('values are bind parameters, never text: a hostile value is just a value', async () => {
    const evil = `x' or '1'='1`;
    const r = rulesSql(buildAbility([{ action: 'read', subject: S, conditions: { status: evil } }]), 'read', S, fields, { alias: 't' });
    expect(r.sql).not.toContain(evil);
    expect(r.params).toEqual([evil]);
    expect(await inSql([{ action: 'read', subject: S, conditions: { status: evil } }])).toEqual([]);
  });

  it('columns can be given per query; a field the subject does not declare is refused, not ignored', () => {
    const r = rulesSql(buildAbility([{ action: 'read', subject: S, conditions: { soldBy: u1 } }]), 'read', S, fields, { columns: { soldBy: 'x.seller' } });
    expect(r.sql).toBe('(x.seller = ?)');
    expect(() => rulesSql(buildAbility([{ action: 'read', subject: S, conditions: { secret: 1 } }]), 'read', S, fields)).toThrow(/cannot enforce/);
  });
});
