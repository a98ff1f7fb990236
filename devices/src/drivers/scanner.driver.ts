import { EventEmitter } from 'node:events';
import type { SerialTransport } from './serial-transport.ts';

/** Serial barcode scanner: bytes until CR or LF make one code; emits `scan` with the code. */
export class SerialScannerDriver extends EventEmitter {
  private readonly transport: SerialTransport;
  private buf = '';

  constructor(transport: SerialTransport) {
    super();
    this.transport = transport;
    transport.onData((chunk) => this.feed(chunk));
  }

  async open(): Promise<void> {
    await this.transport.open();
  }

  private feed(chunk: Buffer): void {
    this.buf += chunk.toString('latin1');
    let i: number;
    while ((i = this.buf.search(/[\r\n]/)) >= 0) {
      const code = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (code) this.emit('scan', code);
    }
  }

  async close(): Promise<void> {
    await this.transport.close();
  }
}
