// What the school plugin's routes answer (plugins/school/src/services), as the pages use it.

export type Ref = { id: string; name: string };
export type Branch = Ref & { timeZone: string | null; archived: boolean };
export type Room = Ref & { branchId: string; capacity: number; archived: boolean };
export type Subject = Ref & { color: string | null; archived: boolean };
export type Teacher = Ref & { userId: string | null; status: string; subjectIds: string[] };

export type LessonStatus = 'planned' | 'done' | 'canceled';
export type Lesson = {
  id: string; kind: string; status: LessonStatus; startsAt: string; endsAt: string; date: string; groupId: string | null; groupName: string | null;
  subjectName: string; color: string | null; teacherName: string; substituteName: string | null; roomId: string | null; roomName: string | null; moved: boolean;
  marked?: number; students?: number; version: number;
};

export type Slot = { id: string; weekday: number; startTime: string; minutes: number; roomId: string | null; teacherId: string | null; validFrom: string; validTo: string | null };
export type Group = {
  id: string; name: string; branchId: string; subjectId: string; teacherId: string; roomId: string | null; capacity: number; enrolled: number; status: string;
  startsOn: string | null; endsOn: string | null; teacherName: string; subjectName: string; roomName: string | null; color: string | null; version: number; slots?: Slot[];
};
export type Member = { enrolmentId: string; id: string; name: string; phone: string | null; status: string; joinedOn: string; leftOn: string | null; lessonsLeft: number };

export type StudentStatus = 'active' | 'trial' | 'paused' | 'left';
export type Student = {
  id: string; name: string; birthDate: string | null; phone: string | null; email: string | null; status: StudentStatus; branchId: string | null; balance: number;
  note: string | null; createdAt: string; version: number; lessonsLeft?: number;
};
export type StudentPass = { id: string; name: string; lessonsTotal: number; lessonsUsed: number; validFrom: string; validUntil: string; status: string; frozenDays: number; maxFreezeDays: number };
export type StudentCard = Student & {
  contacts: { id: string; name: string; relation: string; phone: string | null; email: string | null; preferredChannel: string | null }[];
  groups: { id: string; name: string; joinedOn: string; leftOn: string | null; status: string }[];
  passes: StudentPass[];
  credits: { id: string; status: string; expiresOn: string }[];
  debt: number | null;
  overdue: number | null;
};

export type Mark = 'attended' | 'excused' | 'unexcused';
export type Sheet = {
  lesson: { id: string; kind: string; status: LessonStatus; groupId: string | null; groupName: string | null; subjectName: string; startsAt: string; date: string };
  students: { studentId: string; name: string; kind: string; mark: Mark | null; charged: boolean; pass: { name: string; lessonsLeft: number; validUntil: string } | null; balance: number | null }[];
  canMark: boolean;
};

export type Tariff = { id: string; name: string; kind: 'pass' | 'single'; price: number; currency: string; lessons: number | null; validityDays: number | null; archived: boolean };
export type PayMethod = 'cash' | 'card' | 'transfer';
export type Payment = { id: string; studentId: string; studentName: string; amount: number; refunded: number; unallocated: number; currency: string; method: PayMethod | 'online'; paidAt: string; reference: string | null };
export type Invoice = { id: string; number: string; studentId: string; studentName?: string; total: number; paid: number; currency: string; status: string; issuedOn: string; dueOn: string };

export type Conflict = { kind: 'teacher' | 'room' | 'group'; lessonId: string; startsAt: string; endsAt: string; groupName: string | null; teacherName: string; roomName: string | null };
