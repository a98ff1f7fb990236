import { describe, expect, it } from 'vitest';
import { likePattern, listPage, numbered, orderBy, sqlSet, sqlWhere } from './sql-list.ts';

describe('sql-list', () => {
  it('skips absent filters, keeps nulls given on purpose, and parenthesises each condition', () => {
    const w = sqlWhere('not archived').add('shift_id = ?', undefined).add('a = ? or b = ?', 1, 2).always('c is not distinct from ?', null);
    expect(w.where()).toBe('where (not archived) and (a = ? or b = ?) and (c is not distinct from ?)');
    expect(w.params).toEqual([1, 2, null]);
    expect(sqlWhere().where()).toBe('');
    expect(sqlWhere('x').where()).toBe('where x');
  });

  it('builds a SET from the fields that were given', () => {
    const s = sqlSet().add('name = ?', 'Bread').add('price = ?', undefined).add('cost = ?', 0).always('updated_at = now()');
    expect(s.text()).toBe('name = ?, cost = ?, updated_at = now()');
    expect(s.params).toEqual(['Bread', 0]);
  });

  it('refuses a fragment whose placeholders and values disagree', () => {
    expect(() => sqlWhere().always('a = ? and b = ?', 1)).toThrow(/2 placeholder/);
  });

  it('numbers placeholders for ctx.sql', () => {
    expect(numbered('select ? where a = ? limit ?', [1, 2, 3])).toEqual(['select $1 where a = $2 limit $3', [1, 2, 3]]);
    expect(() => numbered('a = ?', [])).toThrow();
  });

  it('listPage: one statement with the total; a page past the end counts separately', async () => {
    const seen: [string, unknown[]][] = [];
    const rows = [{ id: 'a', __total: '7' }, { id: 'b', __total: '7' }];
    const ctx = { sql: async (text: string, params?: readonly unknown[]) => { seen.push([text, [...(params ?? [])]]); return (text.startsWith('select count') ? [{ n: '7' }] : params?.at(-1) === 0 ? rows : []) as any[]; } };
    const where = sqlWhere().add('store_id = ?', 's1');
    const page = await listPage(ctx, { select: 'id', from: 'pos.x', where, orderBy: 'id', limit: 2, offset: 0 }, (r: { id: string }) => r.id.toUpperCase());
    expect(page).toEqual({ items: ['A', 'B'], total: 7 });
    expect(seen[0]).toEqual(['select id, count(*) over () as __total from pos.x where store_id = $1 order by id limit $2 offset $3', ['s1', 2, 0]]);
    const past = await listPage(ctx, { select: 'id', from: 'pos.x', where, orderBy: 'id', limit: 2, offset: 50 });
    expect(past).toEqual({ items: [], total: 7 });
    expect(seen[2]).toEqual(['select count(*) as n from (select 1 from pos.x where store_id = $1) x', ['s1']]);
  });

  it('orderBy whitelists fields (never an inherited property) and likePattern escapes wildcards', () => {
    expect(orderBy('-total', { total: 's.total' }, 's.sold_at desc', 's.id')).toBe('s.total desc nulls last, s.id');
    expect(orderBy(undefined, { total: 's.total' }, 's.sold_at desc', 's.id')).toBe('s.sold_at desc, s.id');
    expect(() => orderBy('constructor', { total: 's.total' }, 'x', 'y')).toThrow(/Cannot sort/);
    expect(likePattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
    expect(likePattern('3-00', 'prefix')).toBe('3-00%');
  });
});
