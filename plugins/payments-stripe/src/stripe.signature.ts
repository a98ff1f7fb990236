// The `Stripe-Signature` webhook scheme:
//   header  = "t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=<hex>]"
//   v1      = hex(HMAC-SHA256(endpoint_secret, `${t}.${rawBody}`))
// Any v1 entry may match (Stripe sends one per active secret while a secret is being rolled),
// v0 and unknown schemes are ignored, and the timestamp must be within a tolerance of now
// (300 s, the official SDKs' default) so a captured request cannot be replayed later.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type StripeSignatureFailure =
  | 'missing_header'
  | 'malformed_header'
  | 'no_v1_signature'
  | 'no_secrets'
  | 'timestamp_outside_tolerance'
  | 'signature_mismatch';

export type StripeSignatureResult =
  | { ok: true; timestamp: number; secretIndex: number }
  | { ok: false; reason: StripeSignatureFailure; message: string };

export class StripeSignatureError extends Error {
  readonly reason: StripeSignatureFailure;
  constructor(reason: StripeSignatureFailure, message: string) {
    super(message);
    this.name = 'StripeSignatureError';
    this.reason = reason;
  }
}

export interface ParsedStripeSignature {
  timestamp: number;
  v1: string[];
}

/** The raw body exactly as received: re-serialised JSON would not verify. */
export type RawBody = string | Uint8Array;

function bodyBytes(body: RawBody): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

export function computeStripeSignature(secret: string, timestamp: number, rawBody: RawBody): string {
  return createHmac('sha256', secret)
    .update(`${timestamp}.`, 'utf8')
    .update(bodyBytes(rawBody))
    .digest('hex');
}

export interface SignStripeOptions {
  rawBody: RawBody;
  /** One v1 entry per secret, in this order: several during a rotation. */
  secrets: readonly string[];
  /** Unix seconds; defaults to now. */
  timestamp?: number;
  /** Emit a v0 entry too (Stripe does this for test-mode events); verifiers must ignore it. */
  v0?: string;
}

export function signStripePayload(options: SignStripeOptions): string {
  const t = options.timestamp ?? Math.floor(Date.now() / 1000);
  const parts = [`t=${t}`, ...options.secrets.map((s) => `v1=${computeStripeSignature(s, t, options.rawBody)}`)];
  if (options.v0 !== undefined) parts.push(`v0=${options.v0}`);
  return parts.join(',');
}

/** Returns null when the header has no usable timestamp; unknown schemes are dropped. */
export function parseStripeSignatureHeader(header: string): ParsedStripeSignature | null {
  let timestamp: number | null = null;
  const v1: string[] = [];
  for (const item of header.split(',')) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === 't') {
      // A second `t` would let an attacker choose which one we read; refuse the header.
      if (timestamp !== null || !/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (key === 'v1') {
      v1.push(value);
    }
  }
  return timestamp === null ? null : { timestamp, v1 };
}

function constantTimeHexEqual(expectedHex: string, candidate: string): boolean {
  // Only well-formed 64-hex candidates reach timingSafeEqual (it throws on length mismatch);
  // rejecting the others early leaks nothing about the secret.
  if (!/^[0-9a-f]{64}$/i.test(candidate)) return false;
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(candidate.toLowerCase(), 'hex'));
}

export interface VerifyStripeOptions {
  rawBody: RawBody;
  header: string | null | undefined;
  /** All currently active endpoint secrets (rotation): any one may match. */
  secrets: readonly string[];
  toleranceSeconds?: number;
  /** Unix seconds; injectable for tests. */
  now?: number;
}

export function verifyStripeSignature(options: VerifyStripeOptions): StripeSignatureResult {
  const { header, secrets } = options;
  if (header === null || header === undefined || header === '') {
    return { ok: false, reason: 'missing_header', message: 'No Stripe-Signature header' };
  }
  const parsed = parseStripeSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed_header', message: 'Stripe-Signature has no valid timestamp' };
  if (parsed.v1.length === 0) {
    return { ok: false, reason: 'no_v1_signature', message: 'Stripe-Signature carries no v1 signature' };
  }
  if (secrets.length === 0) return { ok: false, reason: 'no_secrets', message: 'No endpoint secret configured' };
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  // Check the signature before the clock: a forged header should say "mismatch", and only a
  // genuine-but-old one should say "stale" (useful when diagnosing clock skew).
  let matched = -1;
  for (let i = 0; i < secrets.length && matched < 0; i++) {
    const expected = computeStripeSignature(secrets[i]!, parsed.timestamp, options.rawBody);
    // Compare against every candidate without short-circuiting on the first miss.
    let hit = false;
    for (const candidate of parsed.v1) hit = constantTimeHexEqual(expected, candidate) || hit;
    if (hit) matched = i;
  }
  if (matched < 0) {
    return { ok: false, reason: 'signature_mismatch', message: 'No v1 signature matches any active secret' };
  }
  if (tolerance > 0 && Math.abs(now - parsed.timestamp) > tolerance) {
    return {
      ok: false,
      reason: 'timestamp_outside_tolerance',
      message: `Timestamp ${parsed.timestamp} is ${now - parsed.timestamp}s from now (tolerance ${tolerance}s)`,
    };
  }
  return { ok: true, timestamp: parsed.timestamp, secretIndex: matched };
}

/** Throwing variant for call sites that prefer exceptions. */
export function assertStripeSignature(options: VerifyStripeOptions): { timestamp: number; secretIndex: number } {
  const result = verifyStripeSignature(options);
  if (!result.ok) throw new StripeSignatureError(result.reason, result.message);
  return { timestamp: result.timestamp, secretIndex: result.secretIndex };
}
