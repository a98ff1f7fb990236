import crypto from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { createTestKernel, type CreateTestKernelOptions, type HttpResult, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * What the school tests share: a kernel with the plugin and a centre (owner, manager, accountant,
 * two teachers), and helpers that set up branches, rooms, subjects, teachers and groups through
 * the API, as a centre would.
 */
export const pluginDir = path.resolve(import.meta.dirname, '..');

export type Centre = {
  tk: TestKernel; sys: pg.Client; owner: TestClient; manager: TestClient; accountant: TestClient; anna: TestClient; boris: TestClient; rival: TestClient; tenantId: string;
};

export async function bootCentre(opts: { plugins?: CreateTestKernelOptions['plugins']; config?: Record<string, unknown>; enable?: string[] } = {}): Promise<Centre> {
  const tk = await createTestKernel({
    plugins: opts.plugins ?? [pluginDir],
    // SCHOOL_TEST_LOG=error shows the kernel's log (a 500's stack) while debugging a test
    config: { ...(process.env.SCHOOL_TEST_LOG ? { log: { level: process.env.SCHOOL_TEST_LOG } } : {}), ...opts.config },
    tenants: [
      {
        name: 'Школа Алматы',
        owner: 'owner@school.test',
        users: [
          { email: 'manager@school.test', roles: ['manager'] },
          { email: 'accountant@school.test', roles: ['accountant'] },
          { email: 'anna@school.test', roles: ['teacher'] },
          { email: 'boris@school.test', roles: ['teacher'] },
        ],
        enable: opts.enable ?? ['school'],
      },
      { name: 'Rival', owner: 'owner@rival.test', enable: opts.enable ?? ['school'] },
    ],
  });
  const sys = new pg.Client({ connectionString: tk.databaseUrls.system });
  await sys.connect();
  const [owner, manager, accountant, anna, boris, rival] = await Promise.all(
    ['owner@school.test', 'manager@school.test', 'accountant@school.test', 'anna@school.test', 'boris@school.test', 'owner@rival.test'].map((e) => tk.as(e)),
  );
  return { tk, sys, owner: owner!, manager: manager!, accountant: accountant!, anna: anna!, boris: boris!, rival: rival!, tenantId: owner!.tenantId };
}

export async function stopCentre(c: Centre | undefined): Promise<void> {
  await c?.sys.end();
  await c?.tk.stop();
}

export const key = () => ({ headers: { 'idempotency-key': crypto.randomUUID() } });

export function ok<T = any>(r: HttpResult<T>, status = 200): T {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

export type Place = { branchId: string; roomA: string; roomB: string; subjectId: string; teacherAnna: string; teacherBoris: string };

/** A branch with two rooms, a subject, and two teachers linked to the sign-ins of anna and boris. */
export async function setupPlace(c: Centre, opts: { timeZone?: string; linkUsers?: boolean } = {}): Promise<Place> {
  const api = c.manager;
  const branch = ok(await api.post('/api/school/branches', { name: `Филиал ${crypto.randomUUID().slice(0, 6)}`, timeZone: opts.timeZone ?? 'Asia/Almaty' }), 201);
  const roomA = ok(await api.post('/api/school/rooms', { branchId: branch.id, name: 'Аудитория 1', capacity: 12 }), 201);
  const roomB = ok(await api.post('/api/school/rooms', { branchId: branch.id, name: 'Аудитория 2', capacity: 8 }), 201);
  const subject = ok(await api.post('/api/school/subjects', { name: `Английский ${crypto.randomUUID().slice(0, 6)}` }), 201);
  const link = opts.linkUsers ?? true;
  const anna = ok(await api.post('/api/school/teachers', { name: 'Анна Иванова', ...(link ? { userId: c.anna.userId } : {}), subjectIds: [subject.id] }), 201);
  const boris = ok(await api.post('/api/school/teachers', { name: 'Борис Петров', ...(link ? { userId: c.boris.userId } : {}), subjectIds: [subject.id] }), 201);
  return { branchId: branch.id, roomA: roomA.id, roomB: roomB.id, subjectId: subject.id, teacherAnna: anna.id, teacherBoris: boris.id };
}

export async function createGroup(c: Centre, p: Place, body: Record<string, unknown> = {}): Promise<any> {
  return ok(await c.manager.post('/api/school/groups', {
    name: `Группа ${crypto.randomUUID().slice(0, 6)}`, branchId: p.branchId, subjectId: p.subjectId, teacherId: p.teacherAnna, roomId: p.roomA, capacity: 10,
    slots: [{ weekday: 1, startTime: '16:00', minutes: 90 }, { weekday: 3, startTime: '16:00', minutes: 90 }],
    ...body,
  }), 201);
}

export async function createStudent(c: Centre, name = `Ученик ${crypto.randomUUID().slice(0, 6)}`, extra: Record<string, unknown> = {}): Promise<any> {
  return ok(await c.manager.post('/api/school/students', { name, contacts: [{ name: 'Мама', relation: 'mother', phone: '+7 701 555 12 34', preferredChannel: 'sms' }], ...extra }), 201);
}

/** An instant of a local wall-clock time in a zone (`2025-03-03`, `16:00`, `Asia/Almaty`). */
export function at(date: string, time: string, timeZone: string): string {
  const guess = Date.parse(`${date}T${time}:00Z`);
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(new Date(guess));
  const get = (t: string) => Number(parts.find((x) => x.type === t)!.value);
  const shown = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'));
  return new Date(guess - (shown - guess)).toISOString();
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The Monday of the ISO week `weeksAhead` weeks from now (UTC). */
export function monday(weeksAhead = 0): string {
  const d = new Date();
  const dow = (d.getUTCDay() + 6) % 7;
  return addDays(d.toISOString().slice(0, 10), -dow + 7 * weeksAhead);
}

/** Runs one of the plugin's jobs now, for one tenant, as the scheduler would. */
export function runJob(c: Centre, name: string, tenantId = c.tenantId, data: Record<string, unknown> = {}): Promise<any> {
  return c.tk.kernel.broker.call('school.$system.runJob', { name, data, jobId: crypto.randomUUID() }, { meta: { system: true, tenantId, requestId: `job:${name}` } });
}

/** The day `days` from today in a time zone. */
export function localDay(timeZone: string, days = 0): string {
  const d = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  return addDays(d, days);
}

/** A pass tariff and a pass sold to a student from it (valid from `validFrom`). */
export async function sellPass(c: Centre, studentId: string, t: Record<string, unknown> = {}, pass: Record<string, unknown> = {}): Promise<any> {
  const tariff = ok(await c.manager.post('/api/school/tariffs', { name: `Абонемент ${crypto.randomUUID().slice(0, 6)}`, kind: 'pass', price: 2_000_000, lessons: 8, validityDays: 30, ...t }), 201);
  return ok(await c.manager.post('/api/school/passes', { studentId, tariffId: tariff.id, ...pass }, key()), 201);
}

export async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
