import { MockBinding, type MockPortBinding } from '@serialport/binding-mock';
import type { BindingInterface } from '../drivers/serial-transport.ts';

/** A device at the far end of a mock serial line: it sees what the host writes and can answer. */
export interface VirtualSerialDevice {
  attached(port: { emit(data: Buffer | string): void }): void;
  onHostWrite(data: Buffer): void;
}

/**
 * serialport's MockBinding records writes but never answers them. This wraps it so a virtual
 * scale can reply to `W` or ENQ/DC1, and a virtual scanner can push barcodes, through the real
 * SerialPortStream code path the drivers use in production.
 */
export class VirtualSerialBus {
  private readonly devices = new Map<string, VirtualSerialDevice>();
  readonly binding: BindingInterface;

  constructor() {
    const devices = this.devices;
    this.binding = {
      ...MockBinding,
      list: () => MockBinding.list(),
      async open(options: Parameters<typeof MockBinding.open>[0]) {
        const port: MockPortBinding = await MockBinding.open(options);
        const device = devices.get(options.path);
        if (device) {
          const write = port.write.bind(port);
          port.write = async (buf: Buffer) => {
            await write(buf);
            // Answer on the next tick, as a real device would after the bytes crossed the line.
            setImmediate(() => { if (port.isOpen) device.onHostWrite(Buffer.from(buf)); });
          };
          device.attached({ emit: (d) => { if (port.isOpen) port.emitData(d); } });
        }
        return port;
      },
    } as unknown as BindingInterface;
  }

  attach(path: string, device: VirtualSerialDevice): void {
    MockBinding.createPort(path, { echo: false, record: true });
    this.devices.set(path, device);
  }
}

/** A serial barcode scanner: `scan('4870…')` sends the code followed by CR, like most scanners' default suffix. */
export class VirtualSerialScanner implements VirtualSerialDevice {
  private port: { emit(data: Buffer | string): void } | undefined;
  readonly suffix: string;

  constructor(suffix = '\r') {
    this.suffix = suffix;
  }

  attached(port: { emit(data: Buffer | string): void }): void {
    this.port = port;
  }

  onHostWrite(): void {}

  scan(code: string): void {
    if (!this.port) throw new Error('scanner not opened by a driver');
    this.port.emit(code + this.suffix);
  }
}

/**
 * A serial scale. Toledo-style: host `W` → `STX weight(kg, 3 decimals) CR`, or `STX ? status CR`
 * while unstable. CAS-style: host ENQ → ACK, host DC1 → `ST|US,GS,+  1.234kg CR LF`.
 */
export class VirtualSerialScale implements VirtualSerialDevice {
  grams = 0;
  stable = true;
  readonly protocol: 'toledo' | 'cas';
  private port: { emit(data: Buffer | string): void } | undefined;

  constructor(protocol: 'toledo' | 'cas') {
    this.protocol = protocol;
  }

  attached(port: { emit(data: Buffer | string): void }): void {
    this.port = port;
  }

  onHostWrite(data: Buffer): void {
    const kg = (this.grams / 1000).toFixed(3);
    for (const b of data) {
      if (this.protocol === 'toledo' && b === 0x57) {
        this.port?.emit(this.stable ? `\x02${kg.padStart(6, '0')}\r` : '\x02?\x01\r');
      } else if (this.protocol === 'cas' && b === 0x05) {
        this.port?.emit(Buffer.from([0x06]));
      } else if (this.protocol === 'cas' && b === 0x11) {
        this.port?.emit(`${this.stable ? 'ST' : 'US'},GS,+${kg.padStart(7, ' ')}kg\r\n`);
      }
    }
  }
}
