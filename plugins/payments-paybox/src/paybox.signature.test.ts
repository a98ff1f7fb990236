import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UnsafeKeyError } from '@atrium/sdk';
import { decimalToMinor, minorToDecimal } from './paybox.money.ts';
import {
  encodePayboxForm,
  parsePayboxForm,
  payboxSignatureBase,
  scriptNameFromUrl,
  signPaybox,
  verifyPaybox,
  withPayboxSignature,
  type PayboxFields,
} from './paybox.signature.ts';
import { buildPayboxResponse, parsePayboxXml, PayboxRejectNotAllowedError, verifyPayboxXml } from './paybox.xml.ts';

/** Independent MD5 #1: OpenSSL's CLI over the exact bytes. */
function opensslMd5(data: string): string {
  return execFileSync('openssl', ['dgst', '-md5'], { input: data, timeout: 10_000 }).toString().trim().split(/\s+/).pop()!;
}

/**
 * Independent implementation #2 of the whole pg_sig algorithm (flattening + ordering + MD5),
 * written separately in Python so a shared misreading of the ordering rules would show up.
 */
function pythonPgSig(script: string, fields: PayboxFields, secret: string): string {
  const program = String.raw`
import hashlib, json, re, sys, functools
data = json.loads(sys.stdin.read())
INT = re.compile(r'-?(0|[1-9][0-9]*)$')
def cmp(a, b):
    if INT.match(a) and INT.match(b):
        return (int(a) > int(b)) - (int(a) < int(b))
    ab, bb = a.encode(), b.encode()
    return (ab > bb) - (ab < bb)
def flat(v, out):
    if isinstance(v, list):
        for x in v: flat(x, out)
    elif isinstance(v, dict):
        for k in sorted(v.keys(), key=functools.cmp_to_key(cmp)): flat(v[k], out)
    else:
        out.append(str(v))
vals = []
for k in sorted([k for k in data['fields'] if k != 'pg_sig'], key=functools.cmp_to_key(cmp)):
    flat(data['fields'][k], vals)
s = ';'.join([data['script']] + vals + [data['secret']])
print(hashlib.md5(s.encode('utf-8')).hexdigest())
`;
  return execFileSync('python3', ['-c', program], { input: JSON.stringify({ script, fields, secret }), timeout: 10_000 }).toString().trim();
}

// Known-answer vectors from /work/shared/research/verticals.md (PayBox section).
const RESULT_FIELDS = { pg_salt: 'aaaa', pg_result: '1', pg_payment_id: '999', pg_order_id: 'abc', pg_merchant_id: '123', pg_amount: '15.00' };
// verticals.md gives only the joined string for the second vector; the field names are ours,
// chosen so that sorting by key yields that exact order (amount, description, merchant, order, salt).
const INIT_FIELDS = { pg_order_id: '23', pg_merchant_id: '555', pg_amount: '25', pg_salt: 'molbulak', pg_description: 'test' };

describe('pg_sig known-answer vectors', () => {
  it('result callback vector', () => {
    expect(payboxSignatureBase('result', RESULT_FIELDS, 'secret')).toBe('result;15.00;123;abc;999;1;aaaa;secret');
    expect(signPaybox('result', RESULT_FIELDS, 'secret')).toBe('7e41d7eb3a1520a45fd057281cc0797a');
    expect(opensslMd5('result;15.00;123;abc;999;1;aaaa;secret')).toBe('7e41d7eb3a1520a45fd057281cc0797a');
    expect(pythonPgSig('result', RESULT_FIELDS, 'secret')).toBe('7e41d7eb3a1520a45fd057281cc0797a');
  });

  it('init_payment vector', () => {
    expect(payboxSignatureBase('init_payment.php', INIT_FIELDS, 'secret')).toBe('init_payment.php;25;test;555;23;molbulak;secret');
    expect(signPaybox('init_payment.php', INIT_FIELDS, 'secret')).toBe('264d4c08caf57732e42d0b71819bba01');
    expect(opensslMd5('init_payment.php;25;test;555;23;molbulak;secret')).toBe('264d4c08caf57732e42d0b71819bba01');
    expect(pythonPgSig('init_payment.php', INIT_FIELDS, 'secret')).toBe('264d4c08caf57732e42d0b71819bba01');
  });

  it('pg_sig itself never takes part, and the script name comes from the URL', () => {
    expect(signPaybox('result', { ...RESULT_FIELDS, pg_sig: 'whatever' }, 'secret')).toBe('7e41d7eb3a1520a45fd057281cc0797a');
    expect(scriptNameFromUrl('https://shop.example/pay/result')).toBe('result');
    expect(scriptNameFromUrl('https://shop.example/pay/result?tenant=a#x')).toBe('result');
    expect(scriptNameFromUrl('https://api.freedompay.kz/init_payment.php')).toBe('init_payment.php');
    expect(scriptNameFromUrl('init_payment.php')).toBe('init_payment.php');
  });
});

