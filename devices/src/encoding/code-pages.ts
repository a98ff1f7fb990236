import iconv from 'iconv-lite';

/**
 * Code pages we know how to produce. The names are ours; the numbers a printer
 * expects in `ESC t n` live in the printer profile, because they differ by vendor.
 */
export const CODE_PAGES = ['cp437', 'cp866', 'wpc1251', 'cp1125', 'kz1048'] as const;
export type CodePageName = (typeof CODE_PAGES)[number];

// iconv-lite names. KZ-1048 is published as STRK1048-2002, which iconv-lite ships as `rk1048`.
const ICONV_NAME: Record<CodePageName, string> = {
  cp437: 'cp437',
  cp866: 'cp866',
  wpc1251: 'cp1251',
  cp1125: 'cp1125',
  kz1048: 'rk1048',
};

/** True when every character of `text` survives encode → decode in this code page. */
export function canEncode(text: string, page: CodePageName): boolean {
  // iconv-lite silently substitutes '?' for unmappable characters, so a round-trip is the only honest test.
  return iconv.decode(iconv.encode(text, ICONV_NAME[page]), ICONV_NAME[page]) === text;
}

export function encodeWith(text: string, page: CodePageName): Buffer {
  return iconv.encode(text, ICONV_NAME[page]);
}

export function decodeWith(bytes: Uint8Array, page: CodePageName): string {
  return iconv.decode(Buffer.from(bytes), ICONV_NAME[page]);
}
