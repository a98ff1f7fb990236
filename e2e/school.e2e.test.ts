import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * The school admin in a real browser against a real kernel, in Russian: on a desktop (1280×800) a
 * manager creates a group with a weekly lesson, adds a student who has a pass and generates a
 * month of lessons; on a phone (390×844) the teacher's view opens today's lesson from the week's
 * schedule, marks the student as come and saves — the sheet then shows one lesson less on the pass,
 * as the database does. The centre, the tenant and the browser all keep UTC, so "today" is the same
 * day for the server, the lesson and the page.
 */
const root = path.resolve(import.meta.dirname, '..');
const shots = path.join(root, 'e2e/screenshots');
const PASSWORD = 'school-password-1';
const email = `school-${Date.now().toString(36)}@centre.test`;

let tk: TestKernel;
let browser: Browser;
let api: TestClient;
const ids = { studentId: '', passId: '', groupId: '', moved: '' };
const now = new Date();
const today = now.toISOString().slice(0, 10);
const weekday = ((now.getUTCDay() + 6) % 7) + 1;
const dayBefore = new Date(now.getTime() - 86_400_000).toISOString().slice(0, 10);
/** A day of next week: 1 Monday … 7 Sunday. */
const nextWeek = (wd: number) => new Date(now.getTime() + (7 - (weekday - 1) + (wd - 1)) * 86_400_000).toISOString().slice(0, 10);

async function newPage(kind: 'desktop' | 'phone'): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({
    ...(kind === 'phone' ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : { viewport: { width: 1280, height: 800 } }),
    baseURL: tk.url,
    locale: 'ru-RU',
    timezoneId: 'UTC',
  });
  await ctx.addInitScript(() => localStorage.setItem('atrium.locale', 'ru'));
  // a step that cannot happen fails within a minute (with a screenshot), not at the test's timeout
  ctx.setDefaultTimeout(60_000);
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error('[browser]', e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.error('[console]', m.text()); });
  return { ctx, page };
}

async function signIn(page: Page) {
  await page.goto('/#/login');
  await page.getByTestId('email').fill(email);
  await page.locator('input[type=password]').fill(PASSWORD);
  await page.getByTestId('submit').click();
  await page.waitForURL(/#\/dashboard/);
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(shots, `school-${name}.png`), fullPage: true });
const noHorizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);

/** Picks `option` in the QSelect with this test id (Quasar renders the options in a menu). */
async function choose(page: Page, testId: string, option: string) {
  await page.getByTestId(testId).click();
  await page.getByRole('option', { name: option }).click();
}

async function ok(r: Promise<{ status: number; body: any }>, what: string) {
  const res = await r;
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  tk = await createTestKernel({ plugins: [path.join(root, 'plugins/school')], adminDist: path.join(root, 'admin/dist') });
  api = await tk.signup('Учебный центр «Алма»', email, PASSWORD);
  await ok(api.patch('/api/tenants/current', { timeZone: 'UTC' }), 'the tenant time zone');
  await ok(api.post('/api/plugins/school/enable'), 'enable school');
  // what a centre sets up once: a branch with a room, a subject, a teacher, a pass tariff
  const branch = await ok(api.post('/api/school/branches', { name: 'Центр на Абая', timeZone: 'UTC' }), 'a branch');
  await ok(api.post('/api/school/rooms', { branchId: branch.id, name: 'Аудитория 1', capacity: 12 }), 'a room');
  const subject = await ok(api.post('/api/school/subjects', { name: 'Английский язык' }), 'a subject');
  const teacher = await ok(api.post('/api/school/teachers', { name: 'Анна Иванова', subjectIds: [subject.id] }), 'a teacher');
  // two individual lessons of hers next week at 10:00, on Wednesday and Thursday: dragging
  // Wednesday's onto Thursday must show the clash before anything is saved
  const one = (d: string) => ok(api.post('/api/school/lessons', { kind: 'individual', subjectId: subject.id, teacherId: teacher.id, branchId: branch.id, startsAt: `${d}T10:00:00.000Z`, endsAt: `${d}T11:00:00.000Z` }), 'a one-off lesson');
  ids.moved = (await one(nextWeek(3))).id;
  await one(nextWeek(4));
  const tariff = await ok(api.post('/api/school/tariffs', { name: 'Абонемент 8 занятий', kind: 'pass', price: 2_400_000, lessons: 8, validityDays: 30 }), 'a tariff');
  // a student who bought a pass yesterday
  const student = await ok(api.post('/api/school/students', { name: 'Айгерим Сапарова', contacts: [{ name: 'Мама', relation: 'mother', phone: '+7 701 555 12 34', preferredChannel: 'sms' }] }), 'a student');
  ids.studentId = student.id;
  const pass = await ok(api.post('/api/school/passes', { studentId: student.id, tariffId: tariff.id, validFrom: dayBefore }, { headers: { 'idempotency-key': `e2e-${student.id}` } }), 'a pass');
  ids.passId = pass.id;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
});

