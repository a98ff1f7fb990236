/**
 * salon.availability.search — free slots for a chain of two services (manicure, then pedicure by
 * any master who performs it) across 20 masters × 14 days, over HTTP through a real kernel with
 * the salon plugin (auth, plugin gate, ajv, CASL, a tenant transaction with RLS). Goal (issue 17):
 * p95 ≤ 20 ms. Every master works Mon–Sat 10–13 and 14–20 and has three bookings a working day.
 *
 * Anchor, measured in the same run on the same PostgreSQL: the same work by a hand-written stack —
 * the same SQL on a plain pg connection (owner role, no RLS, no transaction, no HTTP) and the same
 * pure slot finder — so the ratio is what the platform adds. Also salon.availability.slots: the
 * pure finder alone over data already in memory.
 */
import pg from 'pg';
import salon from '../plugins/salon/src/index.ts';
import { findSlots, type ChainStep } from '../plugins/salon/src/domain/slots.ts';
import { addDays, isoWeekday, localDay, localToInstant } from '../plugins/salon/src/domain/zoned-time.ts';
import { loadCalendars, loadServiceOptions } from '../plugins/salon/src/services/calendar.ts';
import { percentile, round, runAsScript, startBenchEnv, startBenchKernel, type BenchResult } from './bench-env.ts';

const MASTERS = Number(process.env.BENCH_SALON_MASTERS ?? 20);
const DAYS = 14;
const REQUESTS = Number(process.env.BENCH_SALON_REQUESTS ?? 300);
const TZ = 'Asia/Almaty';
const log = (...a: unknown[]) => { if (process.env.BENCH_VERBOSE) console.error('[salon]', ...a); };

