import crypto from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { UnauthorizedError, type RequestUser } from '@atrium/sdk';
import { RevokedSessions } from './revoked-sessions.ts';

export type AccessClaims = { user: RequestUser; tenantId: string };

/**
 * Short-lived HS256 access tokens carrying the user, the active tenant and the session (`sid`).
 * A token of a revoked session is refused from the moment this node hears of it (revoked-sessions.ts).
 */
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
  readonly revoked: RevokedSessions;
  constructor(secret: string, accessTtlSeconds: number, revoked = new RevokedSessions(accessTtlSeconds)) {
    this.revoked = revoked;
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
      if (hit.expMs <= Date.now()) this.verified.delete(token);
      else if (!this.revoked.has(hit.claims.user.sessionId!)) return hit.claims;
      else {
        this.verified.delete(token);
        throw revokedError();
      }
    }
    try {
      // every token we issue expires and names its user and session: one without a session could
      // never be revoked, one without `exp` would never end (jose accepts both unless told)
      const { payload } = await jwtVerify(token, await this.key, { issuer: 'atrium', algorithms: ['HS256'], requiredClaims: ['exp', 'iat', 'sub', 'sid', 'tid'] });
      if (typeof payload.sid !== 'string') throw new Error('no session');
      // nor one that lives longer than this platform issues them for (a far `exp`), nor one issued in the future
      if (payload.exp! - payload.iat! > this.ttl + CLOCK_SKEW_SECONDS || payload.iat! > Date.now() / 1000 + CLOCK_SKEW_SECONDS) throw new Error('lifetime');
      if (this.revoked.has(payload.sid)) throw revokedError();
      // frozen: the cached claims are shared by every request that carries this token
      const claims: AccessClaims = Object.freeze({
        user: Object.freeze({ id: payload.sub!, email: String(payload.email), roles: Object.freeze([...((payload.roles as string[]) ?? [])]) as string[], sessionId: payload.sid }),
        tenantId: String(payload.tid),
      });
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(token, { claims, expMs: (payload.exp ?? 0) * 1000 });
      return claims;
    } catch (e) {
      if ((e as { type?: string }).type === 'SESSION_REVOKED') throw e;
      const expired = (e as { code?: string }).code === 'ERR_JWT_EXPIRED';
      throw new UnauthorizedError(expired ? 'Access token expired' : 'Invalid access token', expired ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN');
    }
  }

  /** When a token this node verified expires (ms), or null if it has not verified it. */
  accessExpiry(token: string): number | null {
    return this.verified.get(token)?.expMs ?? null;
  }

  /** Tokens of sessions revoked now stop working on this node at once (other nodes: broadcast and poll). */
  revoke(sessions: { id: string; createdMs: number }[]): void {
    this.revoked.add(sessions);
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

/** Clocks of the nodes of a cluster may differ this much. */
const CLOCK_SKEW_SECONDS = 60;

const revokedError = () => new UnauthorizedError('This session has ended; sign in again', 'SESSION_REVOKED');
