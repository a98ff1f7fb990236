import { isUnsafeKey, UnsafeKeyError, ValidationError } from '@atrium/sdk';

/**
 * How deep a JSON body may nest. Real requests nest a few levels (role conditions with $and/$or
 * perhaps ten); a body 3,000 levels deep only exists to overflow a recursive walker downstream.
 */
export const MAX_JSON_DEPTH = 32;

type Frame = { value: unknown; depth: number; key: string | number; parent: Frame | null };

function fieldOf(f: Frame | null, root: string): string {
  const parts: string[] = [];
  for (let x = f; x && x.parent; x = x.parent) parts.push(typeof x.key === 'number' ? `[${x.key}]` : `.${x.key}`);
  const path = parts.reverse().join('').replace(/^\./, '');
  return path || root;
}

const hasNul = (s: string) => s.includes('\u0000');

function nulError(field: string): ValidationError {
  return new ValidationError(`"${field.slice(0, 100)}" contains a NUL character`, [{ field: field.slice(0, 100), code: 'nulCharacter', message: 'must not contain a NUL (\\u0000) character' }]);
}

/**
 * Checks a parsed JSON body before any code sees it, so three classes of bad input are a 400
 * naming the field everywhere instead of a 500 somewhere: keys that aim at a prototype
 * (`__proto__`, `constructor`, `prototype`), the NUL character (PostgreSQL text cannot hold it),
 * and nesting deeper than MAX_JSON_DEPTH. Iterative: no input can overflow the stack here.
 */
export function checkJsonInput(body: unknown, root = '(body)'): void {
  const stack: Frame[] = [{ value: body, depth: 0, key: '', parent: null }];
  while (stack.length) {
    const f = stack.pop()!;
    const v = f.value;
    if (typeof v === 'string') {
      if (hasNul(v)) throw nulError(fieldOf(f, root));
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (f.depth >= MAX_JSON_DEPTH) {
      const field = fieldOf(f, root).slice(0, 100);
      throw new ValidationError(`"${field}" nests deeper than ${MAX_JSON_DEPTH} levels`, [{ field, code: 'tooDeep', params: { limit: MAX_JSON_DEPTH }, message: `must not nest deeper than ${MAX_JSON_DEPTH} levels` }]);
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: f.depth + 1, key: i, parent: f });
      continue;
    }
    for (const k of Object.keys(v)) {
      if (isUnsafeKey(k)) throw new UnsafeKeyError(fieldOf({ value: null, depth: 0, key: k, parent: f }, root));
      if (hasNul(k)) throw nulError(fieldOf(f, root));
      stack.push({ value: (v as Record<string, unknown>)[k], depth: f.depth + 1, key: k, parent: f });
    }
  }
}

/** The same rules for query-string and path parameters (names and values). */
export function checkTextParams(params: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(params)) {
    if (isUnsafeKey(k)) throw new UnsafeKeyError(k);
    if (hasNul(k)) throw nulError('(query)');
    for (const s of Array.isArray(v) ? v : [v]) if (typeof s === 'string' && hasNul(s)) throw nulError(k);
  }
}
