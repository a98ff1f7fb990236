import { SerialPortStream } from '@serialport/stream';
import { ByteQueue, type ByteTransport } from './byte-transport.ts';

/** Whatever binding SerialPortStream accepts (native, MockBinding, or the virtual wrapper). */
export type BindingInterface = ConstructorParameters<typeof SerialPortStream>[0]['binding'];

/** Real serial ports use the native binding; tests pass serialport's MockBinding (or our virtual wrapper). */
export async function defaultSerialBinding(): Promise<BindingInterface> {
  // Loaded lazily so that hosts without the native module can still run TCP-only agents.
  const { autoDetect } = await import('@serialport/bindings-cpp');
  return autoDetect() as unknown as BindingInterface;
}

export interface SerialOptions {
  path: string;
  baudRate: number;
  binding?: BindingInterface;
}

/** Opens a SerialPortStream and exposes it as a ByteTransport. */
export class SerialTransport implements ByteTransport {
  readonly options: SerialOptions;
  private port: SerialPortStream | undefined;
  private readonly queue = new ByteQueue();
  private readonly listeners: ((chunk: Buffer) => void)[] = [];

  constructor(options: SerialOptions) {
    this.options = options;
  }

  get closed(): boolean {
    return !this.port?.isOpen;
  }

  /** Streaming consumers (scanners) subscribe instead of reading byte by byte. */
  onData(fn: (chunk: Buffer) => void): void {
    this.listeners.push(fn);
  }

  async open(): Promise<void> {
    const binding = this.options.binding ?? (await defaultSerialBinding());
    const port = new SerialPortStream({ binding, path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    port.on('data', (d: Buffer) => {
      if (this.listeners.length) for (const l of this.listeners) l(d);
      else this.queue.push(d);
    });
    port.on('close', () => this.queue.end());
    this.port = port;
  }

  write(bytes: Uint8Array): Promise<void> {
    const p = this.port;
    if (!p) return Promise.reject(new Error('not open'));
    return new Promise((resolve, reject) => {
      p.write(Buffer.from(bytes), (e) => (e ? reject(e) : p.drain((e2) => (e2 ? reject(e2) : resolve()))));
    });
  }

  readByte(timeoutMs: number): Promise<number | undefined> {
    return this.queue.read(timeoutMs);
  }

  discardInput(): void {
    this.queue.clear();
  }

  async close(): Promise<void> {
    const p = this.port;
    this.port = undefined;
    if (p?.isOpen) await new Promise<void>((resolve) => p.close(() => resolve()));
  }
}
