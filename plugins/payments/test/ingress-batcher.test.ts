import { describe, expect, it } from 'vitest';
import { IngressBatcher, keyOf, type IngressEvent, type StoreBatch } from '../src/domain/ingress-batcher.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const ev = (eventId: string, provider = 'stripe'): IngressEvent => ({ provider, eventId, type: 't', intentId: null, event: { eventId } });

/** A store backed by a set (what the table's primary key does), recording each call's events; calls finish when released. */
function fakeStore(opts: { refuse?: string } = {}) {
  const table = new Set<string>();
  const calls: string[][] = [];
  const gates: (() => void)[] = [];
  const store: StoreBatch = async (events) => {
    calls.push(events.map((e) => e.eventId));
    await new Promise<void>((r) => gates.push(r));
    if (opts.refuse && events.some((e) => e.eventId === opts.refuse)) throw new Error(`refused ${opts.refuse}`);
    const stored: string[] = [];
    for (const e of events) if (!table.has(keyOf(e))) { table.add(keyOf(e)); stored.push(keyOf(e)); }
    return stored;
  };
  const release = async () => {
    await new Promise((r) => setImmediate(r));
    gates.splice(0).forEach((g) => g());
    await new Promise((r) => setImmediate(r));
  };
  return { store, calls, release, table };
}

describe('IngressBatcher', () => {
  it('stores a lone event at once, and what arrives meanwhile together in the next transaction', async () => {
    const b = new IngressBatcher();
    const s = fakeStore();
    const first = b.submit(A, ev('e1'), s.store);
    expect(s.calls).toEqual([['e1']]); // no waiting for company
    const rest = ['e2', 'e3', 'e4'].map((id) => b.submit(A, ev(id), s.store));
    await s.release();
    expect(await first).toBe(true);
    expect(s.calls).toEqual([['e1'], ['e2', 'e3', 'e4']]);
    await s.release();
    expect(await Promise.all(rest)).toEqual([true, true, true]);
  });

  it('answers true to exactly one of concurrent copies, false to the others and to a copy stored before', async () => {
    const b = new IngressBatcher();
    const s = fakeStore();
    const lead = b.submit(A, ev('x'), s.store);
    const copies = [b.submit(A, ev('e'), s.store), b.submit(A, ev('e'), s.store), b.submit(A, ev('x'), s.store), b.submit(A, ev('e'), s.store)];
    await s.release();
    await s.release();
    expect(await lead).toBe(true);
    expect(await Promise.all(copies)).toEqual([true, false, false, false]);
    expect(s.calls).toEqual([['x'], ['e', 'x']]); // one row per key in a batch; x already stored
  });

  it('keeps tenants apart: a batch holds one tenant\'s events and runs with that tenant\'s store', async () => {
    const b = new IngressBatcher();
    const sa = fakeStore();
    const sb = fakeStore();
    const out = [b.submit(A, ev('a1'), sa.store), b.submit(B, ev('b1'), sb.store), b.submit(A, ev('a2'), sa.store), b.submit(B, ev('same'), sb.store), b.submit(A, ev('same'), sa.store)];
    for (let i = 0; i < 3; i++) {
      await sa.release();
      await sb.release();
    }
    expect(await Promise.all(out)).toEqual([true, true, true, true, true]); // the same event id in two tenants: two events
    expect(sa.calls.flat().sort()).toEqual(['a1', 'a2', 'same']);
    expect(sb.calls.flat().sort()).toEqual(['b1', 'same']);
  });

  it('a batch the database refuses is retried event by event: only the refused event fails', async () => {
    const b = new IngressBatcher();
    const s = fakeStore({ refuse: 'bad' });
    const lead = b.submit(A, ev('lead'), s.store);
    const out = ['ok1', 'bad', 'ok2'].map((id) => b.submit(A, ev(id), s.store).then((v) => ({ v }), (e: Error) => ({ e: e.message })));
    for (let i = 0; i < 3; i++) await s.release();
    expect(await lead).toBe(true);
    expect(await Promise.all(out)).toEqual([{ v: true }, { e: 'refused bad' }, { v: true }]);
    expect(s.calls).toEqual([['lead'], ['ok1', 'bad', 'ok2'], ['ok1'], ['bad'], ['ok2']]);
    expect([...s.table].map((k) => k.split('\u0000')[1]).sort()).toEqual(['lead', 'ok1', 'ok2']);
  });

  it('bounds a batch', async () => {
    const b = new IngressBatcher(2);
    const s = fakeStore();
    const out = ['e0', 'e1', 'e2', 'e3', 'e4'].map((id) => b.submit(A, ev(id), s.store));
    for (let i = 0; i < 4; i++) await s.release();
    expect(await Promise.all(out)).toEqual([true, true, true, true, true]);
    expect(s.calls).toEqual([['e0'], ['e1', 'e2'], ['e3', 'e4']]);
  });

  it('a batch that hangs does not hold up the tenant\'s next one for ever; its callers are answered when it ends', async () => {
    const b = new IngressBatcher(100, 5);
    let release!: () => void;
    const calls: string[][] = [];
    let second!: () => void;
    const secondCalled = new Promise<void>((r) => (second = r));
    const store: StoreBatch = async (events) => {
      calls.push(events.map((e) => e.eventId));
      if (calls.length === 1) await new Promise<void>((r) => (release = r));
      else second();
      return events.map(keyOf);
    };
    const stuck = b.submit(A, ev('stuck'), store);
    const next = b.submit(A, ev('next'), store);
    await secondCalled;
    expect(await next).toBe(true);
    expect(calls).toEqual([['stuck'], ['next']]);
    release();
    expect(await stuck).toBe(true);
  });
});
