// Mirrors the server's schema for a note: title 1–200 characters, body at most 100 KB (UTF-8 bytes).
export const TITLE_MAX = 200;
export const BODY_MAX_BYTES = 100 * 1024;

export const byteLength = (s: string) => new TextEncoder().encode(s).length;

export function titleError(title: string): 'required' | 'tooLong' | null {
  const t = title.trim();
  if (!t) return 'required';
  if ([...t].length > TITLE_MAX) return 'tooLong';
  return null;
}

export function bodyError(body: string): 'tooLong' | null {
  return byteLength(body) > BODY_MAX_BYTES ? 'tooLong' : null;
}
