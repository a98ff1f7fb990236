import { ValidationError } from './errors.ts';

/**
 * Names that are never data keys. `o[k] = v` with one of them does not store data: `__proto__`
 * replaces the object's prototype (on a shared prototype, every object in the process), and
 * `constructor` / `prototype` lead a nested path (`a[constructor][prototype][x]`) to
 * `Object.prototype`. Parsers of keys a caller chose (forms, query strings, JSON merges, sort and
 * filter names) refuse them.
 */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export const isUnsafeKey = (key: string): boolean => UNSAFE_KEYS.has(key);

/** 400 naming the field whose key (or a segment of it) is one of UNSAFE_KEYS. */
export class UnsafeKeyError extends ValidationError {
  constructor(field: string) {
    super(`"${field.slice(0, 100)}" is not an allowed name`, [{ field: field.slice(0, 100), code: 'reservedName', message: 'uses a reserved name (__proto__, constructor, prototype)' }]);
    this.type = 'UNSAFE_KEY';
  }
}

/**
 * Splits a bracketed form key (`a[b][c]`, `a[]`) into its path (`['a', 'b', 'c']`, `['a', '']`);
 * a key that is not bracketed is a path of one. Throws UnsafeKeyError when any segment is unsafe.
 */
export function formKeyPath(rawKey: string): string[] {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
  const path = m ? [m[1]!, ...[...m[2]!.matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]!)] : [rawKey];
  if (path.some(isUnsafeKey)) throw new UnsafeKeyError(rawKey);
  return path;
}

/** An object with no prototype: nothing a key names can reach past it. */
export const dataObject = <T = Record<string, unknown>>(): T => Object.create(null) as T;
