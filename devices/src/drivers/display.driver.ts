import { canEncode, encodeWith } from '../encoding/code-pages.ts';
import type { ByteTransport } from './byte-transport.ts';

export const VFD_COLUMNS = 20;
export const VFD_ROWS = 2;

// VFDs cannot print images, so letters missing from CP866 get their closest Russian shape.
const FALLBACK: Record<string, string> = {
  'ә': 'а', 'Ә': 'А', 'ғ': 'г', 'Ғ': 'Г', 'қ': 'к', 'Қ': 'К', 'ң': 'н', 'Ң': 'Н', 'ө': 'о', 'Ө': 'О',
  'ұ': 'у', 'Ұ': 'У', 'ү': 'у', 'Ү': 'У', 'һ': 'h', 'Һ': 'H', 'і': 'i', 'І': 'I', 'ґ': 'г', 'Ґ': 'Г',
};

export function vfdText(s: string): string {
  return [...s].map((c) => (canEncode(c, 'cp866') ? c : FALLBACK[c] ?? '?')).join('');
}

/**
 * 2×20 customer display speaking the Epson-compatible VFD command set (ESC @ init, ESC t n code page,
 * FF clear, US $ x y cursor). `codePageNumber` is the display's CP866 number (17 on most).
 */
export class VfdDisplayDriver {
  private readonly transport: ByteTransport;
  private readonly codePageNumber: number;
  private opened = false;

  constructor(transport: ByteTransport, codePageNumber = 17) {
    this.transport = transport;
    this.codePageNumber = codePageNumber;
  }

  async show(lines: string[]): Promise<void> {
    if (!this.opened) { await this.transport.open(); this.opened = true; }
    const parts: Buffer[] = [Buffer.from([0x1b, 0x40, 0x1b, 0x74, this.codePageNumber, 0x0c])];
    for (let row = 0; row < VFD_ROWS; row++) {
      const text = vfdText(lines[row] ?? '').slice(0, VFD_COLUMNS).padEnd(VFD_COLUMNS, ' ');
      parts.push(Buffer.from([0x1f, 0x24, 1, row + 1]), encodeWith(text, 'cp866'));
    }
    await this.transport.write(Buffer.concat(parts));
  }

  async close(): Promise<void> {
    await this.transport.close();
    this.opened = false;
  }
}
