import { decodeWith, type CodePageName } from '../encoding/code-pages.ts';
import { codePageByNumber, type PrinterProfile } from '../encoding/printer-profile.ts';
import { BARCODE_M } from '../escpos/escpos-builder.ts';

export type DecodedEvent =
  | { type: 'init' }
  | { type: 'codepage'; number: number; name: CodePageName | undefined }
  | { type: 'text'; text: string; codePages: CodePageName[]; bold: boolean; align: 'left' | 'center' | 'right' }
  | { type: 'image'; width: number; height: number; data: Uint8Array }
  | { type: 'qr'; data: string }
  | { type: 'barcode'; symbology: string; data: string }
  | { type: 'cut'; partial: boolean }
  | { type: 'drawer'; pin: 2 | 5; onMs: number; offMs: number; bytes: number[] }
  | { type: 'status-request'; n: number }
  | { type: 'transmit-status'; n: number }
  | { type: 'unknown'; bytes: number[] };

const ALIGN = ['left', 'center', 'right'] as const;
const SYMBOLOGY = Object.fromEntries(Object.entries(BARCODE_M).map(([k, v]) => [v, k])) as Record<number, string>;

/**
 * A streaming ESC/POS tokenizer for the virtual printer and print previews. It keeps the
 * printer's state (code page, bold, alignment) and turns bytes into events; a command cut in
 * half by TCP framing is held until the rest arrives. Text is decoded with the code page that
 * was active when each byte arrived — exactly what a real printer would print.
 */
export class EscPosDecoder {
  private buf = Buffer.alloc(0);
  private readonly profile: PrinterProfile;
  private page: CodePageName = 'cp437';
  private line = '';
  private linePages = new Set<CodePageName>();
  private bold = false;
  private align: 0 | 1 | 2 = 0;
  private qrStore = '';

  constructor(profile: PrinterProfile) {
    this.profile = profile;
  }

  get codePage(): CodePageName {
    return this.page;
  }

  push(chunk: Uint8Array): DecodedEvent[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: DecodedEvent[] = [];
    let i = 0;
    while (i < this.buf.length) {
      const used = this.step(this.buf, i, out);
      if (used === 0) break; // incomplete command: wait for more bytes
      i += used;
    }
    this.buf = this.buf.subarray(i);
    return out;
  }

  private flushLine(out: DecodedEvent[]): void {
    out.push({ type: 'text', text: this.line, codePages: [...this.linePages], bold: this.bold, align: ALIGN[this.align] });
    this.line = '';
    this.linePages.clear();
  }

