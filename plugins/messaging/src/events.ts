import { Type, type Static } from '@atrium/sdk';

/** Event contracts this plugin publishes: versioned names, TypeBox payloads. */
export const MESSAGE_RECEIVED = 'messaging.message.received.v1';
export const MESSAGE_SENT = 'messaging.message.sent.v1';
export const MESSAGE_DELIVERED = 'messaging.message.delivered.v1';
export const MESSAGE_FAILED = 'messaging.message.failed.v1';
export const BUTTON_PRESSED = 'messaging.button.pressed.v1';
export const CONSENT_CHANGED = 'messaging.consent.changed.v1';

const Id = Type.String({ format: 'uuid' });
const Channel = Type.String();

/** A person wrote to us (stored once, however often the provider delivered it). */
export const MessageReceivedPayload = Type.Object({
  messageId: Id,
  conversationId: Id,
  contactId: Id,
  identityId: Id,
  accountId: Id,
  channel: Channel,
  text: Type.Union([Type.String(), Type.Null()]),
  attachments: Type.Integer(),
  /** Telegram deep link `/start <payload>` (a booking link, a campaign). */
  startPayload: Type.Union([Type.String(), Type.Null()]),
});
export type MessageReceivedPayload = Static<typeof MessageReceivedPayload>;

/** The provider accepted our message (all its parts). */
export const MessageSentPayload = Type.Object({
  messageId: Id,
  conversationId: Id,
  accountId: Id,
  channel: Channel,
  providerMessageIds: Type.Array(Type.String()),
  /** The plugin that asked for the send (null: a person in the inbox). */
  senderPlugin: Type.Union([Type.String(), Type.Null()]),
  idempotencyKey: Type.Union([Type.String(), Type.Null()]),
});
export type MessageSentPayload = Static<typeof MessageSentPayload>;

/** Delivered to the device, or read. */
export const MessageDeliveredPayload = Type.Object({
  messageId: Id,
  conversationId: Id,
  status: Type.Union([Type.Literal('delivered'), Type.Literal('read')]),
});
export type MessageDeliveredPayload = Static<typeof MessageDeliveredPayload>;

/** Will not be delivered: refused, blocked, window closed, or failed after every retry. */
export const MessageFailedPayload = Type.Object({
  messageId: Id,
  conversationId: Id,
  senderPlugin: Type.Union([Type.String(), Type.Null()]),
  idempotencyKey: Type.Union([Type.String(), Type.Null()]),
  code: Type.String(),
  reason: Type.String(),
  message: Type.String(),
});
export type MessageFailedPayload = Static<typeof MessageFailedPayload>;

/** A person pressed one of our buttons (its `id` is what the sender gave it). */
export const ButtonPressedPayload = Type.Object({
  conversationId: Id,
  contactId: Id,
  messageId: Id,
  /** The message that carried the button, when known. */
  replyToMessageId: Type.Union([Id, Type.Null()]),
  buttonId: Type.String(),
  accountId: Id,
});
export type ButtonPressedPayload = Static<typeof ButtonPressedPayload>;

/** An identity opted out (STOP, blocked the bot) or back in. */
export const ConsentChangedPayload = Type.Object({
  identityId: Id,
  contactId: Id,
  consent: Type.Union([Type.Literal('opted_out'), Type.Literal('granted')]),
  source: Type.String(),
});
export type ConsentChangedPayload = Static<typeof ConsentChangedPayload>;
