import net from 'node:net';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * A bidirectional byte pipe to a device. Printers need the back channel for status bytes,
 * so reads are part of the interface, with a timeout: a silent printer must not hang a job.
 */
export interface ByteTransport {
  open(): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  /** Next byte from the device, or `undefined` after `timeoutMs`/when the link closed. */
  readByte(timeoutMs: number): Promise<number | undefined>;
  /** Throw away bytes that arrived unasked (late replies from an earlier query). */
  discardInput(): void;
  close(): Promise<void>;
  readonly closed: boolean;
}

/** Shared incoming-byte queue with waiting readers. */
export class ByteQueue {
  private bytes: number[] = [];
  private waiters: ((b: number | undefined) => void)[] = [];
  ended = false;

  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      const w = this.waiters.shift();
      if (w) w(b);
      else this.bytes.push(b);
    }
  }

  end(): void {
    this.ended = true;
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  clear(): void {
    this.bytes = [];
  }

  read(timeoutMs: number): Promise<number | undefined> {
    if (this.bytes.length) return Promise.resolve(this.bytes.shift());
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = (b: number | undefined) => { clearTimeout(timer); resolve(b); };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export class TcpTransport implements ByteTransport {
  private socket: net.Socket | undefined;
  private readonly queue = new ByteQueue();
  private readonly host: string;
  private readonly port: number;
  private readonly connectTimeoutMs: number;

  constructor(host: string, port: number, connectTimeoutMs = 3000) {
    this.host = host;
    this.port = port;
    this.connectTimeoutMs = connectTimeoutMs;
  }

  get closed(): boolean {
    return !this.socket || this.socket.destroyed;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host: this.host, port: this.port });
      const timer = setTimeout(() => { s.destroy(); reject(new Error('connect timeout')); }, this.connectTimeoutMs);
      s.once('connect', () => { clearTimeout(timer); s.setNoDelay(true); this.socket = s; resolve(); });
      s.once('error', (e) => { clearTimeout(timer); reject(e); });
      s.on('data', (d) => this.queue.push(d));
      s.on('close', () => this.queue.end());
    });
  }

  write(bytes: Uint8Array): Promise<void> {
    const s = this.socket;
    if (!s || s.destroyed) return Promise.reject(new Error('not connected'));
    return new Promise((resolve, reject) => s.write(bytes, (e) => (e ? reject(e) : resolve())));
  }

  readByte(timeoutMs: number): Promise<number | undefined> {
    return this.queue.read(timeoutMs);
  }

  discardInput(): void {
    this.queue.clear();
  }

  async close(): Promise<void> {
    const s = this.socket;
    if (!s || s.destroyed) return;
    await new Promise<void>((resolve) => { s.once('close', () => resolve()); s.end(); setTimeout(() => { s.destroy(); }, 500).unref(); });
  }
}

/**
 * A USB printer class device file (`/dev/usb/lp0`) opened read-write. The usblp driver passes
 * status bytes back on read for printers that answer them; a read that never returns is cut by
 * the timeout (the blocked thread-pool read is left behind and ends with the handle).
 */
export class DeviceFileTransport implements ByteTransport {
  private fh: FileHandle | undefined;
  private readonly path: string;
  private pendingRead: Promise<number | undefined> | undefined;

  constructor(path: string) {
    this.path = path;
  }

  get closed(): boolean {
    return !this.fh;
  }

  async open(): Promise<void> {
    this.fh = await open(this.path, 'r+');
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.fh) throw new Error('not open');
    let off = 0;
    while (off < bytes.length) off += (await this.fh.write(bytes, off, bytes.length - off)).bytesWritten;
  }

  async readByte(timeoutMs: number): Promise<number | undefined> {
    if (!this.fh) return undefined;
    const fh = this.fh;
    this.pendingRead ??= (async () => {
      const b = Buffer.alloc(1);
      const { bytesRead } = await fh.read(b, 0, 1, null).catch(() => ({ bytesRead: 0 }));
      return bytesRead ? b[0] : undefined;
    })();
    const read = this.pendingRead;
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([read, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); })]);
    clearTimeout(timer);
    if (result === 'timeout') return undefined;
    this.pendingRead = undefined;
    return result;
  }

  discardInput(): void {}

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }
}
