import crypto from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { UnauthorizedError, type RequestUser } from '@atrium/sdk';

export type AccessClaims = { user: RequestUser; tenantId: string };

/** Short-lived HS256 access tokens carrying the user and the active tenant. */
export class TokenService {
  // An HMAC CryptoKey imported once: given raw bytes, jose imports a key on every call (it was
  // ~8% of the kernel's CPU on the sale benchmark).
  private readonly key: Promise<CryptoKey>;
  private readonly ttl: number;
  /**
   * Tokens verified recently → their claims, until they expire. A till or a browser sends the same
   * token with every request for its lifetime; an identical string carries the same signature,
   * so the check need not be redone. Bounded; cleared when full (it refills on the next requests).
   */
  private readonly verified = new Map<string, { claims: AccessClaims; expMs: number }>();
  constructor(secret: string, accessTtlSeconds: number) {
    const bytes = new Uint8Array(crypto.hkdfSync('sha256', secret, 'atrium', 'jwt-access', 32));
    this.key = crypto.webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']) as Promise<CryptoKey>;
    this.ttl = accessTtlSeconds;
  }

  async issueAccess(user: RequestUser, tenantId: string): Promise<string> {
    return new SignJWT({ tid: tenantId, email: user.email, roles: user.roles, sid: user.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer('atrium')
      .setIssuedAt()
      .setExpirationTime(`${this.ttl}s`)
      .sign(await this.key);
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.expMs > Date.now()) return hit.claims;
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, await this.key, { issuer: 'atrium', algorithms: ['HS256'] });
      // frozen: the cached claims are shared by every request that carries this token
      const claims: AccessClaims = Object.freeze({
        user: Object.freeze({ id: payload.sub!, email: String(payload.email), roles: Object.freeze([...((payload.roles as string[]) ?? [])]) as string[], sessionId: payload.sid as string | undefined }),
        tenantId: String(payload.tid),
      });
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(token, { claims, expMs: (payload.exp ?? 0) * 1000 });
      return claims;
    } catch (e) {
      const expired = (e as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new UnauthorizedError(expired ? 'Access token expired' : 'Invalid access token', expired ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN');
    }
  }

  /** Opaque random tokens (refresh, reset, invitation); only their SHA-256 is stored. */
  static opaque(): { token: string; hash: string } {
    const token = crypto.randomBytes(32).toString('base64url');
    return { token, hash: TokenService.hash(token) };
  }
  static hash(token: string): string {
    return crypto.createHash('sha256').update(token).digest('hex');
  }
}
