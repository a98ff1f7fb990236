// FreedomPay/PayBox `pg_sig` (freedompay.kz/docs-en/merchant-api/intro):
//   pg_sig = md5_hex_lower(join(";", [scriptName, ...values sorted by key, secretKey]))
// - scriptName: the last path segment of the URL the message is sent to, without the query
//   (`init_payment.php`, or `result` for https://shop/pay/result);
// - every field except pg_sig takes part, pg_salt included, undocumented extras too;
// - nested fields are flattened recursively, each level sorted by key (PHP ksort semantics:
//   integer-like keys compare as numbers); lists (repeated names) keep their order.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { dataObject, formKeyPath } from '@atrium/sdk';

export type PayboxScalar = string | number;
export type PayboxValue = PayboxScalar | PayboxValue[] | PayboxFields;
export type PayboxFields = { [key: string]: PayboxValue };

export type PayboxSignatureFailure = 'missing_signature' | 'missing_salt' | 'no_secrets' | 'signature_mismatch';
export type PayboxSignatureResult = { ok: true; secretIndex: number } | { ok: false; reason: PayboxSignatureFailure };

export class PayboxSignatureError extends Error {
  readonly reason: PayboxSignatureFailure;
  constructor(reason: PayboxSignatureFailure) {
    super(`PayBox signature check failed: ${reason}`);
    this.name = 'PayboxSignatureError';
    this.reason = reason;
  }
}

/** `https://x/pay/result?a=1` → `result`; `init_payment.php` stays as is. */
export function scriptNameFromUrl(url: string): string {
  const path = url.split(/[?#]/, 1)[0]!;
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!name) throw new TypeError(`No script name in URL: ${url}`);
  return name;
}

const INTEGER_KEY = /^-?(0|[1-9]\d*)$/;

/** PHP ksort(SORT_REGULAR) order for the keys that occur here: numeric keys numerically, else bytewise. */
export function comparePayboxKeys(a: string, b: string): number {
  if (INTEGER_KEY.test(a) && INTEGER_KEY.test(b)) return Number(a) - Number(b);
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return Buffer.compare(ab, bb);
}

function flattenInto(value: PayboxValue, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) flattenInto(item, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const key of Object.keys(value).sort(comparePayboxKeys)) flattenInto(value[key]!, out);
  } else {
    out.push(String(value));
  }
}

/** The values in signing order (without script name and secret). `pg_sig` itself is skipped. */
export function payboxSignatureValues(fields: PayboxFields): string[] {
  const out: string[] = [];
  for (const key of Object.keys(fields).sort(comparePayboxKeys)) {
    if (key === 'pg_sig') continue;
    flattenInto(fields[key]!, out);
  }
  return out;
}

/** The exact string that is hashed; exposed so tests can cross-check it with other tools. */
export function payboxSignatureBase(scriptName: string, fields: PayboxFields, secretKey: string): string {
  return [scriptName, ...payboxSignatureValues(fields), secretKey].join(';');
}

export function signPaybox(scriptName: string, fields: PayboxFields, secretKey: string): string {
  return createHash('md5').update(payboxSignatureBase(scriptName, fields, secretKey), 'utf8').digest('hex');
}

export function generateSalt(): string {
  return randomBytes(12).toString('hex');
}

/** Adds pg_salt (unless present or given) and pg_sig. */
export function withPayboxSignature<F extends PayboxFields>(
  scriptName: string,
  fields: F,
  secretKey: string,
  salt?: string,
): F & { pg_salt: string; pg_sig: string } {
  const { pg_sig: _drop, ...rest } = fields as PayboxFields;
  const salted = { ...rest, pg_salt: salt ?? (typeof rest.pg_salt === 'string' && rest.pg_salt ? rest.pg_salt : generateSalt()) };
  return { ...(salted as F & { pg_salt: string }), pg_sig: signPaybox(scriptName, salted, secretKey) };
}

/** Verifies with the receiving side's script name; several secrets allow key rotation. */
export function verifyPaybox(scriptName: string, fields: PayboxFields, secretKeys: readonly string[]): PayboxSignatureResult {
  const sig = fields.pg_sig;
  if (typeof sig !== 'string' || !/^[0-9a-f]{32}$/i.test(sig)) return { ok: false, reason: 'missing_signature' };
  // A salt-less message would sign identically every time, which makes replays trivial.
  if (fields.pg_salt === undefined || fields.pg_salt === '') return { ok: false, reason: 'missing_salt' };
  if (secretKeys.length === 0) return { ok: false, reason: 'no_secrets' };
  const given = Buffer.from(sig.toLowerCase(), 'hex');
  let matched = -1;
  for (let i = 0; i < secretKeys.length; i++) {
    const expected = Buffer.from(signPaybox(scriptName, fields, secretKeys[i]!), 'hex');
    if (timingSafeEqual(expected, given) && matched < 0) matched = i;
  }
  return matched < 0 ? { ok: false, reason: 'signature_mismatch' } : { ok: true, secretIndex: matched };
}

export function assertPaybox(scriptName: string, fields: PayboxFields, secretKeys: readonly string[]): void {
  const r = verifyPaybox(scriptName, fields, secretKeys);
  if (!r.ok) throw new PayboxSignatureError(r.reason);
}

/**
 * Decodes a form body the gateway posted (result_url/check_url), keeping what the signature
 * needs: `a[b][c]=` nests, `a[]=` and repeated plain names become lists in order of appearance.
 * The body is anyone's until its signature is checked: objects have no prototype, and a key with a
 * `__proto__`, `constructor` or `prototype` segment is refused (UnsafeKeyError, a 400) — PayBox
 * never sends one.
 */
export function parsePayboxForm(body: string | URLSearchParams): PayboxFields {
  const params = typeof body === 'string' ? new URLSearchParams(body) : body;
  const root = dataObject<PayboxFields>();
  for (const [rawKey, value] of params) {
    const path = formKeyPath(rawKey);
    let node: PayboxFields | null = root;
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i]!;
      const next = path[i + 1]!;
      if (next === '') {
        const list = (node[seg] ??= []) as PayboxValue[];
        // `a=1&a[]=2`: a scalar already holds the name (PayBox never mixes them), the value is dropped
        if (Array.isArray(list) && i + 1 === path.length - 1) list.push(value);
        node = null;
        break;
      }
      const child: PayboxValue = (node[seg] ??= dataObject<PayboxFields>());
      if (typeof child !== 'object' || Array.isArray(child)) { node = null; break; } // `a=1&a[b]=2`: same
      node = child;
    }
    if (node === null) continue;
    const last = path[path.length - 1]!;
    const existing = node[last];
    if (existing === undefined) node[last] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else node[last] = [existing, value];
  }
  return root;
}

/** The inverse of parsePayboxForm, for sending: nested objects as `a[b]`, lists as `a[0]`. */
export function encodePayboxForm(fields: PayboxFields): string {
  const pairs: [string, string][] = [];
  const walk = (key: string, v: PayboxValue) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(`${key}[${i}]`, x));
    else if (typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(`${key}[${k}]`, x);
    else pairs.push([key, String(v)]);
  };
  for (const [k, v] of Object.entries(fields)) walk(k, v);
  return new URLSearchParams(pairs).toString();
}
