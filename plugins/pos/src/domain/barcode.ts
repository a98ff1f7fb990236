/**
 * Barcodes: GS1 check digits (EAN-8, UPC-A, EAN-13, GTIN-14) and weight-embedded EAN-13.
 *
 * Scales in CIS shops print EAN-13 codes with prefix 20–29: `PP IIIII WWWWW C` — a 7-digit
 * product prefix (stored as a barcode of kind 'weight'), the weight in grams (5 digits) and the
 * check digit. 2200001 01250 C → product 2200001, 1.250 kg.
 */

/** GS1 mod-10 check digit for the digits before it. */
export function gs1CheckDigit(body: string): number {
  let sum = 0;
  // weights 3,1,3,1… from the rightmost digit of the body
  for (let i = 0; i < body.length; i++) {
    const d = body.charCodeAt(body.length - 1 - i) - 48;
    sum += i % 2 === 0 ? d * 3 : d;
  }
  return (10 - (sum % 10)) % 10;
}

/** True for the GS1 numeric lengths whose last digit is a check digit. */
export function isGs1Length(code: string): boolean {
  return /^\d+$/.test(code) && [8, 12, 13, 14].includes(code.length);
}

export function hasValidCheckDigit(code: string): boolean {
  return isGs1Length(code) && gs1CheckDigit(code.slice(0, -1)) === Number(code[code.length - 1]);
}

/** Appends the check digit (for tests, and for shops that print their own codes). */
export function withCheckDigit(body: string): string {
  return body + gs1CheckDigit(body);
}

/** 20–29: restricted-circulation codes that scales use for weighed goods. */
export function isWeightEan(code: string): boolean {
  return /^2\d{12}$/.test(code);
}

export type WeightCode = { prefix: string; grams: number };

/** Splits a weight-embedded EAN-13 into product prefix and weight; null when it is not one. */
export function parseWeightEan(code: string): WeightCode | null {
  if (!isWeightEan(code)) return null;
  return { prefix: code.slice(0, 7), grams: Number(code.slice(7, 12)) };
}

export type BarcodeKind = 'unit' | 'weight';

/** Why a barcode cannot be stored as given (a code the POS catalog words, with its English), or null. */
export type BarcodeProblem = { code: 'barcodeChars' | 'weightPrefix' | 'checkDigit'; params?: Record<string, unknown>; message: string };
export function barcodeProblem(code: string, kind: BarcodeKind): BarcodeProblem | null {
  if (!/^[0-9A-Za-z._-]{1,64}$/.test(code)) return { code: 'barcodeChars', message: 'may contain only letters, digits, ".", "_" and "-" (at most 64)' };
  if (kind === 'weight') return /^2\d{6}$/.test(code) ? null : { code: 'weightPrefix', message: 'a weight barcode is the 7-digit prefix of an EAN-13 starting with 20–29' };
  if (isGs1Length(code) && !hasValidCheckDigit(code)) {
    const expected = gs1CheckDigit(code.slice(0, -1));
    return { code: 'checkDigit', params: { expected }, message: `has a wrong check digit (expected ${expected})` };
  }
  return null;
}
