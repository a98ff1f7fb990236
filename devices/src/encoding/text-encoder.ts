import { canEncode, encodeWith, type CodePageName } from './code-pages.ts';
import type { PrinterProfile } from './printer-profile.ts';

export type EncodedLine =
  | { kind: 'text'; codePage: CodePageName; codePageNumber: number; bytes: Buffer }
  | { kind: 'raster'; text: string };

/**
 * Picks, for one line, the first code page of the profile (in preference order) that
 * encodes every character, and returns its bytes. When no page the model really has can
 * hold the line — Kazakh letters on a CP866-only printer, Ґ in CP866 — the line must be
 * printed as an image: returning `raster` is how the renderer learns that.
 * Whole lines, not single glyphs, switch pages: mixing pages inside a line is what makes
 * clones print garbage when one of them is missing.
 */
export function encodeLine(text: string, profile: PrinterProfile): EncodedLine {
  for (const page of profile.codePagePreference) {
    const n = profile.codePages[page];
    if (n === undefined) continue;
    if (canEncode(text, page)) return { kind: 'text', codePage: page, codePageNumber: n, bytes: encodeWith(text, page) };
  }
  return { kind: 'raster', text };
}
