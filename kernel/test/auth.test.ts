import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as OTPAuth from 'otpauth';
import { simpleParser } from 'mailparser';
import { createTestKernel, startSmtpCapture, tokenFrom, type TestKernel } from '@atrium/sdk/testing';

let tk: TestKernel;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  tk = await createTestKernel({ config: { smtp: { url: smtp.url }, auth: { loginMaxPerIpPerMinute: 10_000, loginMaxPerAccountPer15Minutes: 5 } } });
});
afterAll(async () => {
  await tk?.stop();
  await smtp?.stop();
});

const anon = () => tk.anonymous();

describe('signup and login', () => {
  it('signup creates a tenant and its owner, login returns tokens', async () => {
    const r = await anon().post('/api/auth/signup', { tenantName: 'Bakery', email: 'Baker@Example.com', password: 'flour-and-water' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ user: { email: 'baker@example.com' }, tenant: { name: 'Bakery' } });
    expect(r.body.accessToken).toBeTruthy();
    expect(r.body.refreshToken).toBeTruthy();
    expect(r.headers.get('set-cookie')).toMatch(/atrium_refresh=.*HttpOnly/);
    const login = await anon().post('/api/auth/login', { email: 'baker@example.com', password: 'flour-and-water' });
    expect(login.status).toBe(200);
    expect(login.body.tenant.id).toBe(r.body.tenant.id);
    const me = await anon().get('/api/me', { headers: { authorization: `Bearer ${login.body.accessToken}` } });
    expect(me.status).toBe(200);
    expect(me.body.roles).toEqual(['owner']);
    // the business's conventions, for the admin's money and dates
    expect(me.body.tenant).toMatchObject({ id: r.body.tenant.id, currency: expect.stringMatching(/^[A-Z]{3}$/), timeZone: expect.any(String) });
    const dup = await anon().post('/api/auth/signup', { tenantName: 'Other', email: 'baker@example.com', password: 'flour-and-water' });
    expect(dup.status).toBe(409);
  });

  it('wrong password → 401; bad input → 400 naming the field', async () => {
    expect((await anon().post('/api/auth/login', { email: 'baker@example.com', password: 'nope' })).body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await anon().post('/api/auth/login', { email: 'ghost@example.com', password: 'nope' })).status).toBe(401);
    const bad = await anon().post('/api/auth/signup', { tenantName: '', email: 'not-an-email', password: 'short' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: any) => f.field).sort()).toEqual(['email', 'password', 'tenantName']);
    expect((await anon().get('/api/me')).status).toBe(401);
    expect((await anon().get('/api/me', { headers: { authorization: 'Bearer garbage' } })).body.error.code).toBe('INVALID_TOKEN');
  });

  it('rate-limits login per account with a clear 429', async () => {
    await anon().post('/api/auth/signup', { tenantName: 'Limits', email: 'limit@example.com', password: 'limit-password' });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await anon().post('/api/auth/login', { email: 'limit@example.com', password: 'wrong-password' })).status);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const last = await anon().post('/api/auth/login', { email: 'limit@example.com', password: 'limit-password' });
    expect(last.status).toBe(429);
    expect(last.body.error.code).toBe('RATE_LIMITED');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('refresh tokens', () => {
  it('rotate, and a reused refresh token revokes the whole session family', async () => {
    const s = await anon().post('/api/auth/signup', { tenantName: 'Rotation', email: 'rot@example.com', password: 'rotate-me-please' });
    const r1 = await anon().post('/api/auth/refresh', { refreshToken: s.body.refreshToken });
    expect(r1.status).toBe(200);
    expect(r1.body.refreshToken).not.toBe(s.body.refreshToken);
    const r2 = await anon().post('/api/auth/refresh', { refreshToken: r1.body.refreshToken });
    expect(r2.status).toBe(200);
    // an attacker replays the first token: everything from that sign-in is revoked
    const replay = await anon().post('/api/auth/refresh', { refreshToken: s.body.refreshToken });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('REFRESH_REUSED');
    const afterTheft = await anon().post('/api/auth/refresh', { refreshToken: r2.body.refreshToken });
    expect(afterTheft.status).toBe(401);
    expect(afterTheft.body.error.code).toBe('SESSION_REVOKED');
  });

  it('only one of two concurrent refreshes with the same token wins', async () => {
    const s = await anon().post('/api/auth/signup', { tenantName: 'Race', email: 'race@example.com', password: 'race-condition' });
    const [a, b] = await Promise.all([1, 2].map(() => anon().post('/api/auth/refresh', { refreshToken: s.body.refreshToken })));
    expect([a.status, b.status].sort()).toEqual([200, 401]);
  });

  it('reads the httpOnly cookie; logout revokes', async () => {
    const s = await anon().post('/api/auth/signup', { tenantName: 'Cookie', email: 'cookie@example.com', password: 'cookie-monster' });
    const cookie = s.headers.get('set-cookie')!.split(';')[0];
    const r = await anon().post('/api/auth/refresh', undefined, { headers: { cookie } });
    expect(r.status).toBe(200);
    const out = await anon().post('/api/auth/logout', { refreshToken: r.body.refreshToken });
    expect(out.status).toBe(200);
    expect((await anon().post('/api/auth/refresh', { refreshToken: r.body.refreshToken })).body.error.code).toBe('SESSION_REVOKED');
  });
});

