import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import { addDays, isoWeekday, localDay, localToInstant } from '../src/domain/zoned-time.ts';

/**
 * The salon through the real kernel and PostgreSQL: staff, hours and services; availability;
 * bookings that never overlap (50 concurrent requests for one slot → exactly one), chains that
 * exist whole or not at all, holds that free their slot when they expire, reminders planned,
 * masters who see only their own bookings (row rules in SQL) and tenants that never see each other.
 */
const TZ = 'Asia/Almaty';
let tk: TestKernel;
let sys: pg.Client;
let owner: TestClient;
let reception: TestClient;
let anna: TestClient; // master
let boris: TestClient; // master
let rival: TestClient;
const ids: Record<string, string> = {};
// a Monday at least a week ahead, in the salon's zone
const MONDAY = (() => {
  let d = addDays(localDay(TZ, Date.now()), 7);
  while (isoWeekday(d) !== 1) d = addDays(d, 1);
  return d;
})();
const at = (hhmm: string, day = MONDAY) => new Date(localToInstant(TZ, day, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)))).toISOString();
const key = () => ({ headers: { 'idempotency-key': crypto.randomUUID() } });

async function ok<T = any>(r: Promise<{ status: number; body: any }>, status = 200): Promise<T> {
  const res = await r;
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

beforeAll(async () => {
  tk = await createTestKernel({
    plugins: [path.resolve(import.meta.dirname, '..')],
    tenants: [
      {
        name: 'Salon Aru', owner: 'owner@aru.test', enable: ['salon'],
        users: [{ email: 'desk@aru.test', roles: ['receptionist'] }, { email: 'anna@aru.test', roles: ['master'] }, { email: 'boris@aru.test', roles: ['master'] }],
      },
      { name: 'Rival', owner: 'owner@rival.test', enable: ['salon'] },
    ],
  });
  sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  [owner, reception, anna, boris, rival] = await Promise.all(['owner@aru.test', 'desk@aru.test', 'anna@aru.test', 'boris@aru.test', 'owner@rival.test'].map((e) => tk.as(e)));
  await ok(owner.put('/api/plugins/salon/settings', { settings: { timeZone: TZ, slotStepMinutes: 30 } }));
  const week = [1, 2, 3, 4, 5].flatMap((weekday) => [{ weekday, startsMin: 600, endsMin: 780 }, { weekday, startsMin: 840, endsMin: 1140 }]); // 10–13, break, 14–19
  for (const [name, user] of [['Anna', anna], ['Boris', boris]] as const) {
    const s = await ok(owner.post('/api/salon/staff', { name, userId: user.userId }, key()), 201);
    ids[name] = s.id;
    await ok(owner.put(`/api/salon/staff/${s.id}/hours`, { hours: week }));
  }
  ids.manicure = (await ok(owner.post('/api/salon/services', { name: 'Manicure', category: 'Nails', durationMin: 60, bufferAfterMin: 15, price: 800_000 }, key()), 201)).id;
  ids.pedicure = (await ok(owner.post('/api/salon/services', { name: 'Pedicure', category: 'Nails', durationMin: 90, price: 1_200_000 }, key()), 201)).id;
  await ok(owner.put(`/api/salon/staff/${ids.Anna}/services`, { services: [{ serviceId: ids.manicure }, { serviceId: ids.pedicure }] }));
  await ok(owner.put(`/api/salon/staff/${ids.Boris}/services`, { services: [{ serviceId: ids.pedicure, price: 1_500_000, durationMin: 75 }] }));
  ids.client = (await ok(reception.post('/api/salon/clients', { name: 'Dana', phone: '+7 701 555-00-11', locale: 'kk' }, key()), 201)).id;
}, 180_000);

afterAll(async () => {
  await sys?.end();
  await tk?.stop();
});

/**
 * POST /bookings with one Idempotency-Key; a 503 (the tenant's transaction slots busy while 50
 * requests arrive at once on a loaded machine) is retried after its Retry-After, as a client would.
 */
async function book(c: TestClient, items: { serviceId: string; staffId: string; startsAt: string }[], extra: Record<string, unknown> = {}) {
  const k = key();
  for (let attempt = 0; ; attempt++) {
    const r = await c.post('/api/salon/bookings', { items, clientId: ids.client, ...extra }, k);
    if (r.status !== 503 || attempt >= 20) return r;
    await new Promise((done) => setTimeout(done, 1000 * Math.min(5, Number(r.headers.get('retry-after')) || 1)));
  }
}

describe('staff, services and availability', () => {
  it('bad input is a 400 naming the field, never a partial write', async () => {
    const r = await owner.put(`/api/salon/staff/${ids.Anna}/hours`, { hours: [{ weekday: 1, startsMin: 600, endsMin: 700 }, { weekday: 1, startsMin: 650, endsMin: 800 }] });
    expect(r.status).toBe(400);
    expect(r.body.error.fields[0].field).toBe('hours.1.startsMin');
    const staff = await ok(owner.get(`/api/salon/staff/${ids.Anna}`));
    expect(staff.hours).toHaveLength(10);
    expect(staff.services.map((s: any) => s.name)).toEqual(['Manicure', 'Pedicure']);
    const svc = await owner.post('/api/salon/services', { name: 'X', durationMin: 2, price: 1 }, key());
    expect([svc.status, svc.body.error.fields?.[0]?.field]).toEqual([400, 'durationMin']);
    const dup = await owner.post('/api/salon/services', { name: 'manicure', durationMin: 30, price: 1 }, key());
    expect([dup.status, dup.body.error.code]).toEqual([409, 'SERVICE_NAME_TAKEN']);
    const noStaff = await book(reception, [{ serviceId: ids.manicure, staffId: ids.Boris, startsAt: at('10:00') }]);
    expect([noStaff.status, noStaff.body.error.fields[0].field]).toEqual([400, 'items.0.staffId']);
  });

  it('offers slots in the salon\'s zone, honouring hours, the break, buffers and other bookings', async () => {
    const search = (body: Record<string, unknown>) => ok(reception.post('/api/salon/availability/search', { from: MONDAY, ...body }));
    const one = await search({ serviceIds: [ids.manicure], staffIds: [ids.Anna] });
    expect(one.timeZone).toBe(TZ);
    const starts = one.items.map((s: any) => s.startsAt);
    // 60 min + 15 min cleanup: 11:30 would end its cleanup at 12:45 (fits before 13:00); 12:00 would not
    expect(starts).toEqual([at('10:00'), at('10:30'), at('11:00'), at('11:30'), at('14:00'), at('14:30'), at('15:00'), at('15:30'), at('16:00'), at('16:30'), at('17:00'), at('17:30')]);
    // a chain: manicure by Anna, then pedicure by Boris (75 min) back to back
    const chain = await search({ serviceIds: [ids.manicure, ids.pedicure], staffIds: [ids.Anna, ids.Boris] });
    expect(chain.items[0]).toEqual({ startsAt: at('10:00'), items: [
      { serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('10:00'), endsAt: at('11:00') },
      { serviceId: ids.pedicure, staffId: ids.Boris, startsAt: at('11:00'), endsAt: at('12:15') },
    ] });
    // the bookings of Anna at 10:00 take 10:00–11:15 out of her day
    const b = await ok(book(reception, [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('10:00') }]), 201);
    const after = await search({ serviceIds: [ids.manicure], staffIds: [ids.Anna] });
    expect(after.items.map((s: any) => s.startsAt).slice(0, 2)).toEqual([at('11:30'), at('14:00')]);
    await ok(reception.post(`/api/salon/bookings/${b.bookings[0].id}/cancel`, {}));
    const freed = await search({ serviceIds: [ids.manicure], staffIds: [ids.Anna] });
    expect(freed.items[0].startsAt).toBe(at('10:00'));
  });
});

