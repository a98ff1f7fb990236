/**
 * school.* — the school plugin's schedule over HTTP through a real kernel (auth, plugin gate, ajv,
 * CASL, tenant transaction with RLS):
 *
 * - school.schedule.generate: a year of lessons for 100 groups (two weekly slots each, 50 teachers,
 *   50 rooms, exclusion constraints on teacher, room and group) through `POST /groups/generate`, a
 *   quarter per request (the sum of the four).
 *   Goal (issue 16): ≤ 2 s. Anchor: the same rows written by one bare `insert … select` on the same
 *   PostgreSQL (the database's own cost of storing them under the same constraints and indexes).
 *   school.schedule.regenerate: the same range again (idempotent: nothing new).
 * - school.calendar.week: the centre's week (50 teachers, ~200 lessons) from `GET /lessons`.
 *   Goal: p95 ≤ 50 ms. Anchor: the service's own SQL sent straight to PostgreSQL (no HTTP, no kernel).
 *
 * Set-up goes through the API as a centre would (teachers, rooms, groups with slots).
 */
import pg from 'pg';
import school from '../plugins/school/src/index.ts';
import { LESSON_FROM, lessonColumns } from '../plugins/school/src/domain/lessons.ts';
import { percentile, round, runAsScript, startBenchEnv, startBenchKernel, type BenchResult } from './bench-env.ts';

const GROUPS = Number(process.env.BENCH_SCHOOL_GROUPS ?? 100);
const TEACHERS = Math.max(1, GROUPS / 2);
const REQUESTS = Number(process.env.BENCH_SCHOOL_REQUESTS ?? 500);
const log = (...a: unknown[]) => { if (process.env.BENCH_VERBOSE) console.error('[school]', ...a); };
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

