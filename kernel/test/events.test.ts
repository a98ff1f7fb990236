import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import notes from '../../plugins/notes/src/index.ts';
import { tallyPlugin, flakyPlugin, flakyState, jobbyPlugin } from './fixtures/test-plugins.ts';

let tk: TestKernel;
let owner: Awaited<ReturnType<TestKernel['as']>>;

async function sql<T = any>(q: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await c.connect();
  try {
    return (await c.query(q, params as any[])).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  tk = await createTestKernel({ plugins: [notes, tallyPlugin, flakyPlugin, jobbyPlugin], tenants: [{ name: 'Ev', owner: 'owner@ev.test', enable: ['notes', 'tally', 'flaky', 'jobby'] }] });
  owner = await tk.as('owner@ev.test');
});
afterAll(async () => tk?.stop());

describe('outbox → subscribers', () => {
  it('writes the event in the business transaction and delivers it once', async () => {
    const n = await owner.post('/api/notes/notes', { title: 'evented' });
    const [row] = await sql('select name, payload, published_at from kernel.outbox where payload->>\'id\' = $1', [n.body.id]);
    expect(row.name).toBe('notes.note.created.v1');
    await tk.drainEvents();
    const tallies = await sql('select * from tally.tally where note_id = $1', [n.body.id]);
    expect(tallies).toHaveLength(1);
  });

  it('an event no plugin subscribes to is stored as delivered: the relay never claims it', async () => {
    const n = await owner.post('/api/notes/notes', { title: 'to rename' });
    expect((await owner.patch(`/api/notes/notes/${n.body.id}`, { title: 'renamed' })).status).toBe(200);
    await tk.drainEvents();
    const rows = await sql(`select name, published_at is not null as published, attempts from kernel.outbox where payload->>'id' = $1 order by id`, [n.body.id]);
    // created has subscribers (tally, flaky): the relay published it once; updated has none: written published, never touched
    expect(rows).toEqual([
      { name: 'notes.note.created.v1', published: true, attempts: 1 },
      { name: 'notes.note.updated.v1', published: true, attempts: 0 },
    ]);
  });

  it('a failed request writes no event (same transaction)', async () => {
    const before = await sql('select count(*)::int as n from kernel.outbox');
    expect((await owner.post('/api/notes/notes', { title: 'x'.repeat(300) })).status).toBe(400);
    expect((await sql('select count(*)::int as n from kernel.outbox'))[0].n).toBe(before[0].n);
  });

  it('is delivered once even when the relay crashes after publishing and publishes again', async () => {
    const n = await owner.post('/api/notes/notes', { title: 'republished' });
    await tk.drainEvents();
    // simulate a relay that enqueued the deliveries but crashed before marking the row published
    await sql('update kernel.outbox set published_at = null where payload->>\'id\' = $1', [n.body.id]);
    // and a BullMQ job that was already removed (so Redis would not de-duplicate it)
    const q = tk.kernel.deps.queues.events;
    for (const j of await q.getCompleted(0, 1000)) if (j.data.event.payload.id === n.body.id) await j.remove();
    await tk.drainEvents();
    const [{ c }] = await sql('select count(*)::int as c from tally.tally where note_id = $1', [n.body.id]);
    expect(c).toBe(1);
    const inbox = await sql(`select count(*)::int as c from kernel.inbox i join kernel.outbox o on o.event_id = i.event_id where o.payload->>'id' = $1 and i.consumer = 'tally'`, [n.body.id]);
    expect(inbox[0].c).toBe(1);
  });

  it('retries a failing subscriber; its partial effect is rolled back, so the effect happens once', async () => {
    const n = await owner.post('/api/notes/notes', { title: 'flaky once' });
    flakyState.failuresLeft.set(n.body.id, 1);
    await tk.drainEvents();
    const effects = await sql('select count(*)::int as c from flaky.effect where note_id = $1', [n.body.id]);
    expect(effects[0].c).toBe(1);
  });

  it('after max attempts a delivery is a dead letter, visible to the operator, and can be retried', async () => {
    const n = await owner.post('/api/notes/notes', { title: 'flaky forever' });
    flakyState.failuresLeft.set(n.body.id, 3);
    await tk.drainEvents();
    expect((await sql('select count(*)::int as c from flaky.effect where note_id = $1', [n.body.id]))[0].c).toBe(0);
    const failed = await owner.get('/api/jobs/failed', { query: { queue: 'events' } });
    const dead = failed.body.items.find((j: any) => j.data.event.payload.id === n.body.id);
    expect(dead).toBeTruthy();
    expect(dead.deadLetter).toBe(true);
    expect(dead.attemptsMade).toBe(3);
    expect(dead.failedReason).toMatch(/flaky failure/);
    const queues = await owner.get('/api/jobs/queues');
    expect(queues.body.items.find((q: any) => q.name === 'events').counts.failed).toBeGreaterThanOrEqual(1);
    flakyState.failuresLeft.set(n.body.id, 0);
    const retry = await owner.post(`/api/jobs/events/${encodeURIComponent(dead.id)}/retry`);
    expect(retry.status).toBe(200);
    await tk.drainEvents();
    expect((await sql('select count(*)::int as c from flaky.effect where note_id = $1', [n.body.id]))[0].c).toBe(1);
  });

  it('pauses deliveries for a tenant that disabled the subscriber, and resumes on re-enable', async () => {
    await owner.post('/api/plugins/tally/disable');
    const n = await owner.post('/api/notes/notes', { title: 'while tally is off' });
    await tk.kernel.broker.call('events.flush');
    await new Promise((r) => setTimeout(r, 500));
    expect((await sql('select count(*)::int as c from tally.tally where note_id = $1', [n.body.id]))[0].c).toBe(0);
    await owner.post('/api/plugins/tally/enable');
    // the paused job waits 30 s; promote it instead of sleeping
    for (const j of await tk.kernel.deps.queues.events.getDelayed()) await j.promote();
    await tk.drainEvents();
    expect((await sql('select count(*)::int as c from tally.tally where note_id = $1', [n.body.id]))[0].c).toBe(1);
  });

  it('runs plugin jobs enqueued from a request, after commit', async () => {
    const r = await owner.post('/api/jobby/pings', { n: 7 });
    expect(r.status).toBe(200);
    const q = tk.kernel.deps.queues.jobs;
    const deadline = Date.now() + 10_000;
    let done: any;
    while (!done && Date.now() < deadline) {
      done = (await q.getCompleted(0, 50)).find((j: any) => j.data.pluginId === 'jobby' && j.data.data.n === 7);
      if (!done) await new Promise((res) => setTimeout(res, 50));
    }
    expect(done.returnvalue).toEqual({ tenant: tk.tenants.Ev.id, data: { n: 7 } });
  });
});
