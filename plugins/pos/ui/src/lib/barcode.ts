/**
 * Barcodes as the till reads them. Weight-embedded EAN-13 (prefixes 20–29, printed by shop scales):
 * `PP IIIII WWWWW C` — the first 7 digits name the product (stored as a `weight` barcode), the next
 * 5 are the weight in grams, the last is the check digit. The server decodes them too; this copy
 * lets the till sell weighed goods while offline.
 */

export function ean13CheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

export function isValidEan13(code: string): boolean {
  return /^\d{13}$/.test(code) && ean13CheckDigit(code.slice(0, 12)) === Number(code[12]);
}

/** The product prefix and quantity (thousandths of a kg = grams) of a weight barcode, or null. */
export function parseWeightBarcode(code: string): { prefix: string; qtyMilli: number } | null {
  if (!/^2\d{12}$/.test(code) || !isValidEan13(code)) return null;
  const grams = Number(code.slice(7, 12));
  if (!grams) return null;
  return { prefix: code.slice(0, 7), qtyMilli: grams };
}

/** Keeps what a scanner or a person may type into the code field: letters, digits, . _ - */
export function normalizeCode(raw: string): string {
  return raw.trim().replace(/\s+/g, '');
}
