import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { JobOutcomeSchema, JobSchema } from './job.schema.ts';

/** Where the kernel serves the agents' WebSocket. */
export const AGENT_WS_PATH = '/api/devices/agent';

/** Protocol version; bumped on any incompatible change. Both sides send it in hello. */
export const PROTOCOL_VERSION = 1;

export const DeviceKindSchema = Type.Union([
  Type.Literal('printer'), Type.Literal('scanner'), Type.Literal('scale'), Type.Literal('display'),
]);
export const DeviceStatusSchema = Type.Union([
  Type.Literal('online'), Type.Literal('offline'), Type.Literal('paper-out'), Type.Literal('cover-open'), Type.Literal('error'),
]);
export type DeviceStatus = Static<typeof DeviceStatusSchema>;

export const DeviceInfoSchema = Type.Object(
  {
    deviceId: Type.String({ minLength: 1, maxLength: 100 }),
    kind: DeviceKindSchema,
    name: Type.String({ maxLength: 200 }),
    /** Printer profile id (printers only). */
    profileId: Type.Optional(Type.String({ maxLength: 60 })),
    status: DeviceStatusSchema,
  },
  { additionalProperties: false },
);
export type DeviceInfo = Static<typeof DeviceInfoSchema>;

// ---- agent → kernel ----
export const HelloSchema = Type.Object(
  {
    type: Type.Literal('hello'),
    v: Type.Integer(),
    terminalId: Type.String(),
    /** The terminal credential issued at enrolment (a bearer secret; the kernel stores only its hash). */
    token: Type.String(),
    agentVersion: Type.String(),
  },
  { additionalProperties: false },
);
export const PingSchema = Type.Object({ type: Type.Literal('ping'), at: Type.Number() }, { additionalProperties: false });
export const DevicesReportSchema = Type.Object(
  { type: Type.Literal('devices'), devices: Type.Array(DeviceInfoSchema) },
  { additionalProperties: false },
);
export const DeviceStatusMessageSchema = Type.Object(
  { type: Type.Literal('device.status'), deviceId: Type.String({ maxLength: 100 }), status: DeviceStatusSchema },
  { additionalProperties: false },
);
/** The agent has the job in its on-disk inbox. `duplicate` = it already had this idempotency key. */
export const JobAckSchema = Type.Object(
  {
    type: Type.Literal('job.ack'),
    jobId: Type.String(),
    state: Type.Union([Type.Literal('received'), Type.Literal('duplicate')]),
    /** For a duplicate: the job id that first carried this key. */
    originalJobId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
/** Final outcome; resent after every reconnect until the kernel answers job.result.ack. */
export const JobResultSchema = Type.Object(
  {
    type: Type.Literal('job.result'),
    jobId: Type.String(),
    idempotencyKey: Type.String(),
    outcome: JobOutcomeSchema,
    at: Type.String(),
  },
  { additionalProperties: false },
);
export const ScanSchema = Type.Object(
  { type: Type.Literal('scan'), deviceId: Type.String({ maxLength: 100 }), data: Type.String(), at: Type.String({ maxLength: 40 }) },
  { additionalProperties: false },
);

export const AgentMessageSchema = Type.Union([HelloSchema, PingSchema, DevicesReportSchema, DeviceStatusMessageSchema, JobAckSchema, JobResultSchema, ScanSchema]);
export type AgentMessage = Static<typeof AgentMessageSchema>;

// ---- kernel → agent ----
export const HelloOkSchema = Type.Object(
  {
    type: Type.Literal('hello.ok'),
    v: Type.Integer(),
    terminalId: Type.String(),
    tenantId: Type.String(),
    storeId: Type.String(),
    heartbeatMs: Type.Integer({ minimum: 100 }),
  },
  { additionalProperties: false },
);
/** Sent before the kernel closes the socket (close code 4401 unauthorised / 4403 revoked). */
export const HelloErrorSchema = Type.Object(
  { type: Type.Literal('hello.error'), code: Type.Union([Type.Literal('UNAUTHORIZED'), Type.Literal('REVOKED'), Type.Literal('VERSION')]), message: Type.String() },
  { additionalProperties: false },
);
export const PongSchema = Type.Object({ type: Type.Literal('pong'), at: Type.Number() }, { additionalProperties: false });
/**
 * The kernel dropped a message of this terminal because it broke a limit (rate, size, devices per
 * report, scan length) or the protocol schema. The socket stays open unless the terminal keeps
 * flooding (close 4429).
 */
export const BusErrorSchema = Type.Object(
  {
    type: Type.Literal('error'),
    code: Type.Union([Type.Literal('RATE_LIMITED'), Type.Literal('MESSAGE_TOO_LARGE'), Type.Literal('TOO_MANY_DEVICES'), Type.Literal('SCAN_TOO_LARGE'), Type.Literal('MESSAGE_INVALID')]),
    message: Type.String(),
    /** The limit that was broken (messages per second, bytes, devices). */
    limit: Type.Number(),
    /** What was dropped: a message type, or how many messages since the last error. */
    dropped: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type BusError = Static<typeof BusErrorSchema>;
export const JobDispatchSchema = Type.Object({ type: Type.Literal('job'), job: JobSchema }, { additionalProperties: false });
export const JobResultAckSchema = Type.Object({ type: Type.Literal('job.result.ack'), jobId: Type.String() }, { additionalProperties: false });

export const KernelMessageSchema = Type.Union([HelloOkSchema, HelloErrorSchema, PongSchema, JobDispatchSchema, JobResultAckSchema, BusErrorSchema]);
export type KernelMessage = Static<typeof KernelMessageSchema>;

export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_REVOKED = 4403;
/** The terminal kept breaking the bus limits; it may reconnect (with backoff). */
export const CLOSE_FLOODING = 4429;

const agentValidator = Compile(AgentMessageSchema);
const kernelValidator = Compile(KernelMessageSchema);

export class ProtocolError extends Error {}

function parse<T>(raw: string, check: (v: unknown) => v is T, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ProtocolError(`${what}: not JSON`);
  }
  if (!check(value)) throw new ProtocolError(`${what}: does not match the protocol schema`);
  return value;
}

export function parseAgentMessage(raw: string): AgentMessage {
  return parse(raw, (v): v is AgentMessage => agentValidator.Check(v), 'agent message');
}

export function parseKernelMessage(raw: string): KernelMessage {
  return parse(raw, (v): v is KernelMessage => kernelValidator.Check(v), 'kernel message');
}
