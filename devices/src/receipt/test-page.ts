import type { PrinterProfile } from '../encoding/printer-profile.ts';
import type { ReceiptDocument } from './receipt.schema.ts';

/** Pangrams: every letter of each alphabet, so a wrong code page shows at a glance. */
export const PANGRAMS = {
  ru: 'Съешь же ещё этих мягких французских булок, да выпей чаю',
  uk: 'Чуєш їх, доцю, га? Кумедна ж ти, прощайся без ґольфів!',
  kk: 'Қазақстан: әріп ғана, құндылық, өнер, үміт, ұлт, һәм ең жақсы',
} as const;

/** The "test page" job: an owner prints it and picks the profile under which all three lines read right. */
export function testPageDocument(profile: PrinterProfile): ReceiptDocument {
  return {
    version: 1,
    currency: 'KZT',
    header: { title: 'ATRIUM TEST PAGE', lines: [`${profile.model}`, `profile ${profile.id}, ${profile.paperWidthMm} mm`] },
    lines: [],
    totals: [],
    text: [
      { value: 'RU:', bold: true }, { value: PANGRAMS.ru },
      { value: 'UK:', bold: true }, { value: PANGRAMS.uk },
      { value: 'KK:', bold: true }, { value: PANGRAMS.kk },
    ],
    qr: { data: `atrium:test-page:${profile.id}` },
    footer: ['0123456789 ABCDEF abcdef'],
  };
}
