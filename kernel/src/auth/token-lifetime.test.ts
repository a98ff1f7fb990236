import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenService } from './token.service.ts';

const SECRET = 'token-lifetime-test-secret-0123456789-abcdef';
const key = new Uint8Array(crypto.hkdfSync('sha256', SECRET, 'atrium', 'jwt-access', 32));
const claims = () => ({ tid: crypto.randomUUID(), email: 'a@b.test', roles: ['owner'], sid: crypto.randomUUID() });
const sign = (build: (j: SignJWT) => SignJWT) => build(new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(crypto.randomUUID()).setIssuer('atrium')).sign(key);

describe('access token lifetime', () => {
  it('refuses a well-signed token whose exp lies beyond the configured lifetime, or that has no iat', async () => {
    const tokens = new TokenService(SECRET, 900);
    const far = await sign((j) => j.setIssuedAt().setExpirationTime('3650d'));
    await expect(tokens.verifyAccess(far)).rejects.toMatchObject({ type: 'INVALID_TOKEN' });
    const noIat = await sign((j) => j.setExpirationTime('600s'));
    await expect(tokens.verifyAccess(noIat)).rejects.toMatchObject({ type: 'INVALID_TOKEN' });
    const future = await sign((j) => j.setIssuedAt(Math.floor(Date.now() / 1000) + 3600).setExpirationTime(Math.floor(Date.now() / 1000) + 3600 + 600));
    await expect(tokens.verifyAccess(future)).rejects.toMatchObject({ type: 'INVALID_TOKEN' });
  });

  it('accepts what it issues, and a token within the lifetime', async () => {
    const tokens = new TokenService(SECRET, 900);
    const ok = await sign((j) => j.setIssuedAt().setExpirationTime('900s'));
    await expect(tokens.verifyAccess(ok)).resolves.toMatchObject({ user: { email: 'a@b.test' } });
    const own = await tokens.issueAccess({ id: crypto.randomUUID(), email: 'x@y.test', roles: [], sessionId: crypto.randomUUID() }, crypto.randomUUID());
    await expect(tokens.verifyAccess(own)).resolves.toBeTruthy();
  });
});
