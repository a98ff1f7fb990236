import { ValidationError } from '@atrium/sdk';

/**
 * Phone numbers are stored as E.164 digits without the plus (`77011234567`), so the same person
 * typed as "+7 (701) 123-45-67", "8 701 123 4567" or "7011234567" is one customer and a search by
 * the last digits works on one index (the stored `phone_reversed` column: under RLS an index on
 * the expression reverse(phone) cannot be used, reverse() not being leakproof).
 *
 * The shops are in Kazakhstan, Russia and Ukraine, so numbers written in national form are read
 * the way people there write them:
 * - `8` + 10 digits: the KZ/RU trunk prefix → country code 7 (`87011234567` → `77011234567`);
 * - 10 digits starting with 0: Ukrainian national form → 380 (`0671234567` → `380671234567`);
 * - other 10 digits: KZ/RU without the trunk prefix → 7 (`7011234567` → `77011234567`);
 * - `+…` or `00…`: already international, kept as given.
 */
export function normalizePhone(input: string, field = 'phone'): string {
  const trimmed = input.trim();
  if (!/^[+\d\s().-]+$/.test(trimmed)) throw bad(field, 'phoneChars', 'may contain only digits, spaces, +, -, ( and )');
  let digits = trimmed.replace(/\D/g, '');
  const international = trimmed.startsWith('+') || digits.startsWith('00');
  if (digits.startsWith('00')) digits = digits.slice(2);
  if (!international) {
    if (digits.length === 11 && digits.startsWith('8')) digits = `7${digits.slice(1)}`;
    else if (digits.length === 10 && digits.startsWith('0')) digits = `38${digits}`;
    else if (digits.length === 10) digits = `7${digits}`;
  }
  // E.164 allows at most 15 digits; fewer than 10 is no mobile or city number anywhere we sell
  if (digits.length < 10 || digits.length > 15) throw bad(field, 'phoneLength', 'must be a full phone number with 10 to 15 digits');
  if (digits.startsWith('0')) throw bad(field, 'phoneCountry', 'must start with a country code');
  return digits;
}

/**
 * What a search box's text means for the phone column: the digits to match as a suffix, or null
 * when the text is not phone-like (letters) or too short to be selective (fewer than 4 digits).
 * A full national number ("8 701 123 45 67") matches on its last 10 digits, so it finds the
 * customer whatever prefix the number was typed with.
 */
export function phoneSearchSuffix(q: string): string | null {
  if (!/^[+\d\s().-]+$/.test(q.trim())) return null;
  const digits = q.replace(/\D/g, '');
  if (digits.length < 4) return null;
  return digits.length > 10 ? digits.slice(-10) : digits;
}

function bad(field: string, code: 'phoneChars' | 'phoneLength' | 'phoneCountry', message: string) {
  return new ValidationError(`Invalid ${field}: ${message}`, [{ field, code, message }]);
}