async function timeEach(n: number, warmup: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
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
    const kernel = await startBenchKernel(env, [salon]);
    const sys = new pg.Client({ connectionString: env.pgUrl.replace(/\/[^/]*$/, '/atrium_bench') });
    try {
      await sys.connect();
      const call = async (method: string, p: string, body?: unknown, token?: string) => {
        const r = await fetch(kernel.url + p, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
        const json: any = await r.json();
        if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(json)}`);
        return json;
      };
      const s = await call('POST', '/api/auth/signup', { tenantName: 'Salon bench', email: 'owner@salon.bench', password: 'bench-password-123' });
      const token: string = s.accessToken;
      const tenantId: string = s.tenant.id;
      await call('POST', '/api/plugins/salon/enable', {}, token);
      await call('PUT', '/api/plugins/salon/settings', { settings: { timeZone: TZ, slotStepMinutes: 15 } }, token);
      const manicure = (await call('POST', '/api/salon/services', { name: 'Manicure', durationMin: 60, bufferAfterMin: 10, price: 800_000 }, token)).id as string;
      const pedicure = (await call('POST', '/api/salon/services', { name: 'Pedicure', durationMin: 90, price: 1_200_000 }, token)).id as string;
      const hours = [1, 2, 3, 4, 5, 6].flatMap((weekday) => [{ weekday, startsMin: 600, endsMin: 780 }, { weekday, startsMin: 840, endsMin: 1200 }]);
      let from = addDays(localDay(TZ, Date.now()), 1);
      while (isoWeekday(from) !== 1) from = addDays(from, 1);
      const masters: string[] = [];
      for (let m = 0; m < MASTERS; m++) {
        const id = (await call('POST', '/api/salon/staff', { name: `Master ${m + 1}` }, token)).id as string;
        masters.push(id);
        await call('PUT', `/api/salon/staff/${id}/hours`, { hours }, token);
        await call('PUT', `/api/salon/staff/${id}/services`, { services: [{ serviceId: manicure }, { serviceId: pedicure }] }, token);
      }
      // three bookings a working day per master, shifted per master so the free time differs
      const rows: { staff: string; start: number }[] = [];
      for (let d = 0; d < DAYS; d++) {
        const day = addDays(from, d);
        if (isoWeekday(day) === 7) continue;
        masters.forEach((staff, m) => {
          for (const at of [600, 720, 1020]) rows.push({ staff, start: localToInstant(TZ, day, at + (m % 4) * 15) });
        });
      }
      await sys.query(
        `insert into salon.booking (tenant_id, id, chain_id, client_id, staff_id, service_id, starts_at, ends_at, blocked, status, price, currency)
         select $1, gen_random_uuid(), gen_random_uuid(), null, s, $2, to_timestamp(t / 1000.0), to_timestamp(t / 1000.0) + interval '60 minutes',
                tstzrange(to_timestamp(t / 1000.0), to_timestamp(t / 1000.0) + interval '70 minutes'), 'booked', 800000, 'KZT'
         from unnest($3::uuid[], $4::float8[]) as x(s, t)`,
        [tenantId, manicure, rows.map((r) => r.staff), rows.map((r) => r.start)],
      );
      await sys.query('vacuum analyze salon.booking, salon.working_hours, salon.staff_service, salon.service, salon.staff');
      log(`${MASTERS} masters, ${rows.length} bookings from ${from}`);

      const body = { serviceIds: [manicure, pedicure], from, days: DAYS };
      const first = await call('POST', '/api/salon/availability/search', body, token);
      if (!first.items.length || first.items[0].items.length !== 2) throw new Error(`no chained slots: ${JSON.stringify(first).slice(0, 300)}`);
      log(`${first.total} slots; first ${JSON.stringify(first.items[0])}`);
      const http = await timeEach(REQUESTS, 20, () => call('POST', '/api/salon/availability/search', body, token));

      // the hand-written stack: the same statements on a plain connection, the same finder
      const bare = { tenantId, sql: async (text: string, params?: readonly unknown[]) => (await sys.query(text, params as unknown[])).rows };
      const search = async () => {
        const services = await loadServiceOptions(bare, body.serviceIds);
        const steps: ChainStep[] = body.serviceIds.map((id) => { const sv = services.get(id)!; return { serviceId: id, bufferBeforeMin: sv.bufferBeforeMin, bufferAfterMin: sv.bufferAfterMin, options: sv.options }; });
        const start = Math.max(localToInstant(TZ, from, 0), Date.now());
        const end = localToInstant(TZ, addDays(from, DAYS), 0);
        const calendars = await loadCalendars(bare, [...new Set(steps.flatMap((x) => x.options.map((o) => o.staffId)))], start, end + 86_400_000, TZ);
        return { slots: findSlots({ steps, calendars, timeZone: TZ, from: start, to: end - 1, stepMin: 15, limit: 500 }), steps, calendars, start, end };
      };
      const check = await search();
      if (check.slots.length !== first.total) throw new Error(`the anchor found ${check.slots.length} slots, the API ${first.total}`);
      const anchor = await timeEach(REQUESTS, 20, search);
      const pure = await timeEach(REQUESTS, 20, () => findSlots({ steps: check.steps, calendars: check.calendars, timeZone: TZ, from: check.start, to: check.end - 1, stepMin: 15, limit: 500 }));

      const ms = (v: number) => round(v, 2);
      return [
        { metric: 'salon.availability.search.p95', value: ms(percentile(http, 95)), unit: 'ms', anchor: 'bare.salon.availability (same SQL + finder, plain pg) p95', anchorValue: ms(percentile(anchor, 95)) },
        { metric: 'salon.availability.search.p50', value: ms(percentile(http, 50)), unit: 'ms', anchor: 'bare.salon.availability (same SQL + finder, plain pg) p50', anchorValue: ms(percentile(anchor, 50)) },
        { metric: 'salon.availability.search.goal_p95', value: ms(percentile(http, 95)), unit: 'ms', anchor: 'goal: ≤ 20 ms', anchorValue: 20 },
        { metric: 'salon.availability.slots.p50', value: ms(percentile(pure, 50)), unit: 'ms', anchor: 'the pure finder alone (domain/slots.ts), data in memory' },
        { metric: 'salon.availability.search.slots_per_answer', value: first.total, unit: 'slots' },
        { metric: 'salon.availability.search.bookings', value: rows.length, unit: 'bookings' },
      ];
    } finally {
      await sys.end().catch(() => {});
      await kernel.stop();
    }
  } finally {
    await env.stop();
  }
}

export default run;

runAsScript(import.meta.url, () => run());