afterAll(async () => {
  await browser?.close();
  await tk?.stop();
});

const lessonsLeft = async () => (await ok(api.get(`/api/school/passes/${ids.passId}`), 'the pass')).lessonsLeft as number;

describe('the school in a real browser', () => {
  it('desktop 1280×800: a new group with a weekly lesson, a student added, a month of lessons generated', async () => {
    const { ctx, page } = await newPage('desktop');
    try {
      await signIn(page);
      await page.goto('/#/school/groups');
      await page.getByTestId('groups-empty').waitFor();
      await page.getByTestId('group-new').click();
      await page.getByTestId('group-dialog').waitFor();
      await page.getByTestId('group-name').fill('Английский A1 утро');
      await choose(page, 'group-subject', 'Английский язык');
      await choose(page, 'group-teacher', 'Анна Иванова');
      await choose(page, 'group-room', 'Аудитория 1');
      await page.getByTestId('group-capacity').fill('8');
      // one lesson a week on today's weekday, early enough that today's has begun
      await choose(page, 'slot-0-weekday', ['Пн', 'Вт', 'Ср', 'Чт', 'Пт', 'Сб', 'Вс'][weekday - 1]!);
      await page.getByTestId('slot-0-start').fill('00:05');
      await page.getByTestId('slot-0-minutes').fill('60');
      await shot(page, 'group-new');
      await page.getByTestId('group-save').click();
      await page.waitForURL(/#\/school\/groups\/[0-9a-f-]{36}/);
      ids.groupId = page.url().split('/').pop()!;
      await page.getByTestId('group-title').filter({ hasText: 'Английский A1 утро' }).waitFor();

      // the student, found by name as the manager types
      await page.getByTestId('member-add').click();
      await page.keyboard.type('Айгер');
      await page.getByTestId('student-option').filter({ hasText: 'Айгерим Сапарова' }).click();
      await page.getByTestId('member-row').filter({ hasText: 'Айгерим Сапарова' }).waitFor();
      expect(await page.getByTestId('member-row').innerText()).toContain('8');

      // a month from today: four or five lessons; generating again adds none
      await page.getByTestId('generate-from').fill(today);
      await page.getByTestId('generate-to').fill(new Date(now.getTime() + 29 * 86_400_000).toISOString().slice(0, 10));
      await page.getByTestId('generate').click();
      await page.getByTestId('generate-result').waitFor();
      const first = await page.getByTestId('generate-result').innerText();
      const created = Number(/Создано уроков: (\d+)/.exec(first)?.[1]);
      expect(created).toBeGreaterThanOrEqual(4);
      expect(created).toBeLessThanOrEqual(5);
      await page.getByTestId('generate').click();
      await page.getByTestId('generate-result').filter({ hasText: 'Создано уроков: 0' }).waitFor();
      const lessons = await ok(api.get('/api/school/lessons', { query: { groupId: ids.groupId, from: `${dayBefore}T00:00:00Z`, to: new Date(now.getTime() + 40 * 86_400_000).toISOString() } }), 'lessons');
      expect(lessons.items).toHaveLength(created);
      expect(await noHorizontalOverflow(page)).toBe(true);
      await shot(page, 'group');

      // the week's schedule shows today's lesson in its column
      await page.goto('/#/school');
      await page.getByTestId('schedule-week').waitFor();
      expect(await page.getByTestId('lesson-card').first().innerText()).toContain('Английский A1 утро');
      await shot(page, 'schedule-desktop');

      // next week: Wednesday's lesson dragged onto Thursday clashes (the teacher is busy), onto Friday it moves
      await page.getByTestId('week-next').click();
      const card = page.locator(`[data-testid=lesson-card][data-lesson="${ids.moved}"]`);
      await card.waitFor();
      await card.dragTo(page.getByTestId(`day-${nextWeek(4)}`));
      await page.getByTestId('move-conflicts').waitFor();
      expect(await page.getByTestId('move-conflicts').innerText()).toContain('Анна Иванова');
      expect(await page.getByTestId('move-confirm').isDisabled()).toBe(true);
      await shot(page, 'move-conflict');
      await page.getByTestId('move-dialog').getByRole('button', { name: 'Отмена' }).click();
      await page.getByTestId('move-dialog').waitFor({ state: 'detached' });
      await card.dragTo(page.getByTestId(`day-${nextWeek(5)}`));
      await page.getByTestId('move-free').waitFor();
      await page.getByTestId('move-confirm').click();
      await page.getByTestId('move-dialog').waitFor({ state: 'detached' });
      expect((await ok(api.get(`/api/school/lessons/${ids.moved}`), 'the moved lesson')).startsAt).toBe(`${nextWeek(5)}T10:00:00.000Z`);
      await page.locator(`[data-testid=day-${nextWeek(5)}] [data-lesson="${ids.moved}"]`).waitFor();

      // leads: a new lead on the Kanban, dragged to "contacted", then to "lost" with a reason
      await page.goto('/#/school/leads');
      await page.getByTestId('lead-board').waitFor();
      await page.getByTestId('lead-new').click();
      await page.getByTestId('lead-name').fill('Ерлан Касымов');
      await page.getByTestId('lead-phone').fill('+7 701 222 33 44');
      await page.getByTestId('lead-save').click();
      const leadCard = page.getByTestId('lead-card').filter({ hasText: 'Ерлан Касымов' });
      await page.getByTestId('lead-column-new').getByTestId('lead-card').filter({ hasText: 'Ерлан Касымов' }).waitFor();
      await leadCard.dragTo(page.getByTestId('lead-column-contacted'));
      await page.getByTestId('lead-column-contacted').getByTestId('lead-card').filter({ hasText: 'Ерлан Касымов' }).waitFor();
      await leadCard.dragTo(page.getByTestId('lead-column-rejected'));
      await choose(page, 'lead-reason', 'Цена');
      await page.getByTestId('lead-reason-save').click();
      await page.getByTestId('lead-column-rejected').getByTestId('lead-card').filter({ hasText: 'Ерлан Касымов' }).waitFor();
      expect(await noHorizontalOverflow(page)).toBe(true);

      // reports: on screen, and the same as an Excel file downloaded with the session
      await page.goto('/#/school/reports');
      await page.getByTestId('report-table').waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-xlsx').click()]);
      expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    } finally {
      await ctx.close();
    }
  });

  it('phone 390×844: today\'s lesson from the schedule, the student marked as come, the pass has one lesson less', async () => {
    expect(await lessonsLeft()).toBe(8);
    const { ctx, page } = await newPage('phone');
    try {
      await signIn(page);
      // the dashboard's widget lists today's lesson
      await page.getByTestId('today-lessons').filter({ hasText: 'Английский A1 утро' }).waitFor();
      await page.goto('/#/school');
      await page.getByTestId('schedule-days').waitFor();
      expect(await noHorizontalOverflow(page)).toBe(true);
      await shot(page, 'schedule-phone');
      await page.getByTestId('lesson-card').first().click();
      await page.waitForURL(/#\/school\/lessons\//);
      const row = page.getByTestId('sheet-row').filter({ hasText: 'Айгерим Сапарова' });
      await row.waitFor();
      expect(await row.getByTestId('pass-left').innerText()).toContain('8');
      await row.getByTestId('mark-attended').click();
      await page.getByTestId('save-marks').click();
      // the sheet as the server left it: the mark is charged to the pass
      await row.getByTestId('pass-left').filter({ hasText: '7' }).waitFor();
      expect(await noHorizontalOverflow(page)).toBe(true);
      await shot(page, 'attendance-phone');
      expect(await lessonsLeft()).toBe(7);

      // the student's card on the phone shows the same
      await page.goto(`/#/school/students/${ids.studentId}`);
      await page.getByTestId('pass-left').filter({ hasText: '7' }).waitFor();
      expect(await noHorizontalOverflow(page)).toBe(true);
    } finally {
      await ctx.close();
    }
  });
});
