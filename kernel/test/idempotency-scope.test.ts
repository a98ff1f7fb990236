import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import notes from '../../plugins/notes/src/index.ts';

/**
 * Issue 24: an Idempotency-Key was scoped to the tenant, so a cashier replaying the owner's key got
 * the owner's response. Keys are the user's own (and the action's).
 */
let tk: TestKernel;

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [notes],
    tenants: [{ name: 'Till', owner: 'owner@till.test', enable: ['notes'], users: [{ email: 'cashier@till.test', roles: ['staff'] }] }],
  });
});
afterAll(async () => tk?.stop());

describe('Idempotency-Key scope', () => {
  it('two users with the same key each get their own result; a replay by the same user gets the first response', async () => {
    const owner = await tk.as('owner@till.test');
    const cashier = await tk.as('cashier@till.test');
    const key = { 'Idempotency-Key': 'shared-key-1' };

    const mine = await owner.post('/api/notes/notes', { title: 'owner: safe code 4711' }, { headers: key });
    expect(mine.status).toBe(201);
    // the cashier "replays" the owner's key, with the owner's body and with a body of their own
    const same = await cashier.post('/api/notes/notes', { title: 'owner: safe code 4711' }, { headers: key });
    expect(same.status).toBe(201);
    expect(same.headers.get('idempotent-replayed')).toBeNull();
    expect(same.body.id).not.toBe(mine.body.id);
    expect(same.body.authorId).toBe(cashier.userId);
    const other = await cashier.post('/api/notes/notes', { title: 'cashier' }, { headers: { 'Idempotency-Key': 'shared-key-2' } });
    const ownerOther = await owner.post('/api/notes/notes', { title: 'owner, different body' }, { headers: { 'Idempotency-Key': 'shared-key-2' } });
    expect(ownerOther.status).toBe(201);
    expect(ownerOther.body.title).toBe('owner, different body');

    // the same user's retry is answered with their first response, nothing is created twice
    const replay = await owner.post('/api/notes/notes', { title: 'owner: safe code 4711' }, { headers: key });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(mine.body);
    const cashierReplay = await cashier.post('/api/notes/notes', { title: 'cashier' }, { headers: { 'Idempotency-Key': 'shared-key-2' } });
    expect(cashierReplay.body).toEqual(other.body);
    // and a changed body under one's own used key is still refused
    expect((await owner.post('/api/notes/notes', { title: 'changed' }, { headers: key })).body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const all = (await owner.get('/api/notes/notes', { query: { limit: 50 } })).body.items;
    expect(all.filter((n: any) => n.title === 'owner: safe code 4711')).toHaveLength(2);
  });

  it('concurrent requests of one user with one key still create once', async () => {
    const cashier = await tk.as('cashier@till.test');
    const results = await Promise.all([1, 2, 3, 4].map(() => cashier.post('/api/notes/notes', { title: 'once' }, { headers: { 'Idempotency-Key': 'burst' } })));
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
  });
});
