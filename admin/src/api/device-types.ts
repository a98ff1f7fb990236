// Shapes of the kernel's device bus API (/api/devices, ARCHITECTURE §7).
export type DeviceKind = 'printer' | 'scanner' | 'scale' | 'display';
export type DeviceStatus = 'online' | 'offline' | 'paper-out' | 'cover-open' | 'error';
export type DeviceJobState = 'queued' | 'dispatched' | 'received' | 'done' | 'failed' | 'unknown' | 'expired';
export type DeviceJobKind = 'print-receipt' | 'print-raw' | 'open-drawer' | 'display' | 'read-scale' | 'test-page';

export interface Store {
  id: string;
  name: string;
  address?: string | null;
}

export interface EnrollmentCode {
  code: string;
  storeId: string;
  /** ISO time; the code is single use and lives 10 minutes. */
  expiresAt: string;
  /** atrium-enroll://host?code=…&kernel=… — what the QR code carries. */
  uri: string;
  command: string;
  qrSvg?: string;
}

export interface Terminal {
  id: string;
  storeId: string;
  name: string;
  agentVersion: string | null;
  lastSeenAt: string | null;
  connected: boolean;
  revokedAt: string | null;
  createdAt: string;
  deviceCount: number;
}

export interface PrinterProfileChoice {
  profileId: string;
  paperWidthMm: 58 | 80 | null;
  codePage: string | null;
  imageMode: 'auto' | 'raster';
}

export interface Device {
  terminalId: string;
  deviceId: string;
  kind: DeviceKind;
  name: string;
  status: DeviceStatus;
  reportedProfileId: string | null;
  storeId: string;
  terminalName: string;
  connected: boolean;
  terminalRevoked: boolean;
  profile: PrinterProfileChoice | null;
  updatedAt: string;
}

export interface PrinterProfileInfo {
  id: string;
  vendor: string;
  model: string;
  paperWidthMm: 58 | 80;
  codePages: string[];
}

export interface DeviceRole {
  storeId: string;
  role: string;
  terminalId: string;
  deviceId: string;
  createdAt?: string;
}

export interface DeviceJobOutcome {
  state: 'done' | 'failed' | 'unknown';
  reason?: string;
  detail?: string;
}

export interface DeviceJob {
  id: string;
  state: DeviceJobState;
  kind: DeviceJobKind;
  role: string | null;
  storeId?: string | null;
  terminalId: string;
  deviceId: string;
  idempotencyKey: string;
  outcome: DeviceJobOutcome | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string | null;
}

/** What the kernel pushes over /api/ws about devices. */
export type DeviceLiveMessage =
  | { type: 'devices.terminal'; terminalId: string; connected: boolean }
  | { type: 'devices.devices'; terminalId: string; devices: { deviceId: string; kind: DeviceKind; name: string; status: DeviceStatus; profileId?: string }[] }
  | { type: 'devices.status'; terminalId: string; deviceId: string; status: DeviceStatus }
  | { type: 'devices.job'; job: DeviceJob }
  | { type: 'devices.scan'; terminalId: string; deviceId: string; data: string };
