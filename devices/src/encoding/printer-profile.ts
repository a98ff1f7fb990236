import { Type, type Static } from 'typebox';
import type { CodePageName } from './code-pages.ts';

const PageNumber = Type.Optional(Type.Integer({ minimum: 0, maximum: 255 }));
const CodePageNumbers = Type.Object(
  { cp437: PageNumber, cp866: PageNumber, wpc1251: PageNumber, cp1125: PageNumber, kz1048: PageNumber },
  { additionalProperties: false },
);
const CodePageLiteral = Type.Union([
  Type.Literal('cp437'), Type.Literal('cp866'), Type.Literal('wpc1251'), Type.Literal('cp1125'), Type.Literal('kz1048'),
]);

/**
 * What the renderer and the virtual printer need to know about a printer model.
 * The kernel stores one of these per device (or a built-in id) and sends it with print jobs.
 */
export const PrinterProfileSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    vendor: Type.Union([Type.Literal('epson'), Type.Literal('star'), Type.Literal('generic')]),
    model: Type.String(),
    paperWidthMm: Type.Union([Type.Literal(58), Type.Literal(80)]),
    /** Printable dots per line at 203 dpi: 384 for 58 mm, 576 for 80 mm. */
    dotsPerLine: Type.Integer({ minimum: 8 }),
    /** Font A columns: 32 for 58 mm, 48 for 80 mm. */
    columns: Type.Integer({ minimum: 8 }),
    /** `ESC t n` (Epson and clones) or `ESC GS t n` (Star Line mode). */
    codePageCommand: Type.Union([Type.Literal('esc-t'), Type.Literal('esc-gs-t')]),
    /** Vendor numbering of the code pages this model really has. A page missing here is not used. */
    codePages: CodePageNumbers,
    /** Order in which pages are tried for a line of text; the first that encodes the whole line wins. */
    codePagePreference: Type.Array(CodePageLiteral),
    /** Chinese clones boot in double-byte (Kanji) mode: `FS .` must precede `ESC t`. */
    cancelKanji: Type.Boolean(),
    /** Answers `DLE EOT n` real-time status requests. */
    realtimeStatus: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type PrinterProfile = Static<typeof PrinterProfileSchema>;

const width80 = { paperWidthMm: 80, dotsPerLine: 576, columns: 48 } as const;
const width58 = { paperWidthMm: 58, dotsPerLine: 384, columns: 32 } as const;

/**
 * Built-in profiles. Numbers: Epson ESC/POS code-page table (PC866=17, PC1125=44, WPC1251=46, KZ-1048=53);
 * Xprinter/POS-58/80 clones put WPC1251 at 23 and have neither PC1125 nor KZ-1048;
 * Star Line mode selects pages with ESC GS t (PC866=10, WPC1251=34).
 */
export const BUILTIN_PROFILES: Record<string, PrinterProfile> = {
  'epson-tm-t20-80': {
    id: 'epson-tm-t20-80', vendor: 'epson', model: 'Epson TM-T20', ...width80,
    codePageCommand: 'esc-t',
    codePages: { cp437: 0, cp866: 17, cp1125: 44, wpc1251: 46, kz1048: 53 },
    // cp437 first keeps plain ASCII lines cheap; cp866 is the usual Russian page.
    codePagePreference: ['cp437', 'cp866', 'cp1125', 'wpc1251', 'kz1048'],
    cancelKanji: false, realtimeStatus: true,
  },
  'epson-tm-t20-58': {
    id: 'epson-tm-t20-58', vendor: 'epson', model: 'Epson TM-T20 (58 mm)', ...width58,
    codePageCommand: 'esc-t',
    codePages: { cp437: 0, cp866: 17, cp1125: 44, wpc1251: 46, kz1048: 53 },
    codePagePreference: ['cp437', 'cp866', 'cp1125', 'wpc1251', 'kz1048'],
    cancelKanji: false, realtimeStatus: true,
  },
  'star-tsp100-80': {
    id: 'star-tsp100-80', vendor: 'star', model: 'Star TSP100/TSP650 (Star Line)', ...width80,
    codePageCommand: 'esc-gs-t',
    codePages: { cp437: 1, cp866: 10, wpc1251: 34 },
    codePagePreference: ['cp437', 'cp866', 'wpc1251'],
    cancelKanji: false, realtimeStatus: true,
  },
  'xprinter-58': {
    id: 'xprinter-58', vendor: 'generic', model: 'Xprinter XP-58 / POS-5890 clone', ...width58,
    codePageCommand: 'esc-t',
    codePages: { cp437: 0, cp866: 17, wpc1251: 23 },
    codePagePreference: ['cp437', 'cp866', 'wpc1251'],
    cancelKanji: true, realtimeStatus: true,
  },
  'xprinter-80': {
    id: 'xprinter-80', vendor: 'generic', model: 'Xprinter XP-80 / POS-8360 clone', ...width80,
    codePageCommand: 'esc-t',
    codePages: { cp437: 0, cp866: 17, wpc1251: 23 },
    codePagePreference: ['cp437', 'cp866', 'wpc1251'],
    cancelKanji: true, realtimeStatus: true,
  },
};

export function getProfile(id: string): PrinterProfile {
  const p = BUILTIN_PROFILES[id];
  if (!p) throw new Error(`unknown printer profile ${id}`);
  return p;
}

/** Reverse map for decoders: vendor number → our code-page name. */
export function codePageByNumber(profile: PrinterProfile, n: number): CodePageName | undefined {
  for (const [name, num] of Object.entries(profile.codePages)) if (num === n) return name as CodePageName;
  return undefined;
}