async function timeEach(n: number, warmup: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

export async function run(): Promise<BenchResult[]> {
  const env = await startBenchEnv();
  try {
    const kernel = await startBenchKernel(env, [school]);
    const sys = new pg.Client({ connectionString: env.pgUrl.replace(/\/[^/]*$/, '/atrium_bench') });
    try {
      await sys.connect();
      const call = async (method: string, p: string, body?: unknown, token?: string) => {
        const r = await fetch(kernel.url + p, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
        const json: any = await r.json();
        if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(json)}`);
        return json;
      };
      const s = await call('POST', '/api/auth/signup', { tenantName: 'School bench', email: 'owner@school.bench', password: 'bench-password-123', timeZone: 'Asia/Almaty' });
      const token: string = s.accessToken;
      const tenantId: string = s.tenant.id;
      const api = (method: string, p: string, body?: unknown) => call(method, p, body, token);
      await api('POST', '/api/plugins/school/enable', {});

      // the centre: a branch, a subject, 50 teachers and 50 rooms; group i and i + 50 share a
      // teacher and a room at different hours, each group twice a week — no conflicts by design
      const branch = await api('POST', '/api/school/branches', { name: 'Bench branch', timeZone: 'Asia/Almaty' });
      const subject = await api('POST', '/api/school/subjects', { name: 'English' });
      const teachers: string[] = [];
      const rooms: string[] = [];
      for (let i = 0; i < TEACHERS; i++) {
        teachers.push((await api('POST', '/api/school/teachers', { name: `Teacher ${i + 1}`, subjectIds: [subject.id] })).id);
        rooms.push((await api('POST', '/api/school/rooms', { branchId: branch.id, name: `Room ${i + 1}`, capacity: 20 })).id);
      }
      for (let i = 0; i < GROUPS; i++) {
        const d1 = 1 + (i % 5);
        const time = `${String(9 + 2 * Math.floor(i / TEACHERS)).padStart(2, '0')}:00`;
        await api('POST', '/api/school/groups', {
          name: `Group ${i + 1}`, branchId: branch.id, subjectId: subject.id, teacherId: teachers[i % TEACHERS], roomId: rooms[i % TEACHERS], capacity: 12,
          startsOn: day(0), slots: [{ weekday: d1, startTime: time, minutes: 90 }, { weekday: d1 + 2, startTime: time, minutes: 90 }],
        });
      }
      log(`set up ${GROUPS} groups`);

      // a year of lessons, a quarter per request (as the UI asks for it): one request for the whole
      // year can pass the gateway's 10 s deadline on a loaded machine
      const quarters = [0, 91, 182, 273].map((q, i, all) => ({ from: day(q), to: day(i === all.length - 1 ? 364 : all[i + 1]! - 1) }));
      const generated = { created: 0, conflictCount: 0 };
      const t0 = performance.now();
      for (const range of quarters) {
        const r = await api('POST', '/api/school/groups/generate', range);
        generated.created += r.created;
        generated.conflictCount += r.conflictCount;
      }
      const generateMs = performance.now() - t0;
      if (generated.conflictCount) throw new Error(`generation found ${generated.conflictCount} conflicts: the bench's schedule is wrong`);
      const t1 = performance.now();
      let existing = 0;
      for (const range of quarters) {
        const r = await api('POST', '/api/school/groups/generate', range);
        if (r.created !== 0) throw new Error(`regeneration was not idempotent: ${JSON.stringify(r)}`);
        existing += r.existing;
      }
      const regenerateMs = performance.now() - t1;
      if (existing !== generated.created) throw new Error(`regeneration saw ${existing} lessons, ${generated.created} were made`);
      log(`generated ${generated.created} lessons in ${Math.round(generateMs)} ms, again in ${Math.round(regenerateMs)} ms`);

      // anchor: the same rows, written by the database alone under the same constraints
      await sys.query('create temp table bench_lessons as select * from school.lesson where tenant_id = $1', [tenantId]);
      await sys.query('delete from school.lesson where tenant_id = $1', [tenantId]);
      const cols = (await sys.query(`select string_agg(quote_ident(column_name), ', ' order by ordinal_position) as c from information_schema.columns
        where table_schema = 'school' and table_name = 'lesson' and is_generated = 'NEVER' and generation_expression is null`)).rows[0].c as string;
      const t2 = performance.now();
      await sys.query(`insert into school.lesson (${cols}) select ${cols} from bench_lessons`);
      const bareMs = performance.now() - t2;
      await sys.query('vacuum analyze school.lesson');

      // the centre's week: next Monday to Monday in the centre's zone (+05:00)
      const dow = (new Date().getUTCDay() + 6) % 7;
      const monday = day(7 - dow);
      const from = `${monday}T00:00:00+05:00`;
      const to = new Date(Date.parse(from) + 7 * 86_400_000).toISOString();
      const week = `/api/school/lessons?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
      const get = async (p: string) => {
        const r = await fetch(kernel.url + p, { headers: { authorization: `Bearer ${token}` } });
        if (r.status !== 200) throw new Error(`GET ${p}: ${r.status} ${await r.text()}`);
        return r.json() as Promise<any>;
      };
      const probe = await get(week);
      if (probe.items.length !== GROUPS * 2) throw new Error(`the week shows ${probe.items.length} lessons, expected ${GROUPS * 2}`);
      const calendar = await timeEach(REQUESTS, 50, async () => { await get(week); });
      // anchor: the service's statement, prepared, straight on PostgreSQL
      const sql = `select ${lessonColumns('$2::text')},
              (select count(*) from school.attendance a where a.tenant_id = l.tenant_id and a.lesson_id = l.id)::int as marked,
              (coalesce(g.enrolled_count, 0) + (select count(*) from school.lesson_student ls where ls.tenant_id = l.tenant_id and ls.lesson_id = l.id))::int as students
         from ${LESSON_FROM} where l.tenant_id = $1 and l.starts_at >= $3::timestamptz - interval '12 hours' and l.starts_at < $4::timestamptz and l.ends_at > $3::timestamptz
          and l.status <> 'canceled' order by l.starts_at, l.id limit 3000`;
      const bare = await timeEach(REQUESTS, 50, async () => {
        await sys.query({ name: 'bench_week', text: sql, values: [tenantId, 'Asia/Almaty', from, to] });
      });
      log('calendar p50/p95', percentile(calendar, 50), percentile(calendar, 95), 'bare', percentile(bare, 95));

      return [
        { metric: 'school.schedule.generate', value: round(generateMs, 0), unit: 'ms', anchor: 'pg.school.insert_same_lessons', anchorValue: round(bareMs, 0) },
        { metric: 'pg.school.insert_same_lessons', value: round(bareMs, 0), unit: 'ms' },
        { metric: 'school.schedule.generate.lessons', value: generated.created, unit: 'lessons' },
        { metric: 'school.schedule.regenerate', value: round(regenerateMs, 0), unit: 'ms' },
        { metric: 'school.calendar.week.p95', value: round(percentile(calendar, 95)), unit: 'ms', anchor: 'pg.school.calendar_week_sql.p95', anchorValue: round(percentile(bare, 95)) },
        { metric: 'school.calendar.week.p50', value: round(percentile(calendar, 50)), unit: 'ms', anchor: 'pg.school.calendar_week_sql.p50', anchorValue: round(percentile(bare, 50)) },
        { metric: 'pg.school.calendar_week_sql.p95', value: round(percentile(bare, 95)), unit: 'ms' },
        { metric: 'school.calendar.week.lessons', value: probe.items.length, unit: 'lessons' },
      ];
    } finally {
      await sys.end().catch(() => undefined);
      await kernel.stop();
    }
  } finally {
    await env.stop();
  }
}

export default run;

runAsScript(import.meta.url, run);
