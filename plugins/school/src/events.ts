import { Type, type Static } from '@atrium/sdk';

/**
 * Event contracts this plugin publishes (versioned names, TypeBox payloads). Other plugins react to
 * them through the outbox (at-least-once; record what you did in your inbox). A change of a
 * payload is a new version beside the old one.
 */
export const STUDENT_CREATED = 'school.student.created.v1';
export const LESSON_CHANGED = 'school.lesson.changed.v1';
export const ATTENDANCE_MARKED = 'school.attendance.marked.v1';
export const PASS_ISSUED = 'school.pass.issued.v1';
export const PASS_LOW = 'school.pass.low.v1';
export const INVOICE_CREATED = 'school.invoice.created.v1';
export const PAYMENT_RECEIVED = 'school.payment.received.v1';
export const LEAD_CONVERTED = 'school.lead.converted.v1';
export const IMPORT_FINISHED = 'school.import.finished.v1';

const Id = Type.String({ format: 'uuid' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const StudentCreatedPayload = Type.Object({ studentId: Id, name: Type.String(), source: Type.String() });

/** A lesson was created, moved, given a substitute or another room, canceled or restored; or a range was generated. */
export const LessonChangedPayload = Type.Object({
  change: Type.Union(['generated', 'created', 'moved', 'substitute', 'room', 'canceled', 'restored'].map((c) => Type.Literal(c))),
  lessonId: Type.Optional(Id),
  startsAt: Type.Optional(Type.String()),
  endsAt: Type.Optional(Type.String()),
  previousStartsAt: Type.Optional(Type.String()),
  groupIds: Type.Optional(Nullable(Type.Array(Id))),
  count: Type.Optional(Type.Integer()),
});

/** A mark was set (status) or taken back (status null). */
export const AttendanceMarkedPayload = Type.Object({
  lessonId: Id,
  studentId: Id,
  status: Nullable(Type.Union([Type.Literal('attended'), Type.Literal('excused'), Type.Literal('unexcused')])),
  previous: Nullable(Type.String()),
  passId: Nullable(Id),
  /** Lessons left on the pass after this mark took (or gave back) one; null when no pass moved. */
  lessonsLeft: Nullable(Type.Integer()),
  invoiceId: Nullable(Id),
  creditId: Nullable(Id),
  groupId: Nullable(Id),
  startsAt: Type.String(),
});
export type AttendanceMarkedPayload = Static<typeof AttendanceMarkedPayload>;

export const PassIssuedPayload = Type.Object({ passId: Id, studentId: Id, tariffId: Id, lessons: Type.Integer(), validFrom: Type.String(), validUntil: Type.String(), price: Type.Integer(), currency: Type.String(), invoiceId: Nullable(Id) });

/** A pass is running low (at most the tenant's `passLowLessons` lessons left). */
export const PassLowPayload = Type.Object({ passId: Id, studentId: Id, lessonsLeft: Type.Integer(), validUntil: Type.String(), name: Type.String() });
export type PassLowPayload = Static<typeof PassLowPayload>;

export const InvoiceCreatedPayload = Type.Object({ invoiceId: Id, number: Type.Integer(), studentId: Id, total: Type.Integer(), currency: Type.String(), source: Type.String(), dueOn: Type.String() });
export const PaymentReceivedPayload = Type.Object({ paymentId: Id, studentId: Id, amount: Type.Integer(), currency: Type.String(), method: Type.String(), intentId: Nullable(Id), allocated: Type.Integer() });
export const LeadConvertedPayload = Type.Object({ leadId: Id, studentId: Id, groupId: Nullable(Id), sourceId: Nullable(Id) });
export const ImportFinishedPayload = Type.Object({ runId: Id, source: Type.String(), status: Type.String(), counts: Type.Record(Type.String(), Type.Unknown()) });
