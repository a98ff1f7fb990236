import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  assertStripeSignature,
  computeStripeSignature,
  parseStripeSignatureHeader,
  signStripePayload,
  StripeSignatureError,
  verifyStripeSignature,
} from './stripe.signature.ts';

// Known-answer vector from /work/shared/research/verticals.md (Stripe section).
const SECRET = 'whsec_test_secret';
const T = 1700000000;
const BODY = '{"id":"evt_test","object":"event"}';
const EXPECTED = '8042376f6ca064adbe037642a718227dfd59047137eb49497a54c49eb0cfb724';

/** An independent HMAC-SHA256: OpenSSL's CLI, fed the exact signed payload on stdin. */
function opensslHmacSha256(key: string, data: string): string {
  const out = execFileSync('openssl', ['dgst', '-sha256', '-hmac', key], { input: data, timeout: 10_000 }).toString();
  return out.trim().split(/\s+/).pop()!;
}

describe('Stripe-Signature known-answer vector', () => {
  it('matches the published value', () => {
    expect(computeStripeSignature(SECRET, T, BODY)).toBe(EXPECTED);
  });

  it('matches an independent implementation (openssl dgst -hmac)', () => {
    expect(opensslHmacSha256(SECRET, `${T}.${BODY}`)).toBe(EXPECTED);
  });

  it('agrees with openssl on non-ASCII bodies signed as bytes', () => {
    const body = '{"name":"Оплата урока — 15 000 ₸"}';
    expect(computeStripeSignature(SECRET, T, body)).toBe(opensslHmacSha256(SECRET, `${T}.${body}`));
    expect(computeStripeSignature(SECRET, T, new TextEncoder().encode(body))).toBe(opensslHmacSha256(SECRET, `${T}.${body}`));
  });

  it('verifies the vector header at t', () => {
    const r = verifyStripeSignature({ rawBody: BODY, header: `t=${T},v1=${EXPECTED}`, secrets: [SECRET], now: T });
    expect(r).toEqual({ ok: true, timestamp: T, secretIndex: 0 });
  });
});

describe('verifyStripeSignature', () => {
  const header = signStripePayload({ rawBody: BODY, secrets: [SECRET], timestamp: T });

  it('rejects a wrong secret, a changed body and a changed timestamp', () => {
    expect(verifyStripeSignature({ rawBody: BODY, header, secrets: ['whsec_other'], now: T })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(verifyStripeSignature({ rawBody: BODY.replace('evt_test', 'evt_tesT'), header, secrets: [SECRET], now: T })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(verifyStripeSignature({ rawBody: BODY, header: moved, secrets: [SECRET], now: T })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
  });

  it('enforces the 300 s tolerance on both sides, inclusive', () => {
    expect(verifyStripeSignature({ rawBody: BODY, header, secrets: [SECRET], now: T + 300 }).ok).toBe(true);
    expect(verifyStripeSignature({ rawBody: BODY, header, secrets: [SECRET], now: T - 300 }).ok).toBe(true);
    expect(verifyStripeSignature({ rawBody: BODY, header, secrets: [SECRET], now: T + 301 })).toMatchObject({ ok: false, reason: 'timestamp_outside_tolerance' });
    expect(verifyStripeSignature({ rawBody: BODY, header, secrets: [SECRET], now: T - 301 })).toMatchObject({ ok: false, reason: 'timestamp_outside_tolerance' });
    expect(verifyStripeSignature({ rawBody: BODY, header, secrets: [SECRET], now: T + 1000, toleranceSeconds: 2000 }).ok).toBe(true);
  });

  it('accepts any matching v1 among several and ignores v0 and unknown schemes', () => {
    const bogus = 'a'.repeat(64);
    const multi = `t=${T},v1=${bogus},v0=${EXPECTED},v1=${EXPECTED},v9=zzz`;
    expect(verifyStripeSignature({ rawBody: BODY, header: multi, secrets: [SECRET], now: T }).ok).toBe(true);
    // The right digest only under v0 must not pass.
    expect(verifyStripeSignature({ rawBody: BODY, header: `t=${T},v0=${EXPECTED},v1=${bogus}`, secrets: [SECRET], now: T })).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(verifyStripeSignature({ rawBody: BODY, header: `t=${T},v0=${EXPECTED}`, secrets: [SECRET], now: T })).toMatchObject({ ok: false, reason: 'no_v1_signature' });
  });

  it('supports secret rotation: old and new secrets both verify, and the header can carry both', () => {
    const next = 'whsec_next_secret';
    const both = signStripePayload({ rawBody: BODY, secrets: [SECRET, next], timestamp: T });
    expect(both.split(',').filter((x) => x.startsWith('v1=')).length).toBe(2);
    expect(verifyStripeSignature({ rawBody: BODY, header: both, secrets: [next], now: T })).toMatchObject({ ok: true, secretIndex: 0 });
    const onlyNew = signStripePayload({ rawBody: BODY, secrets: [next], timestamp: T });
    expect(verifyStripeSignature({ rawBody: BODY, header: onlyNew, secrets: [SECRET, next], now: T })).toMatchObject({ ok: true, secretIndex: 1 });
    expect(verifyStripeSignature({ rawBody: BODY, header: onlyNew, secrets: [SECRET], now: T }).ok).toBe(false);
  });

  it('gives typed reasons for missing and malformed headers', () => {
    expect(verifyStripeSignature({ rawBody: BODY, header: undefined, secrets: [SECRET] })).toMatchObject({ reason: 'missing_header' });
    expect(verifyStripeSignature({ rawBody: BODY, header: 'v1=abc', secrets: [SECRET] })).toMatchObject({ reason: 'malformed_header' });
    expect(verifyStripeSignature({ rawBody: BODY, header: `t=${T},t=${T + 1},v1=${EXPECTED}`, secrets: [SECRET], now: T })).toMatchObject({ reason: 'malformed_header' });
    expect(verifyStripeSignature({ rawBody: BODY, header: 't=abc,v1=00', secrets: [SECRET] })).toMatchObject({ reason: 'malformed_header' });
    expect(verifyStripeSignature({ rawBody: BODY, header, secrets: [], now: T })).toMatchObject({ reason: 'no_secrets' });
    expect(verifyStripeSignature({ rawBody: BODY, header: `t=${T},v1=short`, secrets: [SECRET], now: T })).toMatchObject({ reason: 'signature_mismatch' });
  });

  it('parses headers with whitespace and throws typed errors from the assert variant', () => {
    expect(parseStripeSignatureHeader(` t=${T} , v1=${EXPECTED} `)).toEqual({ timestamp: T, v1: [EXPECTED] });
    expect(() => assertStripeSignature({ rawBody: BODY, header, secrets: [SECRET], now: T + 301 })).toThrow(StripeSignatureError);
    try {
      assertStripeSignature({ rawBody: BODY, header, secrets: ['x'], now: T });
    } catch (e) {
      expect((e as StripeSignatureError).reason).toBe('signature_mismatch');
    }
  });
});