describe('nested fields', () => {
  const nested: PayboxFields = {
    pg_order_id: '77',
    pg_salt: 'nacl',
    pg_receipt_positions: [
      { name: 'Урок', price: '5000.00', count: '2', tax_type: '0' },
      { name: 'Абонемент', price: '20000.00', count: '1', tax_type: '3' },
    ],
    pg_amount: '30000.00',
    pg_merchant_id: '1',
    // Integer-like keys sort numerically (PHP ksort), so "10" comes after "2".
    pg_param: { '10': 'ten', '2': 'two', b: { z: 'Z', a: 'A' }, a: 'first' },
    x_extra_undocumented: 'kept',
  };

  it('flattens recursively, sorting each level, keeping list order', () => {
    expect(payboxSignatureBase('init_payment.php', nested, 'k')).toBe(
      'init_payment.php;30000.00;1;77;two;ten;first;A;Z;2;Урок;5000.00;0;1;Абонемент;20000.00;3;nacl;kept;k',
    );
  });

  it('agrees with the independent Python implementation', () => {
    expect(signPaybox('init_payment.php', nested, 'k')).toBe(pythonPgSig('init_payment.php', nested, 'k'));
  });

  it('survives a form round trip (a[0][name]=… and repeated plain names)', () => {
    const signed = withPayboxSignature('result', nested, 'k');
    const back = parsePayboxForm(encodePayboxForm(signed));
    expect(verifyPaybox('result', back, ['k']).ok).toBe(true);
    const repeated = parsePayboxForm('pg_salt=s&tag=b&tag=a&pg_sig=0');
    expect(repeated.tag).toEqual(['b', 'a']);
    expect(payboxSignatureBase('x', repeated, 'k')).toBe('x;s;b;a;k');
  });
});

describe('verifyPaybox', () => {
  const signed = withPayboxSignature('result', RESULT_FIELDS, 'secret', 'aaaa');

  it('accepts the right secret and rotates between several', () => {
    expect(signed.pg_sig).toBe('7e41d7eb3a1520a45fd057281cc0797a');
    expect(verifyPaybox('result', signed, ['secret'])).toEqual({ ok: true, secretIndex: 0 });
    expect(verifyPaybox('result', signed, ['new-secret', 'secret'])).toEqual({ ok: true, secretIndex: 1 });
  });

  it('rejects another secret, another script name, a changed or an added field', () => {
    expect(verifyPaybox('result', signed, ['other'])).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyPaybox('check', signed, ['secret'])).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyPaybox('result', { ...signed, pg_amount: '16.00' }, ['secret'])).toEqual({ ok: false, reason: 'signature_mismatch' });
    expect(verifyPaybox('result', { ...signed, pg_extra: '1' }, ['secret'])).toEqual({ ok: false, reason: 'signature_mismatch' });
  });

  it('gives typed reasons for missing signature and salt', () => {
    const { pg_sig: _s, ...unsigned } = signed;
    expect(verifyPaybox('result', unsigned, ['secret'])).toEqual({ ok: false, reason: 'missing_signature' });
    const { pg_salt: _t, ...unsalted } = signed;
    expect(verifyPaybox('result', { ...unsalted, pg_sig: signPaybox('result', unsalted, 'secret') }, ['secret'])).toEqual({ ok: false, reason: 'missing_salt' });
    expect(verifyPaybox('result', signed, [])).toEqual({ ok: false, reason: 'no_secrets' });
  });
});

