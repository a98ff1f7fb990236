import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import pg from 'pg';
import * as OTPAuth from 'otpauth';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';
import type { Kernel } from '@atrium/kernel';
import { startSecondNode } from './fixtures/second-node.ts';

/**
 * Issue 24: /api/auth/totp/verify and /disable had no attempt limit (600 guesses in 4.4 s),
 * disable needed no password, and a used code was accepted again.
 */
let tk: TestKernel;
let db: pg.Client;

beforeAll(async () => {
  tk = await createTestKernel();
  db = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await tk?.stop();
});

const PASSWORD = 'two-factors-please';
async function enrolled(name: string): Promise<{ client: TestClient; totp: OTPAuth.TOTP; email: string; auth: Record<string, string> }> {
  const email = `${name}-${crypto.randomUUID().slice(0, 6)}@totp.test`;
  const client = await tk.signup(`T ${name}`, email, PASSWORD);
  const auth = { authorization: `Bearer ${client.token}` };
  const enrol = await client.post('/api/auth/totp/enrol');
  expect(enrol.status).toBe(200);
  await awayFromStepEdge();
  return { client, totp: new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(enrol.body.secret), digits: 6, period: 30 }), email, auth };
}
/**
 * The tests use the previous, current and next step's codes (the server accepts one step either
 * side): start each well inside a 30 s step, so no step boundary passes between making a code and
 * the server checking it.
 */
async function awayFromStepEdge(): Promise<void> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 3_000) await new Promise((r) => setTimeout(r, left + 100));
}
/** A six-digit code that is none of the three the server accepts right now. */
function wrongCode(totp: OTPAuth.TOTP): string {
  const valid = new Set([-1, 0, 1].map((d) => totp.generate({ timestamp: Date.now() + d * 30_000 })));
  for (let i = 0; ; i++) {
    const c = String((123456 + i * 7919) % 1_000_000).padStart(6, '0');
    if (!valid.has(c)) return c;
  }
}

