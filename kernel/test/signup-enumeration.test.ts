import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, startSmtpCapture, tokenFrom, type TestKernel } from '@atrium/sdk/testing';

/**
 * Sign-up must not tell who has an account: the answer to an address with an account is the same
 * as to a new one (202, a mail goes to the address). The new address gets a link that creates the
 * business; the existing account's owner gets a note instead, and nothing changes.
 */
let tk: TestKernel;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
const anon = () => tk.anonymous();

beforeAll(async () => {
  smtp = await startSmtpCapture();
  tk = await createTestKernel({ config: { auth: { signupConfirmation: 'email' }, smtp: { url: smtp.url } } });
  // the platform's first sign-up has no accounts to reveal: it signs in at once
  const first = await anon().post('/api/auth/signup', { tenantName: 'First', email: 'first@shop.test', password: 'first-password' });
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  expect(first.body.accessToken).toBeTruthy();
});
afterAll(async () => {
  await tk?.stop();
  await smtp?.stop();
});

describe('sign-up does not reveal accounts', () => {
  it('answers an existing and a new address alike; only the mail differs', async () => {
    const taken = await anon().post('/api/auth/signup', { tenantName: 'Hijack', email: 'First@Shop.test', password: 'whatever-password' });
    const fresh = await anon().post('/api/auth/signup', { tenantName: 'Second', email: 'second@shop.test', password: 'second-password' });
    expect(taken.status).toBe(202);
    expect(fresh.status).toBe(202);
    const shape = (r: { body: any }) => ({ ...r.body, email: '<address>' });
    expect(shape(taken)).toEqual(shape(fresh));
    expect(Object.keys(taken.body).sort()).toEqual(['email', 'status']);
    // the owner of the existing account is told, and nothing changed for them
    const note = await smtp.waitFor('first@shop.test');
    expect(note.raw).toContain('already has an account');
    expect(note.raw).not.toContain('confirm-signup');
    expect((await anon().post('/api/auth/login', { email: 'first@shop.test', password: 'first-password' })).status).toBe(200);
    expect((await anon().post('/api/auth/login', { email: 'first@shop.test', password: 'whatever-password' })).status).toBe(401);
  });

  it('the link in the mail creates the business and signs in; it cannot be used for a second account', async () => {
    const mail = await smtp.waitFor('second@shop.test');
    const token = tokenFrom(mail.raw);
    const c = await anon().post('/api/auth/signup/confirm', { token });
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    expect(c.body).toMatchObject({ tenant: { name: 'Second' }, user: { email: 'second@shop.test' }, accessToken: expect.any(String) });
    const again = await anon().post('/api/auth/signup/confirm', { token });
    expect(again.status).toBe(409);
    const login = await anon().post('/api/auth/login', { email: 'second@shop.test', password: 'second-password' });
    expect(login.status).toBe(200);
  });

  it('a forged or altered link is refused', async () => {
    const mail = await smtp.waitFor('second@shop.test');
    const token = tokenFrom(mail.raw);
    const altered = token.slice(0, 30) + (token[30] === 'A' ? 'B' : 'A') + token.slice(31);
    for (const t of [altered, 'A'.repeat(60)]) {
      const r = await anon().post('/api/auth/signup/confirm', { token: t });
      expect(r.status).toBe(400);
      expect(r.body.error.fields[0].field).toBe('token');
    }
  });
});
