import type { FakeAlfaCrm } from './fake-alfacrm.ts';

/**
 * A realistic centre in the fake AlfaCRM: two branches, rooms, subjects, teachers, 120 students
 * (three pages) and 20 leads, eight groups with weekly schedules and members, four weeks of held
 * lessons with attendance and two weeks ahead, tariffs, customer tariffs and payments — and the
 * records an import must skip and explain: a group without a teacher, an individual weekly
 * schedule, a salary payment, a double-booked lesson, a phone that is not a phone.
 */

const day = (base: Date, offset: number) => new Date(base.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
const ru = (iso: string) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
/** HH:MM plus minutes. */
const plus = (hhmm: string, minutes: number) => {
  const [h, m] = hhmm.split(':').map(Number);
  const t = h! * 60 + m! + minutes;
  return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
};
const FIRST = ['Алия', 'Данияр', 'Марина', 'Тимур', 'Сауле', 'Иван', 'Олена', 'Арман', 'Дина', 'Максим', 'Асель', 'Ерлан'];
const LAST = ['Ахметова', 'Иванов', 'Ковальчук', 'Нурланов', 'Ким', 'Петренко', 'Сейткали', 'Смирнова', 'Жумабаев', 'Бондаренко'];

export type SampleCentre = { students: number; leads: number; groups: number; today: string };

export function seedSampleCentre(f: FakeAlfaCrm, opts: { students?: number; leads?: number; today?: Date } = {}): SampleCentre {
  const now = opts.today ?? new Date();
  const today = day(now, 0);
  const nStudents = opts.students ?? 120;
  const nLeads = opts.leads ?? 20;

  const b1 = f.add('branch', { name: 'Центр на Абая', is_active: 1, subject_ids: [1, 2, 3] });
  const b2 = f.add('branch', { name: 'Филиал Самал', is_active: 1, subject_ids: [1, 2] });
  const l1 = f.add('location', { branch_id: b1.id, name: 'Абая 10', is_active: 1 });
  const l2 = f.add('location', { branch_id: b2.id, name: 'Самал-2, 58', is_active: 1 });
  const rooms = [
    f.add('room', { branch_id: b1.id, location_id: l1.id, name: 'Кабинет 1', is_active: 1, note: '' }),
    f.add('room', { branch_id: b1.id, location_id: l1.id, name: 'Кабинет 2', is_active: 1, note: '' }),
    f.add('room', { branch_id: b2.id, location_id: l2.id, name: 'Большой зал', is_active: 1, note: '' }),
    f.add('room', { branch_id: b2.id, location_id: l2.id, name: 'Малый зал', is_active: 1, note: '' }),
  ];
  const subjects = [f.add('subject', { name: 'Английский язык' }), f.add('subject', { name: 'Математика' }), f.add('subject', { name: 'Робототехника' })];
  f.add('lesson-type', { name: 'Индивидуальный', type: 1 });
  const groupType = f.add('lesson-type', { name: 'Групповой', type: 2 });
  const trialType = f.add('lesson-type', { name: 'Пробный', type: 3 });
  f.add('study-status', { name: 'Учится' });
  f.add('study-status', { name: 'Закончил' });
  const leadStatuses = [f.add('lead-status', { name: 'Новый', is_enabled: 1 }), f.add('lead-status', { name: 'Записан на пробный', is_enabled: 1 }), f.add('lead-status', { name: 'Думает', is_enabled: 1 })];
  const leadSources = [f.add('lead-source', { name: 'Instagram', code: 'instagram', is_enabled: 1 }), f.add('lead-source', { name: 'Сарафанное радио', code: 'word', is_enabled: 1 })];
  f.add('lead-reject', { name: 'Дорого', is_enabled: 1 });
  const teachers = Array.from({ length: 5 }, (_, i) => f.add('teacher', {
    branch_ids: [i < 3 ? b1.id : b2.id], name: `${FIRST[(i * 5) % FIRST.length]} ${LAST[(i * 3) % LAST.length]}`, dob: ru(day(now, -365 * (30 + i))), gender: i % 2,
    phone: [`+7 701 400 00 0${i}`], email: [`teacher${i}@centre.kz`], note: '', is_active: 1,
  }));

  const students = Array.from({ length: nStudents }, (_, i) => f.add('customer', {
    name: `${LAST[i % LAST.length]} ${FIRST[i % FIRST.length]} ${i + 1}`, branch_ids: [i % 3 === 2 ? b2.id : b1.id], teacher_ids: [], is_study: 1, study_status_id: 1,
    legal_type: 1, legal_name: i % 4 === 0 ? '' : `Родитель ${i + 1}`, dob: i % 2 ? ru(day(now, -365 * 10 - i)) : day(now, -365 * 9 - i),
    // one phone that is not a phone: the student comes in, the contact without it, and the report says why
    phone: i === 7 ? ['позвонить маме'] : [`+7 (707) 5${String(100000 + i).slice(1)}`], email: i % 5 === 0 ? [`parent${i}@mail.kz`] : [], addr: [], note: i % 10 === 0 ? 'Аллергия на орехи' : '',
    balance: 0, paid_count: 0, custom_school: `Школа №${(i % 40) + 1}`, custom_grade: String((i % 9) + 1),
  }));
  for (let i = 0; i < nLeads; i++) {
    f.add('customer', {
      name: `Лид ${FIRST[(i + 3) % FIRST.length]} ${i + 1}`, branch_ids: [b1.id], is_study: 0, legal_type: 1, legal_name: `Мама лида ${i + 1}`,
      phone: [`+7 777 9${String(100000 + i).slice(1)}`], email: [], lead_status_id: leadStatuses[i % 3]!.id, lead_source_id: leadSources[i % 2]!.id, note: '', balance: 0,
    });
  }

  // groups: even ones in branch 1 (rooms 0/1), odd in branch 2 (rooms 2/3); one without a teacher
  const groups = Array.from({ length: 8 }, (_, i) => f.add('group', {
    branch_ids: [i % 2 ? b2.id : b1.id], teacher_ids: i === 7 ? [] : [teachers[i % 2 ? 3 + (i % 2) : i % 3]!.id], name: `${String(subjects[i % 3]!.name).split(' ')[0]} ${['A1', 'A2', 'B1', 'Старт', 'Про'][i % 5]} ${i + 1}`,
    level_id: null, status_id: 1, limit: 12, note: '', b_date: day(now, -60), e_date: day(now, 200),
  }));
  const times = ['09:00', '11:00', '14:00', '16:00', '18:00'];
  const slots: { group: number; day: number; time: string; room: number; teacher: number; subject: number }[] = [];
  groups.forEach((g, i) => {
    const room = rooms[(i % 2 ? 2 : 0) + (Math.floor(i / 2) % 2)]!;
    const teacher = (g.teacher_ids as number[])[0] ?? teachers[0]!.id;
    for (const [k, wd] of [[0, 1 + (i % 3)], [1, 4 + (i % 3)]] as const) {
      const time = times[(i + k) % times.length]!;
      f.add('regular-lesson', {
        branch_id: (g.branch_ids as number[])[0], lesson_type_id: groupType.id, related_class: 'Group', related_id: g.id, subject_id: subjects[i % 3]!.id, streaming: false,
        // the group without a teacher has none on its schedule either (else the import takes the schedule's)
        teacher_ids: g.teacher_ids, room_id: room.id, day: wd, time_from_v: time, time_to_v: plus(time, 90),
        b_date: day(now, -60), e_date: day(now, 200), is_public: 0,
      });
      slots.push({ group: g.id, day: wd, time, room: room.id, teacher, subject: subjects[i % 3]!.id });
    }
  });
  // an individual weekly schedule: we keep individual lessons one by one, so it is skipped (and said why)
  f.add('regular-lesson', { branch_id: b1.id, lesson_type_id: 1, related_class: 'Customer', related_id: students[0]!.id, subject_id: subjects[0]!.id, teacher_ids: [teachers[0]!.id], room_id: rooms[1]!.id, day: 6, time_from_v: '10:00', time_to_v: '11:00', b_date: day(now, -30), e_date: day(now, 60) });

  // members: every student in one group (branch-matched), some in two
  const members = new Map<number, number[]>();
  students.forEach((s, i) => {
    const inB2 = (s.branch_ids as number[])[0] === b2.id;
    const g = groups.filter((_, gi) => (gi % 2 === 1) === inB2)[i % 4]!;
    f.add('cgi', { customer_id: s.id, group_id: g.id, b_date: day(now, -50), e_date: i % 13 === 0 ? day(now, -5) : null });
    members.set(g.id, [...(members.get(g.id) ?? []), s.id]);
  });

  // lessons: four weeks back (held, with attendance) and two ahead (planned), from the slots
  for (let offset = -28; offset <= 14; offset++) {
    const date = day(now, offset);
    const wd = ((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;
    for (const s of slots.filter((x) => x.day === wd)) {
      const held = offset < 0;
      const who = members.get(s.group) ?? [];
      f.add('lesson', {
        branch_id: (groups.find((g) => g.id === s.group)!.branch_ids as number[])[0], date, time_from: `${date} ${s.time}:00`, time_to: `${date} ${plus(s.time, 90)}:00`,
        lesson_type_id: groupType.id, status: held ? 3 : 1, subject_id: s.subject, room_id: s.room, teacher_ids: [s.teacher], customer_ids: who, group_ids: [s.group], streaming: false, topic: held ? 'Тема урока' : '', note: '',
        details: held ? who.map((c, k) => ({ customer_id: c, is_attend: (c + k + offset) % 7 === 0 ? 0 : 1, reason_id: (c + offset) % 14 === 0 ? 1 : null })) : [],
      });
    }
  }
  // a double-booked lesson (same room and time as a group's): the import skips it and names the conflict
  const first = f.records('lesson').find((l) => l.status === 3)!;
  f.add('lesson', { ...first, id: undefined, group_ids: [], customer_ids: [students[1]!.id], lesson_type_id: 1, details: [], topic: 'Накладка' });
  // a trial lesson of a lead, individual
  const lead = f.records('customer').find((c) => c.is_study === 0)!;
  f.add('lesson', { branch_id: b1.id, date: day(now, 3), time_from: `${day(now, 3)} 20:00:00`, time_to: `${day(now, 3)} 20:45:00`, lesson_type_id: trialType.id, status: 1, subject_id: subjects[0]!.id, room_id: rooms[1]!.id, teacher_ids: [teachers[1]!.id], customer_ids: [lead.id], group_ids: [], topic: '', note: '', details: [] });

  const tariffs = [
    f.add('tariff', { type: 1, name: '8 занятий в месяц', price: 24000, lesson_count: 8, duration: 30, branch_ids: [b1.id, b2.id] }),
    f.add('tariff', { type: 1, name: '12 занятий', price: 33000, lesson_count: 12, duration: 45, branch_ids: [b1.id, b2.id] }),
    f.add('tariff', { type: 2, name: 'Разовое занятие', price: 4000, lesson_count: 0, duration: 0, branch_ids: [b1.id, b2.id] }),
  ];
  const accounts = [f.add('pay-account', { name: 'Касса', user_ids: [], branch_ids: [b1.id, b2.id], is_enabled: 1 }), f.add('pay-account', { name: 'Терминал Kaspi', branch_ids: [b1.id, b2.id], is_enabled: 1 }), f.add('pay-account', { name: 'Расчётный счёт', branch_ids: [b1.id, b2.id], is_enabled: 1 })];
  students.forEach((s, i) => {
    const t = tariffs[i % 2]!;
    const start = day(now, -20 - (i % 10));
    f.add('customer-tariff', {
      customer_id: s.id, tariff_id: t.id, subject_ids: [], lesson_type_ids: [], is_separate_balance: false, balance: 0, paid_count: 1, paid_till: null, note: '',
      b_date: start, e_date: day(new Date(`${start}T00:00:00Z`), (t.duration as number) - 1), paid_lesson_count: Math.max(0, (t.lesson_count as number) - 3 - (i % 4)),
    });
    const branch = (s.branch_ids as number[])[0];
    const paid = i % 6 === 0 ? (t.price as number) / 2 : (t.price as number);
    f.add('pay', {
      branch_id: branch, location_id: branch === b1.id ? l1.id : l2.id, customer_id: s.id, pay_type_id: 1, pay_account_id: accounts[i % 3]!.id, pay_item_id: 1, teacher_id: null, commodity_id: null, ctt_id: null,
      document_date: start, income: paid, payer_name: s.legal_name || s.name, note: '', is_confirmed: true,
    });
    // in AlfaCRM the balance is what was paid minus what the lessons used
    s.balance = i % 6 === 0 ? -(t.price as number) / 2 : 0;
  });
  // a salary payment (an expense, no student): not ours to import
  f.add('pay', { branch_id: b1.id, location_id: l1.id, customer_id: null, pay_type_id: 2, pay_account_id: accounts[0]!.id, pay_item_id: 5, teacher_id: teachers[0]!.id, document_date: day(now, -3), income: 150000, payer_name: '', note: 'Зарплата', is_confirmed: true });

  return { students: nStudents, leads: nLeads, groups: groups.length, today };
}
