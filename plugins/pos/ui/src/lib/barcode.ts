/**
 * Barcodes as the till reads them. Weight-embedded EAN-13 (prefixes 20–29, printed by shop scales):
 * `PP IIIII WWWWW C` — the first 7 digits name the product (stored as a `weight` barcode), the next
 * 5 are the weight in grams, the last is the check digit. The decoding is the server's own
 * (src/domain/barcode.ts, shared like pricing), so the till sells weighed goods the same way offline.
 */

import { hasValidCheckDigit, parseWeightEan } from '@atrium/plugin-pos/barcode';

export function isValidEan13(code: string): boolean {
  return /^\d{13}$/.test(code) && hasValidCheckDigit(code);
}

/** The product prefix and quantity (thousandths of a kg = grams) of a weight barcode, or null. */
export function parseWeightBarcode(code: string): { prefix: string; qtyMilli: number } | null {
  const w = parseWeightEan(code);
  return w && w.grams && hasValidCheckDigit(code) ? { prefix: w.prefix, qtyMilli: w.grams } : null;
}

/** Keeps what a scanner or a person may type into the code field: letters, digits, . _ - */
export function normalizeCode(raw: string): string {
  return raw.trim().replace(/\s+/g, '');
}
