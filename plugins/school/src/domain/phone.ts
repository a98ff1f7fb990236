/**
 * Phone numbers as the school stores them: E.164 digits without the plus (+7 701 123 45 67 →
 * 77011234567), so the same number typed two ways is one number. A national 8-prefixed number of
 * Kazakhstan or Russia (8 701 …) becomes 7…, ten national digits 7…/9… (Kazakhstan, Russia) get the
 * 7 in front and ten starting with 0 (Ukraine) get 38; anything that is not 10–15 digits is refused.
 */
export function normalisePhone(input: string | null | undefined): string | null | undefined {
  if (input === null || input === undefined) return input;
  const trimmed = input.trim();
  if (!trimmed) return null;
  if (!/^\+?[\d\s().-]+$/.test(trimmed)) return undefined;
  let digits = trimmed.replace(/\D/g, '');
  if (!trimmed.startsWith('+') && digits.length === 11 && digits.startsWith('8')) digits = `7${digits.slice(1)}`;
  if (!trimmed.startsWith('+') && digits.length === 10) digits = digits.startsWith('0') ? `38${digits}` : `7${digits}`;
  return digits.length >= 10 && digits.length <= 15 ? digits : undefined;
}
