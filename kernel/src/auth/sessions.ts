import crypto from 'node:crypto';
import type pg from 'pg';
import { ForbiddenError, UnauthorizedError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { TokenService } from './token.service.ts';

type Deps = Pick<KernelDeps, 'db' | 'tokens' | 'config' | 'broker' | 'logger'>;
type Query = Pick<pg.PoolClient, 'query'>;

export type OpenedSession = { id: string; familyId: string; refreshToken: string; roles: string[]; tenantName: string; email: string; displayName: string };
export type RevokedRow = { id: string; family: string; createdMs: number };

/** Broadcast by the node that revoked sessions; every node's TokenService refuses their access tokens. */
export const SESSIONS_REVOKED_EVENT = 'atrium.sessions.revoked';

/**
 * Sign-in sessions: one row per refresh token, grouped in families (one sign-in and its rotations).
 *
 * Every change to a family happens under a transaction-scoped advisory lock on the family, and a
 * rotation also holds the user's row (FOR SHARE) and the membership (FOR KEY SHARE). So:
 * - of N concurrent refreshes with one token exactly one wins; the others find it used and revoke
 *   the whole family — the winner's new session included, since it committed before they read;
 * - a logout, a password change or reset (which update the user's row) and a removal from the
 *   tenant (which deletes the membership) are ordered with any rotation in flight: a session a
 *   rotation creates is either seen and revoked, or the rotation sees the revocation and fails.
 * Every revocation is announced (tokens.revoke + a broadcast) so access tokens end within seconds.
 */
export class SessionStore {
  private readonly d: () => Deps;
  constructor(deps: () => Deps) {
    this.d = deps;
  }

  /** Starts a session (a new family unless `familyId`) in `q`'s transaction, or on its own. */
  async open(userId: string, tenantId: string, meta: { ip?: string; userAgent?: string }, familyId: string = crypto.randomUUID(), q?: Query): Promise<OpenedSession> {
    const { db, config } = this.d();
    const run = (sql: string, params: unknown[]) => (q ? q.query(sql, params).then((r) => r.rows) : db.systemQuery(sql, params));
    const [m] = await run(`select m.roles, t.name, u.email, u.display_name from kernel.membership m
      join kernel.tenant t on t.id = m.tenant_id join kernel."user" u on u.id = m.user_id where m.tenant_id = $1 and m.user_id = $2`, [tenantId, userId]);
    if (!m) throw new ForbiddenError('You are not a member of this tenant', 'NOT_A_MEMBER');
    const refresh = TokenService.opaque();
    const id = crypto.randomUUID();
    await run(
      `insert into kernel.session (id, family_id, user_id, tenant_id, refresh_hash, expires_at, ip, user_agent) values ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), $7, $8)`,
      [id, familyId, userId, tenantId, refresh.hash, config.auth.refreshTokenTtlSeconds, meta.ip ?? null, meta.userAgent ?? null],
    );
    return { id, familyId, refreshToken: refresh.token, roles: m.roles, tenantName: m.name, email: m.email, displayName: m.display_name };
  }

  /**
   * Rotates a refresh token: marks its session used and opens the next one of the family. A token
   * that was already used revokes the whole family (reuse means it was copied) — the revocation is
   * committed and announced before the 401 REFRESH_REUSED is thrown.
   */
  async rotate(refreshToken: string, meta: { ip?: string; userAgent?: string }): Promise<{ userId: string; tenantId: string; session: OpenedSession }> {
    const { db, logger } = this.d();
    const hash = TokenService.hash(refreshToken);
    type Outcome = { error: Error } | { reused: RevokedRow[]; family: string; userId: string } | { session: OpenedSession; userId: string; tenantId: string };
    const out = await db.systemTransaction(async (c): Promise<Outcome> => {
      const [found] = (await c.query('select family_id, user_id, tenant_id from kernel.session where refresh_hash = $1', [hash])).rows;
      if (!found) return { error: new UnauthorizedError('Unknown refresh token', 'REFRESH_INVALID') };
      await lockFamily(c, found.family_id);
      await c.query('select 1 from kernel."user" where id = $1 for share', [found.user_id]);
      await c.query('select 1 from kernel.membership where tenant_id = $1 and user_id = $2 for key share', [found.tenant_id, found.user_id]);
      // read again under the locks: whatever another rotation or revocation did is visible now
      const [s] = (await c.query('select id, used_at, revoked_at, expires_at < now() as expired from kernel.session where refresh_hash = $1', [hash])).rows;
      if (s.revoked_at) return { error: new UnauthorizedError('Session was revoked; sign in again', 'SESSION_REVOKED') };
      if (s.expired) return { error: new UnauthorizedError('Session expired; sign in again', 'SESSION_EXPIRED') };
      if (s.used_at) return { reused: await revokeRows(c, 'family_id = $1', [found.family_id], 'refresh-token-reuse'), family: found.family_id as string, userId: found.user_id as string };
      await c.query('update kernel.session set used_at = now() where id = $1', [s.id]);
      const session = await this.open(found.user_id, found.tenant_id, meta, found.family_id, c);
      return { session, userId: found.user_id as string, tenantId: found.tenant_id as string };
    });
    if ('error' in out) throw out.error;
    if ('reused' in out) {
      this.announce(out.reused);
      logger.warn({ userId: out.userId, family: out.family }, 'refresh token reuse detected: session family revoked');
      throw new UnauthorizedError('This refresh token was already used; all sessions of this sign-in were revoked', 'REFRESH_REUSED');
    }
    return out;
  }

  /**
   * Continues the family of the session `sessionId` in another tenant (switching tenants), under
   * the family lock; a revoked session cannot continue.
   */
  async continueFamily(sessionId: string, userId: string, tenantId: string, meta: { ip?: string; userAgent?: string }): Promise<OpenedSession> {
    return this.d().db.systemTransaction(async (c) => {
      const [s0] = (await c.query('select family_id from kernel.session where id = $1 and user_id = $2', [sessionId, userId])).rows;
      if (!s0) return this.open(userId, tenantId, meta, undefined, c);
      await lockFamily(c, s0.family_id);
      const [s] = (await c.query('select revoked_at from kernel.session where id = $1', [sessionId])).rows;
      if (s.revoked_at) throw new UnauthorizedError('Session was revoked; sign in again', 'SESSION_REVOKED');
      return this.open(userId, tenantId, meta, s0.family_id, c);
    });
  }

  /** Ends the family that `refreshToken` or `sessionId` belongs to (logout, "sign out that device"). */
  async revokeFamily(by: { refreshToken?: string; sessionId?: string; familyId?: string; userId?: string }, reason: string): Promise<number> {
    const revoked = await this.d().db.systemTransaction(async (c) => {
      const [s] = by.familyId
        ? (await c.query('select family_id from kernel.session where family_id = $1 and user_id = $2 limit 1', [by.familyId, by.userId])).rows
        : by.refreshToken
          ? (await c.query('select family_id from kernel.session where refresh_hash = $1', [TokenService.hash(by.refreshToken)])).rows
          : by.sessionId ? (await c.query('select family_id from kernel.session where id = $1', [by.sessionId])).rows : [];
      if (!s) return [];
      await lockFamily(c, s.family_id);
      return revokeRows(c, 'family_id = $1', [s.family_id], reason);
    });
    this.announce(revoked);
    return revoked.length;
  }

  /** "Sign out everywhere else": every family of the user but the one of `sessionId`. */
  async revokeOthers(userId: string, sessionId: string): Promise<number> {
    const revoked = await this.d().db.systemTransaction(async (c) => {
      // the user's row, as a password change does: rotations in flight (FOR SHARE) finish first
      await c.query('select 1 from kernel."user" where id = $1 for no key update', [userId]);
      const [cur] = (await c.query('select family_id from kernel.session where id = $1 and user_id = $2', [sessionId, userId])).rows;
      return revokeRows(c, 'user_id = $1 and family_id <> $2', [userId, cur?.family_id ?? sessionId], 'signed-out-elsewhere');
    });
    this.announce(revoked);
    return new Set(revoked.map((r) => r.family)).size;
  }

  /**
   * A member removed from a tenant: their sessions in it end. Called after the membership row is
   * deleted in the request's transaction — a rotation that read the membership first finished
   * before the delete (it holds the row FOR KEY SHARE), so its new session is seen here; one that
   * comes later waits for the delete and fails.
   */
  async revokeMember(userId: string, tenantId: string): Promise<RevokedRow[]> {
    return this.d().db.systemTransaction((c) => revokeRows(c, 'user_id = $1 and tenant_id = $2', [userId, tenantId], 'removed-from-tenant'));
  }

  /** The user's sign-ins that have not ended: one per family, newest activity first. */
  async list(userId: string, sessionId: string): Promise<{ id: string; tenant: { id: string; name: string }; ip: string | null; userAgent: string | null; signedInAt: string; lastActiveAt: string; current: boolean }[]> {
    const rows = await this.d().db.systemQuery(
      `select f.family_id, f.tenant_id, t.name as tenant_name, f.ip, f.user_agent, f.last_active_at, first.created_at as signed_in_at,
              exists (select 1 from kernel.session c where c.id = $2 and c.family_id = f.family_id) as current
         from (select distinct on (family_id) family_id, tenant_id, ip, user_agent, created_at as last_active_at
                 from kernel.session where user_id = $1 and revoked_at is null and used_at is null and expires_at > now()
                order by family_id, created_at desc) f
         join kernel.tenant t on t.id = f.tenant_id
         cross join lateral (select min(created_at) as created_at from kernel.session s where s.family_id = f.family_id) first
        order by f.last_active_at desc limit 100`,
      [userId, sessionId],
    );
    return rows.map((r) => ({ id: r.family_id, tenant: { id: r.tenant_id, name: r.tenant_name }, ip: r.ip, userAgent: r.user_agent, signedInAt: r.signed_in_at, lastActiveAt: r.last_active_at, current: r.current }));
  }

  /**
   * Ends a user's sessions — all, those in one tenant, or all but one family — in `q`'s transaction
   * (the one that changed the password, so rotations in flight are ordered with it), then announces
   * them: call `announce` with the result once `q` committed.
   */
  async revokeUser(q: Query, userId: string, reason: string, opts: { tenantId?: string; exceptSessionId?: string } = {}): Promise<RevokedRow[]> {
    const where = ['user_id = $1'];
    const params: unknown[] = [userId];
    if (opts.tenantId) where.push(`tenant_id = $${params.push(opts.tenantId)}`);
    if (opts.exceptSessionId) where.push(`id <> $${params.push(opts.exceptSessionId)}`);
    return revokeRows(q, where.join(' and '), params, reason);
  }

  /** Tells this node (at once) and every other node (broadcast) that these sessions' tokens are void. */
  announce(rows: RevokedRow[]): void {
    if (!rows.length) return;
    const { tokens, broker, config, logger } = this.d();
    // only sessions whose access tokens may still be alive matter
    const live = rows.filter((r) => r.createdMs > Date.now() - (config.auth.accessTokenTtlSeconds + 60) * 1000);
    if (!live.length) return;
    const sessions = live.map((r) => ({ id: r.id, createdMs: r.createdMs }));
    tokens.revoke(sessions);
    Promise.resolve(broker.broadcast(SESSIONS_REVOKED_EVENT, { sessions })).catch((e: unknown) => logger.warn({ err: e }, 'session revocation broadcast failed; other nodes learn it by polling'));
  }
}

/** Sessions of one family are changed one transaction at a time (a collision of two families' keys only serialises them). */
async function lockFamily(c: Query, familyId: string): Promise<void> {
  await c.query(`select pg_advisory_xact_lock(hashtextextended('atrium.session-family:' || $1::text, 0))`, [familyId]);
}

async function revokeRows(c: Query, where: string, params: unknown[], reason: string): Promise<RevokedRow[]> {
  const r = await c.query(
    `update kernel.session set revoked_at = now(), revoke_reason = $${params.length + 1}
      where ${where} and revoked_at is null
      returning id, family_id, (extract(epoch from created_at) * 1000)::float8 as created_ms`,
    [...params, reason],
  );
  return r.rows.map((x) => ({ id: x.id, family: x.family_id, createdMs: x.created_ms }));
}
