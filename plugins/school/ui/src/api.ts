import type { AtriumHttp, Page } from '@atrium/sdk/ui';
import type { Branch, Conflict, Group, Invoice, Lesson, Mark, Member, PayMethod, Payment, Room, Sheet, Student, StudentCard, Subject, Tariff, Teacher } from './lib/types.ts';

export type GroupInput = {
  name: string; branchId: string; subjectId: string; teacherId: string; roomId?: string | null; capacity: number;
  slots: { weekday: number; startTime: string; minutes: number }[];
};
export type StudentInput = {
  name: string; phone?: string | null; birthDate?: string | null; branchId?: string | null;
  contacts?: { name: string; relation: string; phone?: string | null; preferredChannel?: string; isPayer?: boolean }[];
};

// The school plugin's REST routes (plugins/school/src/services; README "API").
export function schoolApi(http: AtriumHttp) {
  const base = '/api/school';
  const id = (x: string) => encodeURIComponent(x);
  const clean = (q: Record<string, unknown>) => Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== null && v !== '')) as Record<string, string | number | boolean>;
  /** Creates a client may retry carry one key per user intent: a retry after a lost answer creates nothing twice. */
  const once = (key: string) => ({ headers: { 'Idempotency-Key': key } as const });
  return {
    branches: () => http.get<Page<Branch>>(`${base}/branches`, { limit: 100 }),
    rooms: (branchId?: string) => http.get<Page<Room>>(`${base}/rooms`, clean({ branchId, limit: 100 })),
    subjects: () => http.get<Page<Subject>>(`${base}/subjects`, { limit: 100 }),
    teachers: () => http.get<Page<Teacher>>(`${base}/teachers`, { limit: 100, status: 'active' }),

    lessons: (q: { from: string; to: string; teacherId?: string; roomId?: string; groupId?: string; studentId?: string }, signal?: AbortSignal) =>
      http.get<Page<Lesson>>(`${base}/lessons`, clean(q), signal),
    check: (body: { lessonId: string; startsAt: string; endsAt: string }) => http.post<{ conflicts: Conflict[]; ok: boolean }>(`${base}/lessons/check`, body),
    moveLesson: (x: string, body: { version: number; startsAt: string; endsAt: string }) => http.patch<Lesson>(`${base}/lessons/${id(x)}`, body),
    sheet: (lessonId: string) => http.get<Sheet>(`${base}/attendance/${id(lessonId)}`),
    mark: (lessonId: string, marks: { studentId: string; status: Mark }[]) => http.put<{ lessonId: string }>(`${base}/attendance/${id(lessonId)}`, { marks }),
    unmark: (lessonId: string, studentId: string) => http.delete<{ cleared: boolean }>(`${base}/attendance/${id(lessonId)}/${id(studentId)}`),

    groups: (q: { q?: string; limit?: number; offset?: number; status?: string }) => http.get<Page<Group>>(`${base}/groups`, clean(q)),
    group: (x: string) => http.get<Group>(`${base}/groups/${id(x)}`),
    createGroup: (body: GroupInput, key: string) => http.post<Group>(`${base}/groups`, body, once(key)),
    members: (x: string) => http.get<Page<Member>>(`${base}/groups/${id(x)}/members`, { limit: 200 }),
    enrol: (x: string, studentId: string) => http.post<{ studentId: string }>(`${base}/groups/${id(x)}/members`, { studentId }),
    leave: (x: string, studentId: string) => http.post<{ studentId: string }>(`${base}/groups/${id(x)}/members/${id(studentId)}/leave`, {}),
    generate: (x: string, from: string, to: string) => http.post<{ created: number; existing: number; holidays: number; conflictCount: number }>(`${base}/groups/${id(x)}/generate`, { from, to }),

    students: (q: { q?: string; status?: string; debtors?: boolean; limit?: number; offset?: number; sort?: string }) => http.get<Page<Student>>(`${base}/students`, clean(q)),
    student: (x: string) => http.get<StudentCard>(`${base}/students/${id(x)}`),
    createStudent: (body: StudentInput, key: string) => http.post<Student>(`${base}/students`, body, once(key)),

    tariffs: () => http.get<Page<Tariff>>(`${base}/tariffs`, { limit: 100, kind: 'pass' }),
    sellPass: (body: { studentId: string; tariffId: string; payment?: { method: PayMethod; amount: number } }, key: string) => http.post<{ id: string }>(`${base}/passes`, body, once(key)),
    freeze: (passId: string, from: string, to: string) => http.post<{ id: string; validUntil: string }>(`${base}/passes/${id(passId)}/freeze`, { from, to }),

    payments: (q: { studentId?: string; limit?: number; offset?: number }) => http.get<Page<Payment>>(`${base}/payments`, clean(q)),
    pay: (body: { studentId: string; amount: number; method: PayMethod; reference?: string }, key: string) => http.post<Payment>(`${base}/payments`, body, once(key)),
    invoices: (q: { studentId?: string; status?: string; limit?: number; offset?: number }) => http.get<Page<Invoice>>(`${base}/invoices`, clean(q)),
    dashboard: () => http.get<Record<string, unknown> & { today: string; todayLessons: unknown[] | null }>(`${base}/dashboard`),
    leadBoard: () => http.get<{ items: any[]; total: number; columns: any[] }>(`${base}/leads/board`),
    rejectReasons: () => http.get<Page<{ id: string; code: string | null; name: string | null }>>(`${base}/reject-reasons`),
    moveLead: (x: string, body: { statusId: string; rejectReasonId?: string }) => http.post<{ id: string }>(`${base}/leads/${id(x)}/move`, body),
    createLead: (body: { name: string; phone?: string; contactName?: string }, key: string) => http.post<{ id: string }>(`${base}/leads`, body, once(key)),
    settings: () => http.get<{ settings: Record<string, unknown> }>('/api/plugins/school'),
  };
}
export type SchoolApi = ReturnType<typeof schoolApi>;