describe('bookings', () => {
  it('50 concurrent bookings of one slot: exactly one is made, the rest are told it is taken', async () => {
    const startsAt = at('15:00', addDays(MONDAY, 1));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => book(i % 2 ? reception : owner, [{ serviceId: ids.pedicure, staffId: ids.Boris, startsAt }])));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect(new Set(results.filter((r) => r.status === 409).map((r) => r.body.error.code))).toEqual(new Set(['SLOT_TAKEN']));
    const { rows } = await sys.query(`select count(*)::int as n from salon.booking where staff_id = $1 and starts_at = $2 and status = 'booked'`, [ids.Boris, startsAt]);
    expect(rows[0].n).toBe(1);
    // an overlapping (not identical) time is refused too: the database compares ranges
    const overlap = await book(reception, [{ serviceId: ids.pedicure, staffId: ids.Boris, startsAt: at('15:30', addDays(MONDAY, 1)) }]);
    expect([overlap.status, overlap.body.error.code]).toEqual([409, 'SLOT_TAKEN']);
    // worded in the reader's language
    const ru = await reception.post('/api/salon/bookings', { items: [{ serviceId: ids.pedicure, staffId: ids.Boris, startsAt }], clientId: ids.client }, { headers: { 'idempotency-key': crypto.randomUUID(), 'accept-language': 'ru' } });
    expect(ru.body.error.message).toBe('Это время у мастера уже занято. Выберите другое.');
  });

  it('a chain exists whole or not at all', async () => {
    const day = addDays(MONDAY, 2);
    await ok(book(reception, [{ serviceId: ids.pedicure, staffId: ids.Boris, startsAt: at('11:30', day) }]), 201);
    // manicure by Anna is free, pedicure by Boris is not: nothing is booked
    const clash = await book(reception, [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('10:00', day) }, { serviceId: ids.pedicure, staffId: ids.Boris, startsAt: at('11:00', day) }]);
    expect([clash.status, clash.body.error.code]).toEqual([409, 'SLOT_TAKEN']);
    const { rows } = await sys.query(`select count(*)::int as n from salon.booking where staff_id = $1 and starts_at = $2`, [ids.Anna, at('10:00', day)]);
    expect(rows[0].n).toBe(0);
    const whole = await ok(book(reception, [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('14:00', day) }, { serviceId: ids.pedicure, staffId: ids.Boris, startsAt: at('15:00', day) }]), 201);
    expect(whole.bookings.map((b: any) => [b.staff.id, b.startsAt, b.endsAt, b.price])).toEqual([
      [ids.Anna, at('14:00', day), at('15:00', day), 800_000],
      [ids.Boris, at('15:00', day), at('16:15', day), 1_500_000],
    ]);
    // reminders were planned 24 h and 2 h before each
    const { rows: rem } = await sys.query('select offset_min from salon.reminder where booking_id = any($1) order by offset_min', [whole.bookings.map((b: any) => b.id)]);
    expect(rem.map((r) => r.offset_min)).toEqual([120, 120, 1440, 1440]);
  });

  it('a held chain keeps its slots until it expires; then they are free, and it cannot be confirmed', async () => {
    const day = addDays(MONDAY, 3);
    const held = await ok(book(reception, [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('10:00', day) }, { serviceId: ids.pedicure, staffId: ids.Anna, startsAt: at('11:15', day) }], { hold: true }), 201);
    expect(held.status).toBe('held');
    expect(new Date(held.holdExpiresAt).getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
    const taken = await book(reception, [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('10:00', day) }]);
    expect(taken.status).toBe(409);
    await sys.query(`update salon.booking set hold_expires_at = now() - interval '1 second' where chain_id = $1`, [held.chainId]);
    const late = await reception.post(`/api/salon/bookings/${held.bookings[0].id}/status`, { status: 'confirmed' });
    expect([late.status, late.body.error.code]).toEqual([409, 'HOLD_EXPIRED']);
    const mine = await ok(book(reception, [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('10:00', day) }]), 201);
    expect(mine.bookings[0].status).toBe('booked');
    const { rows } = await sys.query('select status from salon.booking where chain_id = $1 order by position', [held.chainId]);
    // the hold in the way expired at once; the job takes the rest
    expect(rows.map((r) => r.status)).toEqual(['expired', 'held']);
    // (the job also runs every minute by itself: what counts is what it leaves)
    await tk.kernel.broker.call('salon.$system.runJob', { name: 'expireHolds', data: {}, jobId: crypto.randomUUID() }, { meta: { system: true, tenantId: owner.tenantId, requestId: 'job:expireHolds' } });
    const { rows: after } = await sys.query('select status from salon.booking where chain_id = $1 order by position', [held.chainId]);
    expect(after.map((r) => r.status)).toEqual(['expired', 'expired']);
  });

  it('confirming a held chain confirms all of it, once', async () => {
    const day = addDays(MONDAY, 4);
    const held = await ok(book(reception, [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('16:00', day) }, { serviceId: ids.pedicure, staffId: ids.Boris, startsAt: at('17:00', day) }], { hold: true }), 201);
    const [a, b] = await Promise.all([held.bookings[0].id, held.bookings[0].id].map((id) => reception.post(`/api/salon/bookings/${id}/status`, { status: 'confirmed' })));
    expect([a.status, b.status].sort()).toEqual([200, 200]);
    expect([a.body.changed, b.body.changed].sort()).toEqual([0, 2]);
    const list = await ok(reception.get('/api/salon/bookings', { query: { chainId: held.chainId } }));
    expect(list.items.map((x: any) => x.status)).toEqual(['confirmed', 'confirmed']);
    const events = await sys.query(`select count(*)::int as n from kernel.outbox where name = 'salon.booking.status-changed.v1' and payload->>'chainId' = $1`, [held.chainId]);
    expect(events.rows[0].n).toBe(2);
  });

  it('moving checks the new time like a new booking', async () => {
    const day = addDays(MONDAY, 1);
    const b = await ok(book(reception, [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('10:00', day) }]), 201);
    const id = b.bookings[0].id;
    const moved = await ok(reception.patch(`/api/salon/bookings/${id}`, { startsAt: at('14:30', day) }));
    expect([moved.startsAt, moved.endsAt, moved.blockedTo]).toEqual([at('14:30', day), at('15:30', day), at('15:45', day)]);
    const toBoris = await reception.patch(`/api/salon/bookings/${id}`, { staffId: ids.Boris });
    expect([toBoris.status, toBoris.body.error.fields?.[0]?.field]).toEqual([400, 'staffId']);
    const lunch = await reception.patch(`/api/salon/bookings/${id}`, { startsAt: at('12:30', day) });
    expect([lunch.status, lunch.body.error.code]).toEqual([422, 'OUTSIDE_HOURS']);
    const other = await ok(book(reception, [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('17:00', day) }]), 201);
    const clash = await reception.patch(`/api/salon/bookings/${other.bookings[0].id}`, { startsAt: at('15:00', day) });
    expect([clash.status, clash.body.error.code]).toEqual([409, 'SLOT_TAKEN']);
  });
});

