import { describe, expect, it } from 'vitest';
import { ConnectRowCache } from './connect.cache.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const acct = (id: string | null, charges = false) => ({ account_id: id, charges_enabled: charges });

describe('ConnectRowCache', () => {
  it('answers per tenant until the TTL, then misses', () => {
    const c = new ConnectRowCache(1000, 10, 5000);
    c.set(A, acct('acct_a'), 0);
    c.set(B, null, 0);
    expect(c.get(A, 999)).toEqual({ row: acct('acct_a') });
    expect(c.get(B, 999)).toEqual({ row: null }); // "no row" is an answer too
    expect(c.get(A, 1000)).toBeUndefined();
    expect(c.get('00000000-0000-4000-8000-00000000000c', 0)).toBeUndefined();
  });

  it('keeps only the columns the provider uses, as a copy', () => {
    const c = new ConnectRowCache();
    const row = { ...acct('acct_a', true), requirements: { x: 1 } } as any;
    c.set(A, row, 0);
    row.account_id = 'acct_changed';
    expect(c.get(A, 1)).toEqual({ row: acct('acct_a', true) });
  });

  it('is bounded: the oldest entry goes first', () => {
    const c = new ConnectRowCache(60_000, 2, 1000);
    c.set(A, acct('acct_a'), 0);
    c.set(B, acct('acct_b'), 1);
    c.set('00000000-0000-4000-8000-00000000000c', acct('acct_c'), 2);
    expect(c.size).toBe(2);
    expect(c.get(A, 3)).toBeUndefined();
    expect(c.get(B, 3)?.row?.account_id).toBe('acct_b');
  });

  it('after a change on this node, stores nothing for that tenant while the change may be uncommitted', () => {
    const c = new ConnectRowCache(60_000, 10, 1000);
    c.set(A, acct(null), 0);
    c.set(B, acct('acct_b'), 0);
    c.invalidate(A, 10);
    expect(c.get(A, 11)).toBeUndefined();
    expect(c.get(B, 11)?.row?.account_id).toBe('acct_b'); // other tenants keep theirs
    // a read that started before the commit must not put the old row back
    c.set(A, acct(null), 500);
    expect(c.get(A, 501)).toBeUndefined();
    // once the window is over, reads are cached again
    c.set(A, acct('acct_a'), 1010);
    expect(c.get(A, 1011)?.row?.account_id).toBe('acct_a');
  });
});