describe('signed XML <response>', () => {
  it('builds ok/error answers whose signature verifies with the callback script name', () => {
    for (const status of ['ok', 'error'] as const) {
      const xml = buildPayboxResponse({ scriptName: 'result', secretKey: 'secret', status, description: 'Оплата принята & записана', canReject: '0', salt: 'xyz' });
      const { fields, signature } = verifyPayboxXml(xml, 'result', ['secret']);
      expect(signature.ok).toBe(true);
      expect(fields).toMatchObject({ pg_status: status, pg_description: 'Оплата принята & записана', pg_salt: 'xyz' });
      // And independently: md5 over "result;<description>;<salt>;<status>;secret".
      expect(fields.pg_sig).toBe(opensslMd5(`result;Оплата принята & записана;xyz;${status};secret`));
      expect(verifyPayboxXml(xml, 'check', ['secret']).signature.ok).toBe(false);
    }
  });

  it('allows rejected only when pg_can_reject=1', () => {
    expect(() => buildPayboxResponse({ scriptName: 'result', secretKey: 's', status: 'rejected', canReject: '0' })).toThrow(PayboxRejectNotAllowedError);
    expect(() => buildPayboxResponse({ scriptName: 'result', secretKey: 's', status: 'rejected', canReject: undefined })).toThrow(PayboxRejectNotAllowedError);
    const xml = buildPayboxResponse({ scriptName: 'result', secretKey: 's', status: 'rejected', canReject: '1', description: 'slot taken' });
    expect(parsePayboxXml(xml).fields.pg_status).toBe('rejected');
  });

  it('an empty description is an empty element, signed as an empty value', () => {
    const xml = buildPayboxResponse({ scriptName: 'result', secretKey: 's', status: 'ok', canReject: true, salt: 'q' });
    expect(xml).toContain('<pg_description/>');
    expect(parsePayboxXml(xml).fields.pg_sig).toBe(opensslMd5('result;;q;ok;s'));
  });

  it('parses gateway XML with declaration, CDATA, entities and repeated elements; refuses DTDs', () => {
    const doc = '<?xml version="1.0" encoding="utf-8"?>\n<response>\n  <pg_status>ok</pg_status>\n  <pg_description><![CDATA[a <b> c]]></pg_description>\n  <item>1</item><item>2</item>\n  <nested><b>&lt;x&gt;&#1058;</b></nested>\n</response>';
    expect(parsePayboxXml(doc)).toEqual({ root: 'response', fields: { pg_status: 'ok', pg_description: 'a <b> c', item: ['1', '2'], nested: { b: '<x>Т' } } });
    expect(() => parsePayboxXml('<!DOCTYPE x [<!ENTITY a "b">]><response/>')).toThrow(/DTD/);
    expect(() => parsePayboxXml('<response><a></b></response>')).toThrow();
  });
});

describe('untrusted keys', () => {
  const polluted = () => Object.keys(Object.prototype).concat(Object.keys(Array.prototype));

  it('refuses form keys that aim at a prototype, and Object.prototype stays clean', () => {
    for (const body of ['__proto__[x]=1', 'a[__proto__][x]=1', 'a[constructor][prototype][y]=1', 'constructor[prototype][z]=1', 'prototype=1', '__proto__[]=1']) {
      expect(() => parsePayboxForm(body), body).toThrow(UnsafeKeyError);
    }
    expect(polluted()).toEqual([]);
    expect(({} as any).x).toBeUndefined();
  });

  it('parsed objects have no prototype, and mixed scalar/nested names are never written through', () => {
    const f = parsePayboxForm('a=1&a[b]=2&c[d]=3&c[]=4&pg_sig=x');
    expect(Object.getPrototypeOf(f)).toBeNull();
    expect(Object.getPrototypeOf(f.c)).toBeNull();
    expect(f).toEqual({ a: '1', c: { d: '3' }, pg_sig: 'x' });
  });

  it('refuses XML element names that aim at a prototype', () => {
    expect(() => parsePayboxXml('<response><__proto__><x>1</x></__proto__></response>')).toThrow(/not allowed/);
    expect(() => parsePayboxXml('<response><constructor>1</constructor></response>')).toThrow(/not allowed/);
    expect(Object.getPrototypeOf(parsePayboxXml('<response><a><b>1</b></a></response>').fields.a)).toBeNull();
    expect(polluted()).toEqual([]);
  });
});

describe('amounts', () => {
  it('converts minor units to PayBox decimals and back without floats', () => {
    expect(minorToDecimal(1500, 'KZT')).toBe('15.00');
    expect(minorToDecimal(5, 'kzt')).toBe('0.05');
    expect(decimalToMinor('15.00', 'KZT')).toBe(1500);
    expect(decimalToMinor('7000', 'KZT')).toBe(700000);
    expect(decimalToMinor('0.1', 'KZT')).toBe(10);
    expect(() => decimalToMinor('1.001', 'KZT')).toThrow();
    expect(() => minorToDecimal(1.5, 'KZT')).toThrow();
  });
});
