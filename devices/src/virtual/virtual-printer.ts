import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { PrinterProfile } from '../encoding/printer-profile.ts';
import { EscPosDecoder, type DecodedEvent } from './escpos-decoder.ts';

export type PrintedItem =
  | { kind: 'text'; text: string; codePages: string[]; bold: boolean; align: string }
  | { kind: 'image'; width: number; height: number; data: Uint8Array }
  | { kind: 'qr'; data: string }
  | { kind: 'barcode'; symbology: string; data: string };

export interface PrintedReceipt {
  items: PrintedItem[];
  /** Text lines only, in order — what a person reading the paper would see as text. */
  text: string[];
  cut: boolean;
}

export interface DrawerKick {
  pin: 2 | 5;
  onMs: number;
  offMs: number;
  bytes: number[];
}

/** Fault knobs, changeable while the printer runs. */
export interface PrinterFaults {
  paperOut: boolean;
  coverOpen: boolean;
  /** Delay before each received chunk is processed (and so before status replies). */
  slowMs: number;
  /** Close the connection after this many bytes of print data have arrived (-1 = never). */
  dropAfterBytes: number;
  /** Refuse connections (the printer is switched off). */
  refuse: boolean;
}

/**
 * A virtual ESC/POS printer on 127.0.0.1 (random port). It decodes what it is sent with the
 * given profile's code-page numbering, records receipts (split at each cut), drawer kicks,
 * images, QR and barcode payloads, and answers `DLE EOT n` like an Epson: while the paper is
 * out or the cover open it is offline and prints nothing, but still answers status.
 */
export class VirtualPrinter extends EventEmitter {
  readonly profile: PrinterProfile;
  readonly faults: PrinterFaults = { paperOut: false, coverOpen: false, slowMs: 0, dropAfterBytes: -1, refuse: false };
  readonly receipts: PrintedReceipt[] = [];
  readonly drawerKicks: DrawerKick[] = [];
  readonly statusRequests: number[] = [];
  /** Print commands that arrived while offline and were thrown away. */
  discarded = 0;
  port = 0;
  private current: PrintedReceipt = { items: [], text: [], cut: false };
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();

  constructor(profile: PrinterProfile) {
    super();
    this.profile = profile;
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** Lines printed since the last cut. */
  get pending(): PrintedReceipt {
    return this.current;
  }

  get offline(): boolean {
    return this.faults.paperOut || this.faults.coverOpen;
  }

  async start(): Promise<{ host: string; port: number }> {
    this.server = net.createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    return { host: this.host, port: this.port };
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Resolves once `count` receipts have been cut (or rejects after `timeoutMs`). */
  waitForReceipts(count: number, timeoutMs = 5000): Promise<PrintedReceipt[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (this.receipts.length >= count) { cleanup(); resolve(this.receipts.slice(0, count)); }
      };
      const timer = setTimeout(() => { cleanup(); reject(new Error(`expected ${count} receipts, got ${this.receipts.length}`)); }, timeoutMs);
      const cleanup = () => { clearTimeout(timer); this.off('receipt', check); };
      this.on('receipt', check);
      check();
    });
  }

  private accept(socket: net.Socket): void {
    if (this.faults.refuse) { socket.destroy(); return; }
    // status answers are single bytes: without this, Nagle + delayed ACK hold one back ~40 ms
    socket.setNoDelay(true);
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = new EscPosDecoder(this.profile);
    let received = 0;
    // Chunks are processed strictly in order even when `slowMs` delays them.
    let chain = Promise.resolve();
    socket.on('data', (chunk) => {
      chain = chain.then(async () => {
        if (this.faults.slowMs > 0) await new Promise((r) => setTimeout(r, this.faults.slowMs));
        if (socket.destroyed) return;
        if (this.faults.dropAfterBytes >= 0 && received + chunk.length > this.faults.dropAfterBytes) {
          const keep = Math.max(0, this.faults.dropAfterBytes - received);
          for (const ev of decoder.push(chunk.subarray(0, keep))) this.apply(ev, socket);
          received += keep;
          socket.destroy();
          return;
        }
        received += chunk.length;
        for (const ev of decoder.push(chunk)) this.apply(ev, socket);
      });
    });
  }

  private statusByte(n: number): number {
    const fixed = 0x12;
    switch (n) {
      case 1: return fixed | (this.offline ? 0x08 : 0);
      case 2: return fixed | (this.faults.coverOpen ? 0x04 : 0) | (this.faults.paperOut ? 0x20 : 0);
      case 3: return fixed;
      case 4: return fixed | (this.faults.paperOut ? 0x60 : 0);
      default: return fixed;
    }
  }

  private apply(ev: DecodedEvent, socket: net.Socket): void {
    if (ev.type === 'status-request') {
      this.statusRequests.push(ev.n);
      socket.write(Buffer.from([this.statusByte(ev.n)]));
      return;
    }
    if (ev.type === 'transmit-status') {
      // GS r is processed in order with the data before it; an offline printer holds it, so no reply.
      if (!this.offline) socket.write(Buffer.from([this.faults.paperOut ? 0x0c : 0x00]));
      return;
    }
    if (this.offline && ev.type !== 'init' && ev.type !== 'codepage') { this.discarded++; return; }
    switch (ev.type) {
      case 'text':
        this.current.items.push({ kind: 'text', text: ev.text, codePages: ev.codePages, bold: ev.bold, align: ev.align });
        this.current.text.push(ev.text);
        break;
      case 'image': this.current.items.push({ kind: 'image', width: ev.width, height: ev.height, data: ev.data }); break;
      case 'qr': this.current.items.push({ kind: 'qr', data: ev.data }); break;
      case 'barcode': this.current.items.push({ kind: 'barcode', symbology: ev.symbology, data: ev.data }); break;
      case 'drawer': {
        const kick = { pin: ev.pin, onMs: ev.onMs, offMs: ev.offMs, bytes: ev.bytes };
        this.drawerKicks.push(kick);
        this.emit('drawer', kick);
        break;
      }
      case 'cut':
        this.current.cut = true;
        this.receipts.push(this.current);
        this.current = { items: [], text: [], cut: false };
        this.emit('receipt', this.receipts.at(-1));
        break;
      default: break;
    }
  }
}
