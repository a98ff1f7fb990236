import type { Bitmap } from '../encoding/bitmap.ts';
import { bytesPerRow } from '../encoding/bitmap.ts';
import type { PrinterProfile } from '../encoding/printer-profile.ts';

export const ESC = 0x1b, GS = 0x1d, FS = 0x1c, DLE = 0x10, EOT = 0x04, LF = 0x0a;

export type Align = 'left' | 'center' | 'right';
export type BarcodeType = 'EAN13' | 'EAN8' | 'CODE39' | 'CODE128' | 'UPCA';

/** `GS k m` function-B numbers (m = 65..73 form, data length given explicitly). */
export const BARCODE_M: Record<BarcodeType, number> = { UPCA: 65, EAN13: 67, EAN8: 68, CODE39: 69, CODE128: 73 };

/** Drawer connector pin: `ESC p` m = 0 drives pin 2, m = 1 drives pin 5. */
export type DrawerPin = 2 | 5;

/**
 * Exact `ESC p m t1 t2`: on-time t1×2 ms, off-time t2×2 ms. node-thermal-printer's
 * openCashDrawer() emits only `ESC p m`, so the printer eats the following bytes as t1/t2.
 */
export function drawerKickBytes(pin: DrawerPin, onMs = 50, offMs = 500): Buffer {
  const t1 = Math.min(255, Math.max(1, Math.round(onMs / 2)));
  const t2 = Math.min(255, Math.max(t1, Math.round(offMs / 2)));
  return Buffer.from([ESC, 0x70, pin === 2 ? 0 : 1, t1, t2]);
}

/** Small ESC/POS byte builder. Every command here is one the virtual printer decodes. */
export class EscPosBuilder {
  private readonly parts: Buffer[] = [];
  private readonly profile: PrinterProfile;
  private codePage: number | undefined;

  constructor(profile: PrinterProfile) {
    this.profile = profile;
  }

  raw(bytes: Uint8Array | number[]): this {
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  /** `ESC @` — always first: the printer may hold bold/size/code page from the previous job. */
  init(): this {
    this.raw([ESC, 0x40]);
    // Clones boot in Chinese double-byte mode; `FS .` turns it off before any ESC t.
    if (this.profile.cancelKanji) this.raw([FS, 0x2e]);
    this.codePage = undefined;
    return this;
  }

  selectCodePage(n: number): this {
    if (this.codePage === n) return this;
    this.codePage = n;
    return this.profile.codePageCommand === 'esc-gs-t' ? this.raw([ESC, GS, 0x74, n]) : this.raw([ESC, 0x74, n]);
  }

  align(a: Align): this {
    return this.raw([ESC, 0x61, a === 'left' ? 0 : a === 'center' ? 1 : 2]);
  }

  bold(on: boolean): this {
    return this.raw([ESC, 0x45, on ? 1 : 0]);
  }

  /** `GS ! n`: width/height multipliers 1..8. */
  size(width: number, height: number): this {
    return this.raw([GS, 0x21, ((width - 1) << 4) | (height - 1)]);
  }

  text(bytes: Uint8Array): this {
    return this.raw(bytes);
  }

  newline(): this {
    return this.raw([LF]);
  }

  feed(lines: number): this {
    return this.raw([ESC, 0x64, lines]);
  }

  /** `GS v 0` raster bit image, normal density. */
  raster(bmp: Bitmap): this {
    const xL = bytesPerRow(bmp) & 0xff, xH = bytesPerRow(bmp) >> 8;
    this.raw([GS, 0x76, 0x30, 0, xL, xH, bmp.height & 0xff, bmp.height >> 8]);
    return this.raw(bmp.data);
  }

  /** QR model 2 through `GS ( k`: model, module size, error level, store, print. */
  qr(data: string, moduleSize = 6): this {
    const payload = Buffer.from(data, 'utf8');
    const len = payload.length + 3;
    this.raw([GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0x00]);
    this.raw([GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, moduleSize]);
    this.raw([GS, 0x28, 0x6b, 3, 0, 0x31, 0x45, 0x31]);
    this.raw([GS, 0x28, 0x6b, len & 0xff, len >> 8, 0x31, 0x50, 0x30]);
    this.raw(payload);
    return this.raw([GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30]);
  }

  barcode(type: BarcodeType, data: string, height = 80): this {
    const bytes = Buffer.from(type === 'CODE128' ? `{B${data}` : data, 'ascii');
    this.raw([GS, 0x68, height, GS, 0x77, 2, GS, 0x48, 2]); // height, module width 2, HRI below
    return this.raw([GS, 0x6b, BARCODE_M[type], bytes.length]).raw(bytes);
  }

  drawerKick(pin: DrawerPin, onMs?: number, offMs?: number): this {
    return this.raw(drawerKickBytes(pin, onMs, offMs));
  }

  /** Feed past the cutter, then `GS V 1` partial cut. */
  cut(): this {
    return this.raw([GS, 0x56, 0x42, 3]);
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Real-time status request `DLE EOT n` (1 printer, 2 offline cause, 3 error, 4 paper roll). */
export function statusRequest(n: 1 | 2 | 3 | 4): Buffer {
  return Buffer.from([DLE, EOT, n]);
}