describe('who sees what', () => {
  it('a master lists and changes only their own bookings; clients stay with the front desk', async () => {
    const mineAnna = await ok(anna.get('/api/salon/bookings', { query: { limit: 200 } }));
    const mineBoris = await ok(boris.get('/api/salon/bookings', { query: { limit: 200 } }));
    expect(mineAnna.total).toBeGreaterThan(0);
    expect(mineBoris.total).toBeGreaterThan(0);
    expect(new Set(mineAnna.items.map((b: any) => b.staff.id))).toEqual(new Set([ids.Anna]));
    expect(new Set(mineBoris.items.map((b: any) => b.staff.id))).toEqual(new Set([ids.Boris]));
    const all = await ok(reception.get('/api/salon/bookings', { query: { limit: 200 } }));
    expect(all.total).toBe(mineAnna.total + mineBoris.total);
    // the client's phone comes with the master's own booking only
    expect(mineAnna.items[0].client).toMatchObject({ name: 'Dana', phone: '77015550011' });
    const borisBooking = mineBoris.items[0];
    expect((await anna.get(`/api/salon/bookings/${borisBooking.id}`)).status).toBe(404);
    expect((await anna.post(`/api/salon/bookings/${borisBooking.id}/status`, { status: 'arrived' })).status).toBe(404);
    expect((await anna.get('/api/salon/clients')).status).toBe(403);
    // the client card: history and segment (no visit done yet: new)
    expect(await ok(reception.get(`/api/salon/clients/${ids.client}`))).toMatchObject({ name: 'Dana', visits: 0, spent: 0, segment: 'new' });
    expect((await anna.post(`/api/salon/bookings/${mineAnna.items[0].id}/cancel`, {})).status).toBe(403);
    const own = mineAnna.items.find((b: any) => b.status === 'booked');
    expect((await ok(anna.post(`/api/salon/bookings/${own.id}/status`, { status: 'confirmed' }))).changed).toBe(1);
  });

  it('another salon sees none of it, even by id', async () => {
    expect((await ok(rival.get('/api/salon/bookings'))).total).toBe(0);
    expect((await ok(rival.get('/api/salon/staff'))).total).toBe(0);
    expect((await rival.get(`/api/salon/clients/${ids.client}`)).status).toBe(404);
    const r = await rival.post('/api/salon/bookings', { items: [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt: at('10:00') }] }, key());
    expect(r.status).toBe(400);
  });
});

