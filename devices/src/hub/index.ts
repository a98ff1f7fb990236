// `@atrium/devices/hub` — what the kernel's `devices` service needs, and nothing that touches
// hardware: no serialport, no drivers, no agent. Safe to import on any kernel node.
export { JobHub, DRAWER_TTL_MS, DEFAULT_AGENT_LIMITS, type AgentLimits, type AgentLink, type SubmitJob } from './job-hub.ts';
export type { JobHubStorage, HubJob, HubJobState, TerminalRecord, EnrollmentCode } from './job-hub.storage.ts';
export { MemoryHubStorage } from './memory-storage.ts';
export { AGENT_MAX_FRAME_BYTES, bindAgentSocket } from './agent-connection.ts';
export {
  AGENT_WS_PATH, AgentMessageSchema, KernelMessageSchema, DeviceInfoSchema, PROTOCOL_VERSION, CLOSE_REVOKED, CLOSE_UNAUTHORIZED,
  type DeviceInfo, type KernelMessage, type AgentMessage,
} from '../protocol/messages.ts';
export * from '../protocol/job.schema.ts';
export { ReceiptDocumentSchema, ReceiptLineSchema, type ReceiptDocument } from '../receipt/receipt.schema.ts';
export { testPageDocument, PANGRAMS } from '../receipt/test-page.ts';
export { BUILTIN_PROFILES, getProfile, PrinterProfileSchema, type PrinterProfile } from '../encoding/printer-profile.ts';
