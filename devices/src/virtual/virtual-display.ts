import { decodeWith } from '../encoding/code-pages.ts';
import type { VirtualSerialDevice } from './virtual-serial.ts';

/** A 2×20 VFD on a mock serial line: applies ESC @, FF, US $ x y and CP866 text to its rows. */
export class VirtualVfdDisplay implements VirtualSerialDevice {
  rows: string[] = [' '.repeat(20), ' '.repeat(20)];
  private x = 0;
  private y = 0;
  private pending = Buffer.alloc(0);

  attached(): void {}

  onHostWrite(data: Buffer): void {
    const b = Buffer.concat([this.pending, data]);
    let i = 0;
    while (i < b.length) {
      const c = b[i]!;
      if (c === 0x1b) {
        if (i + 1 >= b.length) break;
        if (b[i + 1] === 0x40) { this.clear(); i += 2; continue; }
        if (b[i + 1] === 0x74) { if (i + 2 >= b.length) break; i += 3; continue; }
        i += 2; continue;
      }
      if (c === 0x0c) { this.clear(); i++; continue; }
      if (c === 0x1f) {
        if (i + 3 >= b.length) break;
        if (b[i + 1] === 0x24) { this.x = b[i + 2]! - 1; this.y = b[i + 3]! - 1; }
        i += 4; continue;
      }
      if (c < 0x20) { i++; continue; }
      const ch = decodeWith(b.subarray(i, i + 1), 'cp866');
      const row = this.rows[this.y] ?? '';
      if (this.x < 20) this.rows[this.y] = row.slice(0, this.x) + ch + row.slice(this.x + 1);
      this.x++;
      i++;
    }
    this.pending = b.subarray(i);
  }

  private clear(): void {
    this.rows = [' '.repeat(20), ' '.repeat(20)];
    this.x = 0;
    this.y = 0;
  }
}
