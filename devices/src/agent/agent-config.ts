import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { getProfile } from '../encoding/printer-profile.ts';
import { DeviceFileTransport, TcpTransport, type ByteTransport } from '../drivers/byte-transport.ts';
import { VfdDisplayDriver } from '../drivers/display.driver.ts';
import { EscPosPrinterDriver } from '../drivers/escpos-printer.driver.ts';
import { SerialScaleDriver } from '../drivers/scale.driver.ts';
import { SerialScannerDriver } from '../drivers/scanner.driver.ts';
import { SerialTransport, type BindingInterface } from '../drivers/serial-transport.ts';
import type { AgentDevice } from './device-set.ts';

const Serial = Type.Object({ type: Type.Literal('serial'), path: Type.String(), baudRate: Type.Integer({ default: 9600 }) }, { additionalProperties: false });
const PrinterTransport = Type.Union([
  Type.Object({ type: Type.Literal('tcp'), host: Type.String(), port: Type.Integer({ default: 9100 }) }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('file'), path: Type.String() }, { additionalProperties: false }),
  Serial,
]);

export const DeviceConfigSchema = Type.Union([
  Type.Object({ deviceId: Type.String(), name: Type.String(), kind: Type.Literal('printer'), profile: Type.String(), transport: PrinterTransport }, { additionalProperties: false }),
  Type.Object({ deviceId: Type.String(), name: Type.String(), kind: Type.Literal('scale'), protocol: Type.Union([Type.Literal('toledo'), Type.Literal('cas')]), transport: Serial }, { additionalProperties: false }),
  Type.Object({ deviceId: Type.String(), name: Type.String(), kind: Type.Literal('scanner'), transport: Serial }, { additionalProperties: false }),
  Type.Object({ deviceId: Type.String(), name: Type.String(), kind: Type.Literal('display'), codePage: Type.Optional(Type.Integer()), transport: Serial }, { additionalProperties: false }),
]);
export type DeviceConfig = Static<typeof DeviceConfigSchema>;

/** /etc/atrium-agent/agent.json (or --config). */
export const AgentConfigSchema = Type.Object(
  {
    /** Journal and credential live here (0700). */
    dataDir: Type.String(),
    devices: Type.Array(DeviceConfigSchema),
  },
  { additionalProperties: false },
);
export type AgentConfig = Static<typeof AgentConfigSchema>;
const check = Compile(AgentConfigSchema);

export function parseAgentConfig(raw: unknown): AgentConfig {
  if (!check.Check(raw)) throw new Error(`bad agent config: ${check.Errors(raw).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  return raw;
}

export async function buildDevices(devices: DeviceConfig[], serialBinding?: BindingInterface): Promise<AgentDevice[]> {
  const out: AgentDevice[] = [];
  for (const d of devices) {
    const serial = (t: { path: string; baudRate: number }) => new SerialTransport({ path: t.path, baudRate: t.baudRate, binding: serialBinding });
    switch (d.kind) {
      case 'printer': {
        const profile = getProfile(d.profile);
        const t = d.transport;
        const make = (): ByteTransport =>
          t.type === 'tcp' ? new TcpTransport(t.host, t.port) : t.type === 'file' ? new DeviceFileTransport(t.path) : serial(t);
        out.push({ deviceId: d.deviceId, name: d.name, kind: 'printer', profile, driver: new EscPosPrinterDriver({ profile, transport: make }) });
        break;
      }
      case 'scale': out.push({ deviceId: d.deviceId, name: d.name, kind: 'scale', driver: new SerialScaleDriver(serial(d.transport), d.protocol) }); break;
      case 'scanner': {
        const driver = new SerialScannerDriver(serial(d.transport));
        await driver.open();
        out.push({ deviceId: d.deviceId, name: d.name, kind: 'scanner', driver });
        break;
      }
      case 'display': out.push({ deviceId: d.deviceId, name: d.name, kind: 'display', driver: new VfdDisplayDriver(serial(d.transport), d.codePage) }); break;
    }
  }
  return out;
}
