// Stripe's API takes application/x-www-form-urlencoded bodies with bracketed nesting:
//   line_items[0][price]=price_1&metadata[order]=42&expand[]=latest_charge
// Objects become `key[sub]`, arrays become `key[0]`, `key[1]` (indexed, because arrays of
// objects need stable indices), booleans become "true"/"false", undefined is omitted and an
// empty string clears a field (Stripe's own convention).
import { dataObject, formKeyPath } from '@atrium/sdk';

export type FormValue = string | number | boolean | null | undefined | FormValue[] | { [key: string]: FormValue };
export type FormParams = { [key: string]: FormValue };

function append(out: [string, string][], key: string, value: FormValue): void {
  if (value === undefined) return;
  if (value === null) {
    out.push([key, '']);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => append(out, `${key}[${i}]`, item));
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) append(out, `${key}[${k}]`, v);
  } else {
    out.push([key, String(value)]);
  }
}

export function encodeStripeForm(params: FormParams): string {
  const pairs: [string, string][] = [];
  for (const [k, v] of Object.entries(params)) append(pairs, k, v);
  return new URLSearchParams(pairs).toString();
}

export type DecodedForm = { [key: string]: DecodedValue };
export type DecodedValue = string | DecodedValue[] | DecodedForm;

/**
 * The inverse, used by the fake server. Numeric segments produce arrays (sorted by index),
 * `[]` appends; values stay strings, as on the real API (which coerces per parameter).
 */
export function decodeStripeForm(body: string): DecodedForm {
  const root = dataObject();
  for (const [rawKey, value] of new URLSearchParams(body)) {
    if (!/^([^[\]]+)((?:\[[^[\]]*\])*)$/.test(rawKey)) throw new Error(`Malformed form key: ${rawKey}`);
    const path = formKeyPath(rawKey);
    let node: Record<string, unknown> = root;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i]!;
      const child = (node[seg] ??= dataObject());
      if (typeof child !== 'object' || child === null) throw new Error(`Form key ${rawKey} nests under a value`);
      node = child as Record<string, unknown>;
    }
    const last = path[path.length - 1]!;
    if (last === '') {
      // `expand[]=a&expand[]=b`: use the next free index.
      node[String(Object.keys(node).length)] = value;
    } else {
      node[last] = value;
    }
  }
  return arrayify(root) as DecodedForm;
}

function arrayify(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const obj = node as Record<string, unknown>;
  const keys = Object.keys(obj);
  const fixed = dataObject();
  for (const k of keys) fixed[k] = arrayify(obj[k]);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys.map(Number).sort((a, b) => a - b).map((k) => fixed[String(k)]);
  }
  return fixed;
}