describe('rooms, chairs and devices', () => {
  it('a resource with capacity 1 takes one booking at a time across masters, under concurrency; capacity 2 takes two', async () => {
    const day = addDays(MONDAY, 7);
    const chair = await ok(owner.post('/api/salon/resources', { name: 'Pedicure chair', kind: 'chair' }, key()), 201);
    await ok(owner.put(`/api/salon/resources/for-service/${ids.pedicure}`, { resourceIds: [chair.id] }));
    const startsAt = at('15:00', day);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => book(reception, [{ serviceId: ids.pedicure, staffId: i % 2 ? ids.Anna : ids.Boris, startsAt }])));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = results.filter((r) => r.status !== 201);
    expect(new Set(refused.map((r) => `${r.status} ${r.body.error.code}`)).size).toBeGreaterThan(0);
    for (const r of refused) expect(['409 SLOT_TAKEN', '409 RESOURCE_TAKEN']).toContain(`${r.status} ${r.body.error.code}`);
    const winner = results.find((r) => r.status === 201)!.body.bookings[0];
    const other = winner.staff.id === ids.Anna ? ids.Boris : ids.Anna;
    // the other master is free, the chair is not: not offered, and refused if asked
    const offered = await ok(reception.post('/api/salon/availability/search', { serviceIds: [ids.pedicure], staffIds: [other], from: day }));
    expect(offered.items.map((s: any) => s.startsAt)).not.toContain(startsAt);
    const again = await book(reception, [{ serviceId: ids.pedicure, staffId: other, startsAt }]);
    expect([again.status, again.body.error.code]).toEqual([409, 'RESOURCE_TAKEN']);
    // a second chair: now it fits
    await ok(owner.patch(`/api/salon/resources/${chair.id}`, { capacity: 2 }));
    const second = await ok(book(reception, [{ serviceId: ids.pedicure, staffId: other, startsAt }]), 201);
    const { rows } = await sys.query('select unit from salon.booking_resource where booking_id = any($1) order by unit', [[winner.id, second.bookings[0].id]]);
    expect(rows.map((r) => r.unit)).toEqual([1, 2]);
    // a unit in use cannot go away; a cancelled booking gives its unit back at once
    const shrink = await owner.patch(`/api/salon/resources/${chair.id}`, { capacity: 1 });
    expect([shrink.status, shrink.body.error.fields[0].field]).toEqual([400, 'capacity']);
    await ok(reception.post(`/api/salon/bookings/${second.bookings[0].id}/cancel`, {}));
    expect((await sys.query('select live from salon.booking_resource where booking_id = $1', [second.bookings[0].id])).rows[0].live).toBe(false);
    await ok(owner.put(`/api/salon/resources/for-service/${ids.pedicure}`, { resourceIds: [] }));
  });
});

