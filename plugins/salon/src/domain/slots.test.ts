import { describe, expect, it } from 'vitest';
import { assignUnits, findSlots, isFree, workingIntervals, type ChainStep, type StaffCalendar } from './slots.ts';
import { isoWeekday, localDay, localToInstant } from './zoned-time.ts';

const TZ = 'Asia/Almaty'; // UTC+5, no DST
const DAY = '2030-03-04'; // a Monday
const at = (hhmm: string, day = DAY, tz = TZ) => localToInstant(tz, day, Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3)));
const hhmm = (t: number) => new Date(t + 5 * 3_600_000).toISOString().slice(11, 16);
const MON_10_19 = [{ weekday: 1, startsMin: 600, endsMin: 1140 }];

describe('zoned time', () => {
  it('maps local wall time to instants in the zone, across DST', () => {
    expect(new Date(at('10:00')).toISOString()).toBe('2030-03-04T05:00:00.000Z');
    expect(isoWeekday(DAY)).toBe(1);
    expect(localDay(TZ, at('23:30'))).toBe(DAY);
    // Berlin springs forward on 2030-03-31 at 02:00 → 03:00: 02:30 does not exist, 03:30 is UTC+2
    expect(new Date(localToInstant('Europe/Berlin', '2030-03-31', 210)).toISOString()).toBe('2030-03-31T01:30:00.000Z');
    expect(new Date(localToInstant('Europe/Berlin', '2030-03-30', 600)).toISOString()).toBe('2030-03-30T09:00:00.000Z');
    // and falls back on 2030-10-27 at 03:00 → 02:00: 02:30 happens twice, the first one is taken
    expect(new Date(localToInstant('Europe/Berlin', '2030-10-27', 150)).toISOString()).toBe('2030-10-27T00:30:00.000Z');
  });
});

describe('working intervals', () => {
  it('weekly hours with a break, a day off, part of a day off and an extra shift', () => {
    const hours = [{ weekday: 1, startsMin: 600, endsMin: 780 }, { weekday: 1, startsMin: 840, endsMin: 1140 }, { weekday: 2, startsMin: 600, endsMin: 1140 }, { weekday: 3, startsMin: 600, endsMin: 1140 }];
    const w = workingIntervals(TZ, hours, [
      { day: '2030-03-05', kind: 'off', startsMin: null, endsMin: null },
      { day: '2030-03-06', kind: 'off', startsMin: 720, endsMin: 900 },
      { day: '2030-03-09', kind: 'extra', startsMin: 660, endsMin: 900 },
    ], DAY, 7);
    expect(w.map((i) => `${localDay(TZ, i.start)} ${hhmm(i.start)}-${hhmm(i.end)}`)).toEqual([
      '2030-03-04 10:00-13:00', '2030-03-04 14:00-19:00',
      '2030-03-06 10:00-12:00', '2030-03-06 15:00-19:00',
      '2030-03-09 11:00-15:00',
    ]);
  });
});

describe('slots', () => {
  const cal = (busy: [string, string][] = [], hours = MON_10_19): StaffCalendar => ({ working: workingIntervals(TZ, hours, [], DAY, 1), busy: busy.map(([a, b]) => ({ start: at(a), end: at(b) })) });
  const one = (options: string[], durationMin = 60, bufferBeforeMin = 0, bufferAfterMin = 0): ChainStep => ({ serviceId: 's', bufferBeforeMin, bufferAfterMin, options: options.map((staffId) => ({ staffId, durationMin })) });
  const search = (steps: ChainStep[], calendars: Record<string, StaffCalendar>, stepMin = 30, gapMin = 0) =>
    findSlots({ steps, calendars: new Map(Object.entries(calendars)), timeZone: TZ, from: at('00:00'), to: at('23:59'), stepMin, gapMin });

  it('one service: every step-aligned start inside the hours, none overlapping a booking', () => {
    const slots = search([one(['anna'])], { anna: cal([['12:00', '13:00']]) });
    expect(slots.map((s) => hhmm(s.startsAt))).toEqual(['10:00', '10:30', '11:00', '13:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00', '16:30', '17:00', '17:30', '18:00']);
  });

  it('buffers block the master before and after, and must fit the hours too', () => {
    // 15 min preparation, 30 min cleanup: the first start is 10:15 (on a 15-min grid), the last ends 18:30
    const slots = search([one(['anna'], 60, 15, 30)], { anna: cal([['13:00', '14:00']]) }, 15);
    const starts = slots.map((s) => hhmm(s.startsAt));
    expect(starts[0]).toBe('10:15');
    expect(starts.at(-1)).toBe('17:30');
    // a booking 13:00–14:00: cleanup until 13:00 means the service ends by 12:30 → starts by 11:30
    expect(starts).toContain('11:30');
    expect(starts).not.toContain('11:45');
    // preparation from 14:00 → the first start after is 14:15
    expect(starts).not.toContain('14:00');
    expect(starts).toContain('14:15');
    expect(slots[0]!.items[0]).toMatchObject({ blockedFrom: at('10:00'), blockedTo: at('11:45') });
  });

  it('a chain of two services with different masters runs back to back, or with a gap', () => {
    const steps = [one(['anna'], 60), { ...one(['boris'], 90), serviceId: 'p' }];
    const slots = search(steps, { anna: cal(), boris: cal([['12:00', '15:00']]) });
    // boris is free 10–12 and 15–19: the 90-minute pedicure fits the morning only from 10:30 at the
    // latest, when no manicure could have ended yet; the first chain starts when boris is back
    const pairs = slots.map((s) => s.items.map((i) => `${i.staffId}@${hhmm(i.startsAt)}`).join(' → '));
    expect(pairs[0]).toBe('anna@14:00 → boris@15:00');
    expect(pairs).not.toContain('anna@10:00 → boris@11:00');
    expect(pairs.at(-1)).toBe('anna@16:30 → boris@17:30');
    const gapped = search(steps, { anna: cal(), boris: cal([['12:00', '15:00']]) }, 30, 30);
    expect(gapped.map((s) => s.items.map((i) => hhmm(i.startsAt)).join('→'))).toContain('13:30→15:00');
  });

  it('a chain with the same master leaves room for both buffers, and tries the next master', () => {
    const steps: ChainStep[] = [{ serviceId: 'm', bufferBeforeMin: 0, bufferAfterMin: 15, options: [{ staffId: 'anna', durationMin: 60 }] },
      { serviceId: 'p', bufferBeforeMin: 15, bufferAfterMin: 0, options: [{ staffId: 'anna', durationMin: 60 }, { staffId: 'boris', durationMin: 60 }] }];
    const [first] = search(steps, { anna: cal(), boris: cal([['10:00', '19:00']]) });
    expect(first!.items.map((i) => `${i.staffId}@${hhmm(i.startsAt)}`)).toEqual(['anna@10:00', 'anna@11:30']);
    const [other] = search(steps, { anna: cal(), boris: cal() });
    // anna first in the options, so she does both; when she is busy after, boris takes the second
    expect(other!.items.map((i) => i.staffId)).toEqual(['anna', 'anna']);
    const busyAfter = search(steps, { anna: cal([['11:00', '19:00']]), boris: cal() });
    expect(busyAfter).toEqual([]);
    const withBoris = search(steps, { anna: cal([['11:15', '19:00']]), boris: cal() });
    expect(withBoris[0]!.items.map((i) => `${i.staffId}@${hhmm(i.startsAt)}`)).toEqual(['anna@10:00', 'boris@11:00']);
  });

  it('isFree: touching is not overlapping', () => {
    const c = cal([['12:00', '13:00']]);
    expect(isFree(c, at('11:00'), at('12:00'))).toBe(true);
    expect(isFree(c, at('13:00'), at('14:00'))).toBe(true);
    expect(isFree(c, at('12:59'), at('14:00'))).toBe(false);
    expect(isFree(c, at('09:30'), at('10:30'))).toBe(false);
  });
});

