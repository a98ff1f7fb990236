// @atrium/devices — public surface. The kernel's `devices` service builds on the hub and protocol;
// the admin imports the keyboard wedge from '@atrium/devices/browser'.
export * from './protocol/messages.ts';
export * from './protocol/job.schema.ts';
export * from './receipt/receipt.schema.ts';
export { renderReceipt, type RenderedLine, type RenderResult } from './receipt/receipt.renderer.ts';
export { testPageDocument, PANGRAMS } from './receipt/test-page.ts';
export { BUILTIN_PROFILES, getProfile, PrinterProfileSchema, type PrinterProfile } from './encoding/printer-profile.ts';
export { CODE_PAGES, canEncode, type CodePageName } from './encoding/code-pages.ts';
export { drawerKickBytes, EscPosBuilder } from './escpos/escpos-builder.ts';
export { JobHub, DRAWER_TTL_MS, type AgentLink, type SubmitJob } from './hub/job-hub.ts';
export type { JobHubStorage, HubJob, HubJobState, TerminalRecord, EnrollmentCode } from './hub/job-hub.storage.ts';
export { MemoryHubStorage } from './hub/memory-storage.ts';
export { startWsHub, AGENT_WS_PATH, ENROLL_PATH } from './hub/ws-hub-server.ts';
export { Agent } from './agent/agent.ts';
export { VirtualPrinter } from './virtual/virtual-printer.ts';
export { EscPosDecoder } from './virtual/escpos-decoder.ts';
