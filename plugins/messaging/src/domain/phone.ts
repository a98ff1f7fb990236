/**
 * A phone number in E.164 (`+77011234567`), or null when the text is not one. National forms are
 * read the way people in Kazakhstan, Russia and Ukraine write them: `8` + 10 digits → +7, ten
 * digits starting with 0 → +380, other ten digits → +7.
 */
export function toE164(input: string): string | null {
  const trimmed = input.trim();
  if (!/^[+\d\s().-]+$/.test(trimmed)) return null;
  let digits = trimmed.replace(/\D/g, '');
  const international = trimmed.startsWith('+') || digits.startsWith('00');
  if (digits.startsWith('00')) digits = digits.slice(2);
  if (!international) {
    if (digits.length === 11 && digits.startsWith('8')) digits = `7${digits.slice(1)}`;
    else if (digits.length === 10 && digits.startsWith('0')) digits = `38${digits}`;
    else if (digits.length === 10) digits = `7${digits}`;
  }
  if (digits.length < 10 || digits.length > 15 || digits.startsWith('0')) return null;
  return `+${digits}`;
}
