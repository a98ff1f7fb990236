import crypto from 'node:crypto';
import { alfaDate, alfaDateTime, alfaTime, first, ids, lessonKindOf, lessonStatusOf, markOf, minutesBetween, str } from './mapping.ts';
import { localOf, skip, upsert, type Ctx, type Rec, type Step, type StepEnv } from './refs.ts';

/**
 * Import steps for the schedule: groups (their subject and room come from their weekly schedule,
 * which AlfaCRM keeps apart), weekly slots, members, and lessons with their attendance. A lesson
 * that falls on a group's slot is linked to it, so generating lessons later never makes it twice;
 * a lesson AlfaCRM double-booked (teacher or room busy) is refused by our constraints and skipped
 * with the conflict named.
 */

/** A branch's weekly schedules of groups (fetched once per run). */
async function groupSchedules(env: StepEnv, branch: number | null): Promise<Rec[]> {
  return (await env.lookup('regular-lesson', branch)).filter((r) => r.related_class === 'Group');
}

const groups: Step = {
  key: 'groups', model: 'group', scope: 'branch', needs: ['regular-lesson'],
  async apply(tx, env, items, branchExt) {
    const schedules = await groupSchedules(env, branchExt);
    for (const g of items) {
      const mine = schedules.filter((s) => Number(s.related_id) === g.id);
      const teacher = await localOf(tx, 'teacher', first<number>(g.teacher_ids) ?? first<number>(mine[0]?.teacher_ids));
      const subject = await localOf(tx, 'subject', mine[0]?.subject_id);
      const branch = await localOf(tx, 'branch', first<number>(g.branch_ids) ?? branchExt);
      if (!teacher) { await skip(tx, env, 'group', g.id, 'NO_TEACHER', str(g.name) ?? undefined); continue; }
      if (!subject) { await skip(tx, env, 'group', g.id, 'NO_SUBJECT', str(g.name) ?? undefined); continue; }
      if (!branch) { await skip(tx, env, 'group', g.id, 'BRANCH_NOT_IMPORTED'); continue; }
      const room = await localOf(tx, 'room', mine[0]?.room_id);
      const [roomSize] = room ? await tx.sql<{ capacity: number }>('select capacity from school.room where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, room]) : [];
      const v = { name: str(g.name) ?? `Group ${g.id}`, teacher, subject, branch, room, capacity: Math.min(Number(g.limit) || 12, roomSize?.capacity ?? 500), startsOn: alfaDate(g.b_date), endsOn: alfaDate(g.e_date), note: str(g.note) };
      await upsert(tx, env, 'group', g.id, v, async () => {
        const id = crypto.randomUUID();
        await tx.sql(`insert into school.study_group (tenant_id, id, name, branch_id, subject_id, teacher_id, room_id, capacity, starts_on, ends_on, note)
          values ($1::uuid, $2::uuid, $3::text, $4::uuid, $5::uuid, $6::uuid, $7::uuid, $8::int, $9::date, $10::date, $11::text)`,
          [tx.tenantId, id, v.name, branch, subject, teacher, room, v.capacity, v.startsOn, v.endsOn, v.note]);
        return id;
      }, async (id) => {
        await tx.sql(`update school.study_group set name = $3::text, capacity = greatest($4::int, enrolled_count), ends_on = $5::date, updated_at = now(), version = version + 1 where tenant_id = $1::uuid and id = $2::uuid`,
          [tx.tenantId, id, v.name, v.capacity, v.endsOn]);
      });
    }
  },
};

const slots: Step = {
  key: 'slots', model: 'regular-lesson', scope: 'branch',
  async apply(tx, env, items) {
    for (const r of items) {
      if (r.related_class !== 'Group') { await skip(tx, env, 'regular-lesson', r.id, 'INDIVIDUAL_SCHEDULE', 'individual lessons come over one by one'); continue; }
      const group = await localOf(tx, 'group', r.related_id);
      if (!group) { await skip(tx, env, 'regular-lesson', r.id, 'GROUP_NOT_IMPORTED'); continue; }
      const from = alfaTime(r.time_from_v);
      const to = alfaTime(r.time_to_v);
      const weekday = Number(r.day);
      if (!from || !to || minutesBetween(from, to) < 10 || !(weekday >= 1 && weekday <= 7)) { await skip(tx, env, 'regular-lesson', r.id, 'BAD_TIME', `${r.day} ${r.time_from_v}–${r.time_to_v}`); continue; }
      const [g] = await tx.sql<{ teacher_id: string; room_id: string | null; starts_on: string | null }>(`select teacher_id, room_id, to_char(starts_on, 'YYYY-MM-DD') as starts_on from school.study_group where tenant_id = $1::uuid and id = $2::uuid`, [tx.tenantId, group]);
      const teacher = await localOf(tx, 'teacher', first<number>(r.teacher_ids));
      const room = await localOf(tx, 'room', r.room_id);
      const v = { group, weekday, from, minutes: minutesBetween(from, to), teacher: teacher === g!.teacher_id ? null : teacher, room: room === g!.room_id ? null : room, validFrom: alfaDate(r.b_date) ?? g!.starts_on ?? env.today, validTo: alfaDate(r.e_date) };
      await upsert(tx, env, 'regular-lesson', r.id, v, async () => {
        const id = crypto.randomUUID();
        await tx.sql(`insert into school.group_slot (tenant_id, id, group_id, weekday, start_time, minutes, teacher_id, room_id, valid_from, valid_to)
          values ($1::uuid, $2::uuid, $3::uuid, $4::int, $5::time, $6::int, $7::uuid, $8::uuid, $9::date, $10::date)`,
          [tx.tenantId, id, group, weekday, from, v.minutes, v.teacher, v.room, v.validFrom, v.validTo]);
        return id;
      }, async (id) => {
        await tx.sql('update school.group_slot set valid_to = $3::date where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, id, v.validTo]);
      });
    }
  },
};

const members: Step = {
  key: 'members', model: 'cgi', scope: 'branch',
  async apply(tx, env, items) {
    for (const m of items) {
      const student = await localOf(tx, 'customer', m.customer_id);
      const group = await localOf(tx, 'group', m.group_id);
      if (!student || !group) { await skip(tx, env, 'cgi', m.id, student ? 'GROUP_NOT_IMPORTED' : 'STUDENT_NOT_IMPORTED'); continue; }
      const joined = alfaDate(m.b_date) ?? env.today;
      const endDay = alfaDate(m.e_date);
      const left = endDay && endDay < env.today ? (endDay < joined ? joined : endDay) : null;
      await upsert(tx, env, 'cgi', m.id, { student, group, joined, left }, async () => {
        // a group full in AlfaCRM's data grows to fit the members it has there
        if (!left) await tx.sql(`update school.study_group set enrolled_count = enrolled_count + 1, capacity = greatest(capacity, enrolled_count + 1) where tenant_id = $1::uuid and id = $2::uuid`, [tx.tenantId, group]);
        const id = crypto.randomUUID();
        await tx.sql(`insert into school.enrolment (tenant_id, id, group_id, student_id, joined_on, left_on, status) values ($1::uuid, $2::uuid, $3::uuid, $4::uuid, $5::date, $6::date, $7::text)`,
          [tx.tenantId, id, group, student, joined, left, left ? 'left' : 'active']);
        return id;
      }, async (id) => {
        const [before] = await tx.sql<{ status: string }>('select status from school.enrolment where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, id]);
        if (before?.status === 'active' && left) {
          await tx.sql(`update school.enrolment set status = 'left', left_on = $3::date where tenant_id = $1::uuid and id = $2::uuid`, [tx.tenantId, id, left]);
          await tx.sql('update school.study_group set enrolled_count = enrolled_count - 1 where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, group]);
        }
      });
    }
  },
};

/** Writes a lesson's marks and extra students as AlfaCRM has them (marks imported are not charged again here). */
async function writeMarks(tx: Ctx, lessonId: string, marks: { student: string; status: string }[], extra: string[]) {
  for (const s of extra) {
    await tx.sql(`insert into school.lesson_student (tenant_id, lesson_id, student_id, kind) values ($1::uuid, $2::uuid, $3::uuid, 'member') on conflict do nothing`, [tx.tenantId, lessonId, s]);
  }
  for (const m of marks) {
    await tx.sql(`insert into school.attendance (tenant_id, lesson_id, student_id, status) values ($1::uuid, $2::uuid, $3::uuid, $4::text)
      on conflict (tenant_id, lesson_id, student_id) do update set status = excluded.status, marked_at = now(), version = school.attendance.version + 1
      where school.attendance.status <> excluded.status and school.attendance.pass_id is null and school.attendance.invoice_id is null`, [tx.tenantId, lessonId, m.student, m.status]);
  }
}

const lessons: Step = {
  key: 'lessons', model: 'lesson', scope: 'branch', needs: ['lesson-type'],
  async apply(tx, env, items, branchExt) {
    const types = new Map((await env.lookup('lesson-type', branchExt)).map((t) => [t.id, Number(t.type)]));
    for (const l of items) {
      const starts = alfaDateTime(l.time_from) ?? (alfaDate(l.date) && alfaTime(l.time_from) ? { date: alfaDate(l.date)!, time: alfaTime(l.time_from)! } : null);
      const ends = alfaDateTime(l.time_to) ?? (starts && alfaTime(l.time_to) ? { date: starts.date, time: alfaTime(l.time_to)! } : null);
      if (!starts || !ends) { await skip(tx, env, 'lesson', l.id, 'BAD_TIME'); continue; }
      const teacher = await localOf(tx, 'teacher', first<number>(l.teacher_ids));
      const subject = await localOf(tx, 'subject', l.subject_id);
      const groupExt = first<number>(l.group_ids);
      const group = groupExt ? await localOf(tx, 'group', groupExt) : null;
      const branch = await localOf(tx, 'branch', l.branch_id ?? branchExt);
      if (!teacher) { await skip(tx, env, 'lesson', l.id, 'NO_TEACHER'); continue; }
      if (!subject) { await skip(tx, env, 'lesson', l.id, 'NO_SUBJECT'); continue; }
      if (groupExt && !group) { await skip(tx, env, 'lesson', l.id, 'GROUP_NOT_IMPORTED'); continue; }
      if (!branch) { await skip(tx, env, 'lesson', l.id, 'BRANCH_NOT_IMPORTED'); continue; }
      const room = await localOf(tx, 'room', l.room_id);
      const kind = lessonKindOf(types.get(Number(l.lesson_type_id)) ?? null, group ? [1] : []);
      const status = lessonStatusOf(l.status);
      const people: string[] = [];
      for (const c of ids(l.customer_ids)) { const s = await localOf(tx, 'customer', c); if (s) people.push(s); }
      const marks: { student: string; status: string }[] = [];
      for (const d of (Array.isArray(l.details) ? l.details : []) as Record<string, unknown>[]) {
        const s = await localOf(tx, 'customer', d.customer_id);
        if (s && status === 'done') marks.push({ student: s, status: markOf(d) });
      }
      const v = { kind, status, group, teacher, subject, branch, room, starts, ends, topic: str(l.topic), people, marks };
      await upsert(tx, env, 'lesson', l.id, v, async () => {
        // the group's slot this lesson is on, if any: then it is that slot's lesson of the day
        const [slot] = group ? await tx.sql<{ id: string }>(
          `select id from school.group_slot where tenant_id = $1::uuid and group_id = $2::uuid and weekday = extract(isodow from $3::date) and start_time = $4::time
             and valid_from <= $3::date and (valid_to is null or valid_to >= $3::date) limit 1`, [tx.tenantId, group, starts.date, starts.time]) : [];
        if (slot) {
          const [existing] = await tx.sql<{ id: string }>('select id from school.lesson where tenant_id = $1::uuid and slot_id = $2::uuid and slot_date = $3::date', [tx.tenantId, slot.id, starts.date]);
          if (existing) {
            await tx.sql(`update school.lesson set status = $3::text, topic = coalesce($4::text, topic) where tenant_id = $1::uuid and id = $2::uuid`, [tx.tenantId, existing.id, status, v.topic]);
            await writeMarks(tx, existing.id, marks, []);
            return existing.id;
          }
        }
        const id = crypto.randomUUID();
        await tx.sql('savepoint school_import_lesson');
        try {
          await tx.sql(
            `insert into school.lesson (tenant_id, id, kind, group_id, subject_id, branch_id, teacher_id, room_id, starts_at, ends_at, status, slot_id, slot_date, topic, capacity)
             values ($1::uuid, $2::uuid, $3::text, $4::uuid, $5::uuid, $6::uuid, $7::uuid, $8::uuid, ($9::date + $10::time) at time zone $11::text, ($12::date + $13::time) at time zone $11::text,
                     $14::text, $15::uuid, $16::date, $17::text, $18::int)`,
            [tx.tenantId, id, kind, group, subject, branch, teacher, room, starts.date, starts.time, env.tz, ends.date, ends.time, status, slot?.id ?? null, slot ? starts.date : null, v.topic,
              group ? null : Math.max(1, people.length)],
          );
          await tx.sql('release savepoint school_import_lesson');
        } catch (e) {
          await tx.sql('rollback to savepoint school_import_lesson');
          const code = (e as { code?: string }).code;
          if (code === '23P01' || code === '23514') {
            await skip(tx, env, 'lesson', l.id, code === '23P01' ? 'CONFLICT' : 'INVALID', `${starts.date} ${starts.time}: ${(e as Error).message.split('\n')[0]}`);
            return null;
          }
          throw e;
        }
        await writeMarks(tx, id, marks, group ? [] : people);
        // a lead's trial lesson
        for (const c of ids(l.customer_ids)) {
          const lead = await localOf(tx, 'lead', c);
          if (lead) await tx.sql('update school.lead set trial_lesson_id = coalesce(trial_lesson_id, $3::uuid) where tenant_id = $1::uuid and id = $2::uuid', [tx.tenantId, lead, id]);
        }
        return id;
      }, async (id) => {
        await tx.sql(`update school.lesson set status = $3::text, topic = $4::text, updated_at = now() where tenant_id = $1::uuid and id = $2::uuid and (status <> $3::text or topic is distinct from $4::text)`,
          [tx.tenantId, id, status, v.topic]);
        await writeMarks(tx, id, marks, group ? [] : people);
      });
    }
  },
};

export const SCHEDULE_STEPS: Step[] = [groups, slots, members, lessons];