  /** Returns bytes consumed, or 0 when the command at `i` is not complete yet. */
  private step(b: Buffer, i: number, out: DecodedEvent[]): number {
    const avail = b.length - i;
    const at = (k: number) => b[i + k]!;
    const need = (n: number) => avail >= n;
    const c = at(0);
    if (c === 0x0a) { this.flushLine(out); return 1; }
    if (c === 0x0d) return 1;
    if (c === 0x1b) {
      if (!need(2)) return 0;
      const op = at(1);
      switch (op) {
        case 0x40: this.bold = false; this.align = 0; this.page = 'cp437'; out.push({ type: 'init' }); return 2;
        case 0x74: if (!need(3)) return 0; this.setPage(at(2), out); return 3;
        case 0x1d: // ESC GS t n (Star)
          if (!need(4)) return 0;
          if (at(2) === 0x74) { this.setPage(at(3), out); return 4; }
          out.push({ type: 'unknown', bytes: [c, op, at(2), at(3)] }); return 4;
        case 0x61: if (!need(3)) return 0; this.align = (at(2) & 3) as 0 | 1 | 2; if (this.align > 2) this.align = 0; return 3;
        case 0x45: if (!need(3)) return 0; this.bold = (at(2) & 1) === 1; return 3;
        case 0x21: if (!need(3)) return 0; this.bold = (at(2) & 0x08) !== 0; return 3;
        case 0x2d: case 0x4d: case 0x4a: case 0x33: case 0x20: case 0x47:
          return need(3) ? 3 : 0;
        case 0x32: return 2;
        case 0x64: { if (!need(3)) return 0; if (this.line) this.flushLine(out); return 3; }
        case 0x70: {
          if (!need(5)) return 0;
          const m = at(2);
          out.push({ type: 'drawer', pin: m === 0 || m === 0x30 ? 2 : 5, onMs: at(3) * 2, offMs: at(4) * 2, bytes: [...b.subarray(i, i + 5)] });
          return 5;
        }
        case 0x2a: { // ESC * m nL nH d… (column bit image)
          if (!need(5)) return 0;
          const n = at(3) + at(4) * 256;
          const len = (at(2) >= 32 ? 3 : 1) * n;
          if (!need(5 + len)) return 0;
          out.push({ type: 'image', width: n, height: at(2) >= 32 ? 24 : 8, data: new Uint8Array(b.subarray(i + 5, i + 5 + len)) });
          return 5 + len;
        }
        default: out.push({ type: 'unknown', bytes: [c, op] }); return 2;
      }
    }
    if (c === 0x1d) {
      if (!need(2)) return 0;
      const op = at(1);
      switch (op) {
        case 0x21: case 0x68: case 0x77: case 0x48: case 0x66: case 0x42: return need(3) ? 3 : 0;
        case 0x4c: case 0x57: return need(4) ? 4 : 0;
        case 0x72: if (!need(3)) return 0; out.push({ type: 'transmit-status', n: at(2) }); return 3;
        case 0x56: {
          if (!need(3)) return 0;
          const m = at(2);
          if (m === 65 || m === 66) { if (!need(4)) return 0; this.cut(out, m === 66); return 4; }
          this.cut(out, m === 1 || m === 49); return 3;
        }
        case 0x76: {
          if (!need(8)) return 0;
          const xBytes = at(4) + at(5) * 256, h = at(6) + at(7) * 256;
          if (!need(8 + xBytes * h)) return 0;
          if (this.line) this.flushLine(out);
          out.push({ type: 'image', width: xBytes * 8, height: h, data: new Uint8Array(b.subarray(i + 8, i + 8 + xBytes * h)) });
          return 8 + xBytes * h;
        }
        case 0x28: { // GS ( k pL pH cn fn …
          if (!need(5)) return 0;
          const len = at(3) + at(4) * 256;
          if (!need(5 + len)) return 0;
          if (at(2) === 0x6b && at(5) === 0x31) {
            const fn = at(6);
            if (fn === 0x50) this.qrStore = b.subarray(i + 8, i + 5 + len).toString('utf8');
            if (fn === 0x51) out.push({ type: 'qr', data: this.qrStore });
          }
          return 5 + len;
        }
        case 0x6b: {
          if (!need(3)) return 0;
          const m = at(2);
          if (m >= 65) {
            if (!need(4)) return 0;
            const n = at(3);
            if (!need(4 + n)) return 0;
            let data = b.subarray(i + 4, i + 4 + n).toString('ascii');
            if (m === 73 && data.startsWith('{')) data = data.slice(2); // drop the code-set selector
            out.push({ type: 'barcode', symbology: SYMBOLOGY[m] ?? `m${m}`, data });
            return 4 + n;
          }
          const end = b.indexOf(0, i + 3);
          if (end < 0) return 0;
          out.push({ type: 'barcode', symbology: `m${m}`, data: b.subarray(i + 3, end).toString('ascii') });
          return end - i + 1;
        }
        default: out.push({ type: 'unknown', bytes: [c, op] }); return 2;
      }
    }
    if (c === 0x10) {
      if (!need(3)) return 0;
      if (at(1) === 0x04) { out.push({ type: 'status-request', n: at(2) }); return 3; }
      if (at(1) === 0x14) { // DLE DC4 1 m t: pulse for t×100 ms
        if (!need(5)) return 0;
        if (at(2) === 1) out.push({ type: 'drawer', pin: at(3) === 0 ? 2 : 5, onMs: at(4) * 100, offMs: at(4) * 100, bytes: [...b.subarray(i, i + 5)] });
        return 5;
      }
      out.push({ type: 'unknown', bytes: [c, at(1)] }); return 2;
    }
    if (c === 0x1c) {
      if (!need(2)) return 0;
      return 2; // FS . / FS & — Kanji mode on/off, nothing to print
    }
    if (c < 0x20 && c !== 0x09) { out.push({ type: 'unknown', bytes: [c] }); return 1; }
    // A run of printable bytes, decoded with the page active now.
    let j = i;
    while (j < b.length && (b[j]! >= 0x20 || b[j] === 0x09)) j++;
    this.line += decodeWith(b.subarray(i, j), this.page);
    this.linePages.add(this.page);
    return j - i;
  }

  private setPage(n: number, out: DecodedEvent[]): void {
    const name = codePageByNumber(this.profile, n);
    // An unknown number is what a real printer would print as its default table — garbage; cp437 models that.
    this.page = name ?? 'cp437';
    out.push({ type: 'codepage', number: n, name });
  }

  private cut(out: DecodedEvent[], partial: boolean): void {
    if (this.line) this.flushLine(out);
    out.push({ type: 'cut', partial });
  }
}
