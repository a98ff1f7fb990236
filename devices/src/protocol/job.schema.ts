import { Type, type Static } from 'typebox';
import { PrinterProfileSchema } from '../encoding/printer-profile.ts';
import { ReceiptDocumentSchema } from '../receipt/receipt.schema.ts';

export const JobKindSchema = Type.Union([
  Type.Literal('print-receipt'), Type.Literal('print-raw'), Type.Literal('open-drawer'),
  Type.Literal('display'), Type.Literal('read-scale'), Type.Literal('test-page'),
]);
export type JobKind = Static<typeof JobKindSchema>;

/** Final states only. `unknown` = the device may or may not have acted; never retried automatically. */
export const JobResultStateSchema = Type.Union([Type.Literal('done'), Type.Literal('failed'), Type.Literal('unknown')]);
export type JobResultState = Static<typeof JobResultStateSchema>;

export const FailureReasonSchema = Type.Union([
  Type.Literal('PAPER_OUT'), Type.Literal('COVER_OPEN'), Type.Literal('OFFLINE'), Type.Literal('TIMEOUT'),
  Type.Literal('ENCODING'), Type.Literal('EXPIRED'), Type.Literal('NO_DEVICE'), Type.Literal('BAD_JOB'),
  // The agent crashed or was killed while the job was executing: the device may or may not have acted.
  Type.Literal('INTERRUPTED'),
]);
export type FailureReason = Static<typeof FailureReasonSchema>;

/** Payload per kind. The kernel resolves the logical role to a device id and attaches the profile. */
export const JobPayloadSchema = Type.Union([
  Type.Object({ kind: Type.Literal('print-receipt'), document: ReceiptDocumentSchema, profile: Type.Optional(PrinterProfileSchema) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('print-raw'), base64: Type.String() }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal('open-drawer'),
      pin: Type.Optional(Type.Union([Type.Literal(2), Type.Literal(5)])),
      onMs: Type.Optional(Type.Integer({ minimum: 2, maximum: 510 })),
      offMs: Type.Optional(Type.Integer({ minimum: 2, maximum: 510 })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('display'), lines: Type.Array(Type.String(), { maxItems: 2 }) }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('read-scale') }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('test-page'), profile: Type.Optional(PrinterProfileSchema) }, { additionalProperties: false }),
]);
export type JobPayload = Static<typeof JobPayloadSchema>;

/** A job as dispatched to an agent. */
export const JobSchema = Type.Object(
  {
    jobId: Type.String({ minLength: 1 }),
    /** One per user intent; a retried intent reuses it. Unique per tenant on the kernel, per agent here. */
    idempotencyKey: Type.String({ minLength: 1, maxLength: 200 }),
    kind: JobKindSchema,
    /** Device id on this terminal (the kernel has already resolved `receipt@front-desk`). */
    deviceId: Type.String({ minLength: 1 }),
    payload: JobPayloadSchema,
    /** ISO time; a job not started by then is reported `failed EXPIRED` and not executed. */
    expiresAt: Type.Optional(Type.String()),
    createdAt: Type.String(),
  },
  { additionalProperties: false },
);
export type Job = Static<typeof JobSchema>;

export const JobOutcomeSchema = Type.Object(
  {
    state: JobResultStateSchema,
    reason: Type.Optional(FailureReasonSchema),
    detail: Type.Optional(Type.String()),
    /** Result data, e.g. a scale reading. */
    data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type JobOutcome = Static<typeof JobOutcomeSchema>;