describe('TOTP attempts are limited per account', () => {
  it('a burst of 100 guesses at /totp/verify gets 5 checked, the rest 429 TOTP_LOCKED — then even the right code waits', async () => {
    const { client, totp } = await enrolled('burst');
    const wrong = wrongCode(totp);
    const answers = await Promise.all(Array.from({ length: 100 }, () => client.post('/api/auth/totp/verify', { code: wrong })));
    const checked = answers.filter((a) => a.status === 400);
    const locked = answers.filter((a) => a.status === 429);
    expect(checked.length).toBe(5);
    expect(locked.length).toBe(95);
    expect(locked[0].body.error.code).toBe('TOTP_LOCKED');
    expect(Number(locked[0].headers.get('retry-after'))).toBeGreaterThan(0);
    const right = await client.post('/api/auth/totp/verify', { code: totp.generate() });
    expect(right.status).toBe(429);
    expect((await client.get('/api/me')).body.user.totpEnabled).toBe(false);
  });

  it('the lock is in PostgreSQL: another kernel node on the same database refuses too; each further failure doubles it', async () => {
    const { client, totp, email } = await enrolled('nodes');
    expect((await client.post('/api/auth/totp/verify', { code: totp.generate() })).status).toBe(200);
    const login = (code: string, url = tk.url) => fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD, totp: code }) }).then(async (r) => ({ status: r.status, body: await r.json() }));
    for (let i = 0; i < 5; i++) expect((await login(wrongCode(totp))).body.error.code).toBe('TOTP_INVALID');
    expect((await login(totp.generate())).body.error.code).toBe('TOTP_LOCKED');
    // the lock's answer says in the reader's language how long to wait (its details carry the minutes)
    const ru = await fetch(`${tk.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': 'ru' }, body: JSON.stringify({ email, password: PASSWORD, totp: totp.generate() }) }).then((r) => r.json());
    expect(ru.error.message).toMatch(/^Слишком много неверных кодов\. Повторите через \d+ (минуту|минуты|минут)\.$/);
    expect(ru.error.details).toMatchObject({ retryAfterMinutes: 1 });

    const lockOf = async () => (await db.query(`select totp_failures as n, extract(epoch from totp_locked_until - now())::float8 as s from kernel."user" where id = $1`, [client.userId])).rows[0];
    const first = await lockOf();
    expect(first.n).toBe(5);
    expect(first.s).toBeGreaterThan(0);
    expect(first.s).toBeLessThanOrEqual(30);

    // a second node (its own process state, same database) sees the same lock
    let other: Kernel | null = null;
    try {
      other = await startSecondNode(tk, { redis: { keyPrefix: 'other-node' } });
      expect((await login(totp.generate(), other.url!)).body.error.code).toBe('TOTP_LOCKED');
    } finally {
      await other?.stop();
    }

    // the lock runs out (moved to the past here), the next failure locks for twice as long
    await db.query(`update kernel."user" set totp_locked_until = now() - interval '1 second' where id = $1`, [client.userId]);
    expect((await login(wrongCode(totp))).body.error.code).toBe('TOTP_INVALID');
    const doubled = await lockOf();
    expect(doubled.n).toBe(6);
    expect(doubled.s).toBeGreaterThan(30);
    expect(doubled.s).toBeLessThanOrEqual(60);
    // a right code once the lock is over clears the count
    await db.query(`update kernel."user" set totp_locked_until = now() - interval '1 second' where id = $1`, [client.userId]);
    expect((await login(totp.generate({ timestamp: Date.now() + 30_000 }))).status).toBe(200);
    expect((await db.query(`select totp_failures as n, totp_locked_until as l from kernel."user" where id = $1`, [client.userId])).rows[0]).toEqual({ n: 0, l: null });
  });
});

describe('turning TOTP off needs the password', () => {
  it('a stolen access token and a code are not enough: 400 without or with a wrong password; 200 with both', async () => {
    const { client, totp } = await enrolled('disable');
    expect((await client.post('/api/auth/totp/verify', { code: totp.generate({ timestamp: Date.now() - 30_000 }) })).status).toBe(200);
    const noPassword = await client.post('/api/auth/totp/disable', { code: totp.generate() });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.error.fields).toEqual([{ field: 'password', code: 'required', params: {}, message: expect.any(String) }]);
    const wrongPassword = await client.post('/api/auth/totp/disable', { code: totp.generate(), password: 'not-my-password' });
    expect(wrongPassword.status).toBe(400);
    expect(wrongPassword.body.error.fields).toEqual([{ field: 'password', code: 'wrongPassword', message: 'Wrong password' }]);
    expect((await client.get('/api/me')).body.user.totpEnabled).toBe(true);
    const ok = await client.post('/api/auth/totp/disable', { code: totp.generate(), password: PASSWORD });
    expect(ok.status).toBe(200);
    expect((await client.get('/api/me')).body.user.totpEnabled).toBe(false);
  });

  it('password guesses through /disable count as attempts too', async () => {
    const { client, totp } = await enrolled('disable-guess');
    expect((await client.post('/api/auth/totp/verify', { code: totp.generate({ timestamp: Date.now() - 30_000 }) })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => client.post('/api/auth/totp/disable', { code: totp.generate(), password: `guess-${i}` })));
    expect(answers.filter((a) => a.status === 400)).toHaveLength(5);
    expect(answers.filter((a) => a.status === 429 && a.body.error.code === 'TOTP_LOCKED')).toHaveLength(15);
  });
});

describe('a TOTP code is used once', () => {
  it('the code that turned TOTP on, or signed in once, is refused the second time (401 TOTP_REUSED)', async () => {
    const { client, totp, email } = await enrolled('replay');
    const code = totp.generate();
    expect((await client.post('/api/auth/totp/verify', { code })).status).toBe(200);
    const anon = tk.anonymous();
    const again = await anon.post('/api/auth/login', { email, password: PASSWORD, totp: code });
    expect(again.status).toBe(401);
    expect(again.body.error.code).toBe('TOTP_REUSED');
    // the next step's code works once; two sign-ins racing with it: exactly one gets in
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    const [a, b] = await Promise.all([1, 2].map(() => anon.post('/api/auth/login', { email, password: PASSWORD, totp: next })));
    expect([a.status, b.status].sort()).toEqual([200, 401]);
    expect((a.status === 401 ? a : b).body.error.code).toBe('TOTP_REUSED');
  });
});
