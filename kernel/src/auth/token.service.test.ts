import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import crypto from 'node:crypto';
import { TokenService } from './token.service.ts';

const SECRET = 'token-service-test-secret-0123456789-abcdef';
const user = { id: crypto.randomUUID(), email: 'a@b.test', roles: ['staff'], sessionId: crypto.randomUUID() };

describe('TokenService', () => {
  it('a verified (cached) token of a revoked session is refused from the next request on', async () => {
    const tokens = new TokenService(SECRET, 900);
    const t = await tokens.issueAccess(user, crypto.randomUUID());
    expect((await tokens.verifyAccess(t)).user.sessionId).toBe(user.sessionId);
    expect((await tokens.verifyAccess(t)).user.id).toBe(user.id); // from the cache
    tokens.revoke([{ id: user.sessionId, createdMs: Date.now() }]);
    await expect(tokens.verifyAccess(t)).rejects.toMatchObject({ type: 'SESSION_REVOKED', code: 401 });
    await expect(tokens.verifyAccess(t)).rejects.toMatchObject({ type: 'SESSION_REVOKED' });
    // another session of the same user is untouched
    const other = await tokens.issueAccess({ ...user, sessionId: crypto.randomUUID() }, crypto.randomUUID());
    expect((await tokens.verifyAccess(other)).user.id).toBe(user.id);
  });

  it('forgets a revoked session once its last token has expired', () => {
    const tokens = new TokenService(SECRET, 60);
    tokens.revoke([{ id: 'old', createdMs: Date.now() - 3600_000 }, { id: 'new', createdMs: Date.now() }]);
    expect(tokens.revoked.has('old')).toBe(false);
    expect(tokens.revoked.has('new')).toBe(true);
  });

  it('refuses a well-signed token that names no session (it could never be revoked) or has no expiry', async () => {
    const tokens = new TokenService(SECRET, 900);
    const key = new Uint8Array(crypto.hkdfSync('sha256', SECRET, 'atrium', 'jwt-access', 32));
    const bare = await new SignJWT({ tid: crypto.randomUUID(), email: 'a@b.test', roles: ['owner'] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(user.id).setIssuer('atrium').setIssuedAt().setExpirationTime('60s').sign(key);
    await expect(tokens.verifyAccess(bare)).rejects.toMatchObject({ type: 'INVALID_TOKEN' });
    // nor one that never expires
    const forever = await new SignJWT({ tid: crypto.randomUUID(), email: 'a@b.test', roles: ['owner'], sid: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(user.id).setIssuer('atrium').setIssuedAt().sign(key);
    await expect(tokens.verifyAccess(forever)).rejects.toMatchObject({ type: 'INVALID_TOKEN' });
  });
});
