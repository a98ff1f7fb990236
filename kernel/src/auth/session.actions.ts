import { Type } from 'typebox';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import type { KernelActionDef, KernelCtx } from '../services/kernel-action.ts';
import { SessionStore, type OpenedSession } from './sessions.ts';

export const REFRESH_COOKIE = 'atrium_refresh';

export type SessionOut = { accessToken: string; refreshToken: string; expiresIn: number; user: { id: string; email: string; displayName: string }; tenant: { id: string; name: string } };

const metaOf = (ctx: KernelCtx) => ({ ip: ctx.meta.ip, userAgent: ctx.meta.userAgent });

/**
 * The session half of the auth service: opening sessions (sign-up, sign-in, invitations), refresh
 * rotation, switching tenants, logout, and the user's list of signed-in devices with "sign out".
 * The store (sessions.ts) owns the locking and the revocation announcements.
 */
export function sessionActions(d: () => KernelDeps) {
  const store = new SessionStore(d);

  /** Issues the access token for an opened session and sets the httpOnly refresh cookie. */
  async function respond(ctx: KernelCtx, userId: string, tenantId: string, s: OpenedSession): Promise<SessionOut> {
    const { tokens, config } = d();
    ctx.meta.$setCookies = [`${REFRESH_COOKIE}=${s.refreshToken}; HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age=${config.auth.refreshTokenTtlSeconds}`];
    return {
      accessToken: await tokens.issueAccess({ id: userId, email: s.email, roles: s.roles, sessionId: s.id }, tenantId),
      refreshToken: s.refreshToken,
      expiresIn: config.auth.accessTokenTtlSeconds,
      user: { id: userId, email: s.email, displayName: s.displayName },
      tenant: { id: tenantId, name: s.tenantName },
    };
  }

  /** A new sign-in (a new session family) for the user in the tenant. */
  async function openSession(ctx: KernelCtx, userId: string, tenantId: string): Promise<SessionOut> {
    return respond(ctx, userId, tenantId, await store.open(userId, tenantId, metaOf(ctx)));
  }

  const clearCookie = (ctx: KernelCtx) => (ctx.meta.$setCookies = [`${REFRESH_COOKIE}=; HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age=0`]);

  const actions: Record<string, KernelActionDef> = {
    refresh: {
      rest: 'POST /refresh',
      permission: 'public',
      tenantScoped: false,
      mutates: false,
      params: Type.Object({ refreshToken: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })) }, { additionalProperties: false }),
      summary: 'Rotate the refresh token (reuse of an old one revokes the whole session family)',
      async handler(ctx) {
        const token = ctx.params.refreshToken ?? (ctx.meta as any).cookies?.[REFRESH_COOKIE];
        if (!token) throw new UnauthorizedError('Refresh token missing', 'REFRESH_MISSING');
        const r = await store.rotate(token, metaOf(ctx));
        return respond(ctx, r.userId, r.tenantId, r.session);
      },
    },

    logout: {
      rest: 'POST /logout',
      permission: 'public',
      tenantScoped: false,
      mutates: false,
      params: Type.Object({ refreshToken: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
      summary: 'Sign out: ends this sign-in, its refresh token and its access tokens on every node',
      async handler(ctx) {
        const refreshToken = ctx.params.refreshToken ?? (ctx.meta as any).cookies?.[REFRESH_COOKIE];
        const sessionId = ctx.meta.user?.sessionId;
        if (refreshToken || sessionId) await store.revokeFamily(refreshToken ? { refreshToken } : { sessionId }, 'logout');
        clearCookie(ctx);
        return { ok: true };
      },
    },

    switchTenant: {
      rest: 'POST /switch-tenant',
      permission: 'authenticated',
      tenantScoped: false,
      mutates: false,
      params: Type.Object({ tenantId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      async handler(ctx) {
        const user = ctx.meta.user!;
        const [m] = await d().db.systemQuery('select 1 from kernel.membership where tenant_id = $1 and user_id = $2', [ctx.params.tenantId, user.id]);
        if (!m) throw new ForbiddenError('You are not a member of that tenant', 'NOT_A_MEMBER');
        const s = await store.continueFamily(user.sessionId!, user.id, ctx.params.tenantId, metaOf(ctx));
        return respond(ctx, user.id, ctx.params.tenantId, s);
      },
    },

    listSessions: {
      rest: 'GET /sessions',
      permission: 'authenticated',
      tenantScoped: false,
      summary: 'Your signed-in devices: one entry per sign-in that has not ended',
      async handler(ctx) {
        const items = await store.list(ctx.meta.user!.id, ctx.meta.user!.sessionId!);
        return { items, total: items.length };
      },
    },

    revokeSession: {
      rest: 'DELETE /sessions/:id',
      permission: 'authenticated',
      tenantScoped: false,
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      summary: 'Sign out one of your devices (its refresh and access tokens end within seconds on every node)',
      async handler(ctx) {
        const n = await store.revokeFamily({ familyId: ctx.params.id, userId: ctx.meta.user!.id }, 'signed-out-by-user');
        if (!n) throw new NotFoundError('No such active sign-in');
        return { ok: true };
      },
    },

    revokeOtherSessions: {
      rest: 'DELETE /sessions',
      permission: 'authenticated',
      tenantScoped: false,
      summary: 'Sign out everywhere else: every sign-in but this one ends',
      async handler(ctx) {
        const user = ctx.meta.user!;
        const n = await store.revokeOthers(user.id, user.sessionId!);
        return { revoked: n };
      },
    },
  };

  return { actions, store, openSession };
}
