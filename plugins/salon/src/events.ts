import { Type, type Static } from '@atrium/sdk';

/** Event contracts this plugin publishes: versioned names, TypeBox payloads. */
export const BOOKING_CREATED = 'salon.booking.created.v1';
export const BOOKING_MOVED = 'salon.booking.moved.v1';
export const BOOKING_STATUS_CHANGED = 'salon.booking.status-changed.v1';
export const REMINDER_SENT = 'salon.reminder.sent.v1';

const Id = Type.String({ format: 'uuid' });
const Instant = Type.String({ format: 'date-time' });

const BookingRef = Type.Object({ id: Id, staffId: Id, serviceId: Id, startsAt: Instant, endsAt: Instant, status: Type.String() });

/** A booking (or a chain of them, created together) was made. */
export const BookingCreatedPayload = Type.Object({ chainId: Id, clientId: Type.Union([Id, Type.Null()]), source: Type.String(), bookings: Type.Array(BookingRef) });
export type BookingCreatedPayload = Static<typeof BookingCreatedPayload>;

/** A booking moved in time or to another master. */
export const BookingMovedPayload = Type.Object({ id: Id, chainId: Id, from: Type.Object({ staffId: Id, startsAt: Instant }), to: Type.Object({ staffId: Id, startsAt: Instant, endsAt: Instant }) });
export type BookingMovedPayload = Static<typeof BookingMovedPayload>;

/** A booking's status changed (confirmed, arrived, done, no_show, cancelled, expired). */
export const BookingStatusChangedPayload = Type.Object({
  id: Id,
  chainId: Id,
  from: Type.String(),
  to: Type.String(),
  /** user: someone in the admin; client: a button in a reminder; platform: a hold expired. */
  by: Type.Union([Type.Literal('user'), Type.Literal('client'), Type.Literal('platform')]),
});
export type BookingStatusChangedPayload = Static<typeof BookingStatusChangedPayload>;

/** A reminder went to the messaging queue. */
export const ReminderSentPayload = Type.Object({ bookingId: Id, reminderId: Id, messageId: Id, offsetMin: Type.Integer() });
export type ReminderSentPayload = Static<typeof ReminderSentPayload>;