describe('the public booking page', () => {
  it('services → slot → booking with name and phone, no sign-in; online-only, future-only, a few per phone', async () => {
    const pub = tk.anonymous();
    const base = `/api/salon/public/${owner.tenantId}`;
    const services = await ok(pub.get(`${base}/services`));
    expect(services.items.map((s: any) => s.name)).toEqual(['Manicure', 'Pedicure']);
    expect(services.items[0].staff.map((s: any) => s.name)).toEqual(['Anna']);
    const day = addDays(MONDAY, 8);
    const slots = await ok(pub.post(`${base}/availability`, { serviceIds: [ids.manicure], from: day }));
    expect(slots.items[0].startsAt).toBe(at('10:00', day));
    const book1 = (startsAt: string, phone = '+7 702 111 22 33') =>
      pub.post(`${base}/bookings`, { items: [{ serviceId: ids.manicure, staffId: ids.Anna, startsAt }], client: { name: 'Online Olga', phone } }, key());
    const made = await ok(book1(at('10:00', day)), 201);
    expect(made.bookings[0]).toMatchObject({ service: 'Manicure', master: 'Anna', startsAt: at('10:00', day) });
    // the front desk sees it at once, marked online, with the client found or created by phone
    const desk = await ok(reception.get(`/api/salon/bookings/${made.bookings[0].id}`));
    expect(desk).toMatchObject({ source: 'online', status: 'booked', client: { name: 'Online Olga', phone: '77021112233' } });
    // taken now; the past; a service the salon keeps offline; more than three upcoming per phone
    expect((await book1(at('10:00', day))).body.error.code).toBe('SLOT_TAKEN');
    expect((await book1(at('10:00', addDays(localDay(TZ, Date.now()), -7)))).body.error.code).toBe('TIME_PASSED');
    await ok(owner.patch(`/api/salon/services/${ids.pedicure}`, { online: false }));
    const offline = await pub.post(`${base}/bookings`, { items: [{ serviceId: ids.pedicure, staffId: ids.Anna, startsAt: at('14:00', day) }], client: { name: 'Olga', phone: '+77021112233' } }, key());
    expect([offline.status, offline.body.error.code]).toEqual([422, 'NOT_BOOKABLE_ONLINE']);
    expect((await pub.post(`${base}/availability`, { serviceIds: [ids.pedicure], from: day })).status).toBe(400);
    await ok(owner.patch(`/api/salon/services/${ids.pedicure}`, { online: true }));
    await ok(book1(at('14:00', day)), 201);
    await ok(book1(at('15:30', day)), 201);
    const fourth = await book1(at('17:00', day));
    expect([fourth.status, fourth.body.error.code]).toEqual([422, 'TOO_MANY_ONLINE_BOOKINGS']);
    expect((await book1(at('17:00', day), '+77029998877')).status).toBe(201);
    // a salon that has not turned the plugin on has no booking page
    const elsewhere = await tk.signup('No salon', 'owner@nosalon.test');
    expect((await pub.get(`/api/salon/public/${elsewhere.tenantId}/services`)).status).toBeGreaterThanOrEqual(400);
  });
});
