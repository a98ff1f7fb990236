import type { PrinterProfile } from '../encoding/printer-profile.ts';
import type { EscPosPrinterDriver } from '../drivers/escpos-printer.driver.ts';
import type { SerialScaleDriver } from '../drivers/scale.driver.ts';
import type { SerialScannerDriver } from '../drivers/scanner.driver.ts';
import type { VfdDisplayDriver } from '../drivers/display.driver.ts';
import type { DeviceInfo } from '../protocol/messages.ts';

/** The devices one agent drives, by the stable ids the kernel knows them by. */
export type AgentDevice =
  | { deviceId: string; name: string; kind: 'printer'; profile: PrinterProfile; driver: EscPosPrinterDriver }
  | { deviceId: string; name: string; kind: 'scale'; driver: SerialScaleDriver }
  | { deviceId: string; name: string; kind: 'scanner'; driver: SerialScannerDriver }
  | { deviceId: string; name: string; kind: 'display'; driver: VfdDisplayDriver };

export async function describeDevices(devices: AgentDevice[]): Promise<DeviceInfo[]> {
  const out: DeviceInfo[] = [];
  for (const d of devices) {
    if (d.kind === 'printer') {
      out.push({ deviceId: d.deviceId, kind: d.kind, name: d.name, profileId: d.profile.id, status: await d.driver.status() });
    } else {
      out.push({ deviceId: d.deviceId, kind: d.kind, name: d.name, status: 'online' });
    }
  }
  return out;
}