describe('TOTP', () => {
  it('enrol → verify → login requires the code → disable', async () => {
    const s = await anon().post('/api/auth/signup', { tenantName: 'Secure', email: 'totp@example.com', password: 'two-factors-ok' });
    const auth = { authorization: `Bearer ${s.body.accessToken}` };
    const enrol = await anon().post('/api/auth/totp/enrol', undefined, { headers: auth });
    expect(enrol.status).toBe(200);
    expect(enrol.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\//);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(enrol.body.secret), digits: 6, period: 30 });
    expect((await anon().post('/api/auth/totp/verify', { code: '000000' === totp.generate() ? '111111' : '000000' }, { headers: auth })).status).toBe(400);
    // each code works once: enrol with the previous step's, sign in with this one's, turn off with the next one's
    // (started well inside a 30 s step, so the previous step's code is still accepted when checked)
    const left = 30_000 - (Date.now() % 30_000);
    if (left < 3_000) await new Promise((r) => setTimeout(r, left + 100));
    const step = (n: number) => totp.generate({ timestamp: Date.now() + n * 30_000 });
    expect((await anon().post('/api/auth/totp/verify', { code: step(-1) }, { headers: auth })).status).toBe(200);
    const noCode = await anon().post('/api/auth/login', { email: 'totp@example.com', password: 'two-factors-ok' });
    expect(noCode.status).toBe(401);
    expect(noCode.body.error.code).toBe('TOTP_REQUIRED');
    const withCode = await anon().post('/api/auth/login', { email: 'totp@example.com', password: 'two-factors-ok', totp: step(0) });
    expect(withCode.status).toBe(200);
    expect((await anon().post('/api/auth/totp/disable', { code: step(1), password: 'two-factors-ok' }, { headers: auth })).status).toBe(200);
    expect((await anon().post('/api/auth/login', { email: 'totp@example.com', password: 'two-factors-ok' })).status).toBe(200);
  });
});

describe('password reset by e-mail', () => {
  it('sends a link over SMTP; the token works once and ends other sessions', async () => {
    const s = await anon().post('/api/auth/signup', { tenantName: 'Forgetful', email: 'forgot@example.com', password: 'old-password-1' });
    const req = await anon().post('/api/auth/password-reset/request', { email: 'forgot@example.com' });
    expect(req.status).toBe(202);
    // unknown addresses get the same answer (no account enumeration) and no mail
    expect((await anon().post('/api/auth/password-reset/request', { email: 'nobody@example.com' })).status).toBe(202);
    const mail = await smtp.waitFor('forgot@example.com');
    const token = tokenFrom(mail.raw);
    expect(smtp.mails.some((m) => m.to.includes('nobody@example.com'))).toBe(false);
    const ok = await anon().post('/api/auth/password-reset/confirm', { token, password: 'new-password-2' });
    expect(ok.status).toBe(200);
    expect((await anon().post('/api/auth/password-reset/confirm', { token, password: 'new-password-3' })).status).toBe(400);
    expect((await anon().post('/api/auth/login', { email: 'forgot@example.com', password: 'old-password-1' })).status).toBe(401);
    expect((await anon().post('/api/auth/login', { email: 'forgot@example.com', password: 'new-password-2' })).status).toBe(200);
    expect((await anon().post('/api/auth/refresh', { refreshToken: s.body.refreshToken })).body.error.code).toBe('SESSION_REVOKED');
  });

  it('the reset e-mail is in the account\'s language (chosen in the profile)', async () => {
    const s = await anon().post('/api/auth/signup', { tenantName: 'Дүкен', email: 'kazakh@example.com', password: 'old-password-1' });
    const auth = { headers: { authorization: `Bearer ${s.body.accessToken}` } };
    expect((await anon().patch('/api/me', { locale: 'kk' }, auth)).status).toBe(200);
    await anon().post('/api/auth/password-reset/request', { email: 'kazakh@example.com' }, { headers: { 'accept-language': 'en' } });
    const mail = await simpleParser((await smtp.waitFor('kazakh@example.com')).raw);
    expect(mail.subject).toBe('Atrium құпиясөзін қалпына келтіру');
    expect(mail.text).toMatch(/^Біреу kazakh@example\.com үшін құпиясөзді қалпына келтіруді сұрады\./);
    expect(mail.text).toMatch(/\d+ минут ішінде ашыңыз:\n\S+#\/reset-password\?token=/);
  });
});

describe('invitations and several tenants', () => {
  it('invites by e-mail with a role; the invitee joins and can switch tenants', async () => {
    const a = await anon().post('/api/auth/signup', { tenantName: 'Salon A', email: 'owner-a@example.com', password: 'salon-a-owner' });
    const b = await anon().post('/api/auth/signup', { tenantName: 'Salon B', email: 'owner-b@example.com', password: 'salon-b-owner' });
    const inv = await anon().post('/api/tenants/invitations', { email: 'owner-b@example.com', role: 'manager' }, { headers: { authorization: `Bearer ${a.body.accessToken}` } });
    expect(inv.status).toBe(201);
    const token = tokenFrom((await smtp.waitFor('owner-b@example.com')).raw);
    // an existing account must prove itself with its own password
    expect((await anon().post('/api/auth/invitations/accept', { token, password: 'wrong-password' })).status).toBe(401);
    const acc = await anon().post('/api/auth/invitations/accept', { token, password: 'salon-b-owner' });
    expect(acc.status).toBe(200);
    expect(acc.body.tenant.id).toBe(a.body.tenant.id);
    expect((await anon().post('/api/auth/invitations/accept', { token, password: 'salon-b-owner' })).status).toBe(404);
    const me = await anon().get('/api/me', { headers: { authorization: `Bearer ${acc.body.accessToken}` } });
    expect(me.body.tenants.map((t: any) => t.name).sort()).toEqual(['Salon A', 'Salon B']);
    expect(me.body.roles).toEqual(['manager']);
    const sw = await anon().post('/api/auth/switch-tenant', { tenantId: b.body.tenant.id }, { headers: { authorization: `Bearer ${acc.body.accessToken}` } });
    expect(sw.status).toBe(200);
    expect(sw.body.tenant.name).toBe('Salon B');
    const foreign = await anon().post('/api/auth/switch-tenant', { tenantId: (await anon().post('/api/auth/signup', { tenantName: 'C', email: 'c@example.com', password: 'cccccccc' })).body.tenant.id }, { headers: { authorization: `Bearer ${acc.body.accessToken}` } });
    expect(foreign.status).toBe(403);
  });

  it('a new user accepts with a password of their own', async () => {
    const a = await anon().post('/api/auth/signup', { tenantName: 'Gym', email: 'gym@example.com', password: 'gym-owner-pw' });
    const inv = await anon().post('/api/tenants/invitations', { email: 'trainer@example.com', role: 'staff', locale: 'ru' }, { headers: { authorization: `Bearer ${a.body.accessToken}` } });
    const raw = (await smtp.waitFor('trainer@example.com')).raw;
    const token = tokenFrom(raw);
    // the e-mail in the language the inviter chose for the invitee, the role by its name
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('Приглашение в Gym');
    expect(mail.text).toContain('gym@example.com приглашает вас в Gym на Atrium, роль: Сотрудник.');
    expect(mail.text).toMatch(/в течение \d+ (дня|дней):/);
    // and the link is the inviter's to copy ("copy invite link"); this kernel sends mail
    expect(inv.body).toMatchObject({ status: 'pending', mailed: true });
    expect(inv.body.link).toBe(`${inv.body.link.split('?')[0]}?token=${token}`);
    const acc = await anon().post('/api/auth/invitations/accept', { token, password: 'trainer-pw-1', displayName: 'Trainer' });
    expect(acc.status).toBe(200);
    expect(acc.body.user.displayName).toBe('Trainer');
    const members = await anon().get('/api/tenants/members', { headers: { authorization: `Bearer ${a.body.accessToken}` } });
    expect(members.body.items.map((m: any) => m.email).sort()).toEqual(['gym@example.com', 'trainer@example.com']);
  });
});