describe('resources', () => {
  const cal = (): StaffCalendar => ({ working: workingIntervals(TZ, MON_10_19, [], DAY, 1), busy: [] });
  const room = (busyPerUnit: [string, string][][]) => ({ resourceId: 'room', units: busyPerUnit.map((b) => b.map(([x, y]) => ({ start: at(x), end: at(y) }))) });
  const search = (steps: ChainStep[]) => findSlots({ steps, calendars: new Map([['anna', cal()], ['boris', cal()]]), timeZone: TZ, from: at('00:00'), to: at('23:59'), stepMin: 60 });

  it('a slot needs a free unit of every resource; a chain does not take one unit twice', () => {
    // one room, busy 10–12: nobody can start before 12, whoever is free
    const one: ChainStep = { serviceId: 's', bufferBeforeMin: 0, bufferAfterMin: 0, options: [{ staffId: 'anna', durationMin: 60 }, { staffId: 'boris', durationMin: 60 }], resources: [room([[['10:00', '12:00']]])] };
    const slots = search([one]);
    expect(slots.map((s) => `${hhmm(s.startsAt)} ${s.items[0]!.staffId} u${s.items[0]!.units[0]!.unit}`).slice(0, 3)).toEqual(['12:00 anna u1', '12:00 boris u1', '13:00 anna u1']);
    // two units: the second is free in the morning
    const two = { ...one, resources: [room([[['10:00', '12:00']], []])] };
    expect(search([two])[0]!.items[0]!.units).toEqual([{ resourceId: 'room', unit: 2 }]);
    // a chain of two services in the one room, overlapping in time through buffers: the second needs another unit
    const a: ChainStep = { serviceId: 'a', bufferBeforeMin: 0, bufferAfterMin: 30, options: [{ staffId: 'anna', durationMin: 60 }], resources: [room([[]])] };
    const b: ChainStep = { serviceId: 'b', bufferBeforeMin: 0, bufferAfterMin: 0, options: [{ staffId: 'boris', durationMin: 60 }], resources: [room([[]])] };
    expect(search([a, b])).toEqual([]);
    const a2 = { ...a, resources: [room([[], []])] };
    const b2 = { ...b, resources: [room([[], []])] };
    expect(search([a2, b2])[0]!.items.map((i) => i.units[0]!.unit)).toEqual([1, 2]);
  });

  it('assignUnits: first free unit per service, none taken twice, the first that cannot be served named', () => {
    const needs = new Map([['s', [room([[['10:00', '11:00']], [], []])]]]);
    const item = { serviceId: 's', blockedFrom: at('10:00'), blockedTo: at('11:00') };
    expect(assignUnits([item, item], needs)).toEqual({ units: [[{ resourceId: 'room', unit: 2 }], [{ resourceId: 'room', unit: 3 }]] });
    expect(assignUnits([item, item, item], needs)).toEqual({ failed: { index: 2, resourceId: 'room' } });
    expect(assignUnits([{ serviceId: 'other', blockedFrom: 0, blockedTo: 1 }], needs)).toEqual({ units: [[]] });
  });
});

