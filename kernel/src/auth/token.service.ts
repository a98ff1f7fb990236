import crypto from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { UnauthorizedError, type RequestUser } from '@atrium/sdk';

export type AccessClaims = { user: RequestUser; tenantId: string };

/** Short-lived HS256 access tokens carrying the user and the active tenant. */
export class TokenService {
  private readonly key: Uint8Array;
  private readonly ttl: number;
  constructor(secret: string, accessTtlSeconds: number) {
    this.key = new Uint8Array(crypto.hkdfSync('sha256', secret, 'atrium', 'jwt-access', 32));
    this.ttl = accessTtlSeconds;
  }

  async issueAccess(user: RequestUser, tenantId: string): Promise<string> {
    return new SignJWT({ tid: tenantId, email: user.email, roles: user.roles, sid: user.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer('atrium')
      .setIssuedAt()
      .setExpirationTime(`${this.ttl}s`)
      .sign(this.key);
  }

  async verifyAccess(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: 'atrium', algorithms: ['HS256'] });
      return {
        user: { id: payload.sub!, email: String(payload.email), roles: (payload.roles as string[]) ?? [], sessionId: payload.sid as string | undefined },
        tenantId: String(payload.tid),
      };
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
