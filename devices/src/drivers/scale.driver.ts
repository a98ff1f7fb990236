import type { ByteTransport } from './byte-transport.ts';

export interface ScaleReading {
  grams: number;
  stable: boolean;
}

export type ScaleProtocol = 'toledo' | 'cas';

/**
 * Serial scale driver for the two protocol families most POS scales speak:
 * Toledo 8217-style (`W` → STX weight CR; STX `?` status CR when not stable) and
 * CAS-style (ENQ → ACK, then DC1 → `ST,GS,+  1.234kg`). Returns integer grams — no floats in stock.
 */
export class SerialScaleDriver {
  private readonly transport: ByteTransport;
  readonly protocol: ScaleProtocol;
  private readonly timeoutMs: number;
  private opened = false;

  constructor(transport: ByteTransport, protocol: ScaleProtocol, timeoutMs = 1000) {
    this.transport = transport;
    this.protocol = protocol;
    this.timeoutMs = timeoutMs;
  }

  private async readUntil(end: number): Promise<string> {
    const bytes: number[] = [];
    for (;;) {
      const b = await this.transport.readByte(this.timeoutMs);
      if (b === undefined) throw new Error('scale did not answer');
      if (b === end) return Buffer.from(bytes).toString('latin1');
      bytes.push(b);
    }
  }

  async read(): Promise<ScaleReading> {
    if (!this.opened) { await this.transport.open(); this.opened = true; }
    this.transport.discardInput();
    if (this.protocol === 'toledo') {
      await this.transport.write(Buffer.from('W'));
      const frame = (await this.readUntil(0x0d)).replace(/^\x02/, '');
      if (frame.startsWith('?')) return { grams: 0, stable: false };
      return { grams: kgToGrams(frame), stable: true };
    }
    await this.transport.write(Buffer.from([0x05]));
    if ((await this.transport.readByte(this.timeoutMs)) !== 0x06) throw new Error('scale did not ACK');
    await this.transport.write(Buffer.from([0x11]));
    const frame = (await this.readUntil(0x0a)).trim();
    const m = /^(ST|US),(GS|NT),([+-])\s*([\d.]+)\s*kg$/.exec(frame);
    if (!m) throw new Error(`unparseable scale frame ${JSON.stringify(frame)}`);
    return { grams: (m[3] === '-' ? -1 : 1) * kgToGrams(m[4]!), stable: m[1] === 'ST' };
  }

  async close(): Promise<void> {
    await this.transport.close();
    this.opened = false;
  }
}

function kgToGrams(s: string): number {
  const [whole = '0', frac = ''] = s.trim().split('.');
  return Number(whole) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3));
}
