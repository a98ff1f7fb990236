import crypto from 'node:crypto';
import { Type } from 'typebox';
import {
  ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, UnprocessableError, ValidationError,
  type AuthAttemptInfo, type AuthAttemptSettled, type AuthProviderStartResult,
} from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import type { KernelActionDef, KernelCtx } from '../services/kernel-action.ts';
import type { SessionOut } from './session.actions.ts';
import { TokenService } from './token.service.ts';

/** A provider as the manifests declare it, with its platform-wide id `<plugin>.<name>`. */
type Provider = { id: string; pluginId: string; name: string; identity: string; label: Record<string, string>; icon?: string; start: string };

type AttemptRow = {
  id: string; provider: string; identity: string; tenant_id: string; purpose: 'login' | 'link'; user_id: string | null;
  poll_hash: string; status: 'pending' | 'confirmed' | 'cancelled' | 'used'; subject: string | null;
  ip: string | null; user_agent: string | null; expires_at: Date; expired: boolean;
};
const ATTEMPT_COLUMNS = 'a.id, a.provider, a.identity, a.tenant_id, a.purpose, a.user_id, a.poll_hash, a.status, a.subject, a.ip, a.user_agent, a.expires_at, a.expires_at <= now() as expired';
type Rows = (sql: string, params: unknown[]) => Promise<any[]>;

const ProviderId = Type.String({ pattern: '^[a-z][a-z0-9-]*\\.[a-z][a-z0-9-]*$', maxLength: 81 });
const Code = Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const Subject = Type.String({ minLength: 1, maxLength: 200 });
/** Settlements one outside identity may make per 10 minutes (a bot pressed in a loop, a script). */
const SETTLES_PER_SUBJECT = 20;

const expired = () => new UnprocessableError('This sign-in code has expired; start again', 'AUTH_ATTEMPT_EXPIRED');

/**
 * Sign-in methods that plugins add (manifest `authProviders`; SDK `auth-provider.ts`). The kernel
 * keeps the attempt and everything that makes it safe; the plugin shows where to confirm and
 * reports who confirmed:
 *
 *   browser → POST /api/auth/providers/:provider/start → attempt (code + the browser's secret, both
 *     hashed here; expires in auth.providerAttemptTtlSeconds) → the plugin's `start` action answers
 *     a deep link / URL with the code;
 *   the person confirms there → the plugin calls auth.inspectProviderAttempt / auth.settleProviderAttempt
 *     with the outside identity it verified (pending → confirmed, once);
 *   browser → POST /api/auth/providers/attempts/:id with its secret → confirmed → used (once): a
 *     sign-in gets a normal session (refresh token, sessions list, revocation), a link is reported.
 *
 * The code travels through the outside channel, the secret only to the browser that started: who
 * sees the QR code can confirm it but never receives the session. Codes are single-use twice over
 * (settled once, claimed once) and rate-limited per address (start, poll) and per identity (settle).
 */
export function providerActions(d: () => KernelDeps, openSession: (ctx: KernelCtx, userId: string, tenantId: string) => Promise<SessionOut>) {
  const providers = (): Provider[] =>
    d().registry.list().flatMap((p) => (p.manifest.authProviders ?? []).map((a) => ({ ...a, id: `${p.id}.${a.name}`, pluginId: p.id })));
  const providerById = (id: string) => providers().find((p) => p.id === id);
  const hash = (s: string) => TokenService.hash(s);

  /** An internal call about a provider must come from the plugin that declares it. */
  function ownProvider(ctx: KernelCtx, id: string): Provider {
    const p = providerById(id);
    if (!p) throw new NotFoundError('No such sign-in method', { provider: id });
    if (ctx.meta.callerPlugin !== p.pluginId) throw new ForbiddenError(`Only plugin "${p.pluginId}" may settle "${id}" sign-ins`, 'NOT_YOUR_PROVIDER', { provider: id });
    return p;
  }

  /** The user an outside identity is linked to, and whether they are a member of the tenant. */
  async function linkedUser(rows: Rows, identity: string, subject: string, tenantId: string) {
    const [u] = await rows(
      `select u.id, u.email, u.display_name, exists (select 1 from kernel.membership m where m.user_id = u.id and m.tenant_id = $3) as member
         from kernel.user_identity i join kernel."user" u on u.id = i.user_id where i.identity = $1 and i.subject = $2`,
      [identity, subject, tenantId],
    );
    return u as { id: string; email: string; display_name: string; member: boolean } | undefined;
  }

  const actions: Record<string, KernelActionDef> = {
    listProviders: {
      rest: 'GET /providers',
      permission: 'public',
      tenantScoped: false,
      mutates: false,
      params: Type.Object({ tenantId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false }),
      summary: 'Sign-in methods plugins add for a tenant (the login page opened with ?tenant=…), or for the signed-in user\'s tenant (linking)',
      async handler(ctx) {
        const tenantId = ctx.params.tenantId ?? ctx.meta.tenantId;
        if (!tenantId) return { items: [], total: 0 };
        const enabled = await d().gate.enabled(tenantId);
        const items = providers().filter((p) => enabled.has(p.pluginId)).map((p) => ({ id: p.id, identity: p.identity, label: p.label, icon: p.icon ?? null }));
        return { items, total: items.length };
      },
    },

    startProviderSignIn: {
      rest: 'POST /providers/:provider/start',
      permission: 'public',
      tenantScoped: false,
      status: 201,
      params: Type.Object({
        provider: ProviderId,
        purpose: Type.Optional(Type.Union([Type.Literal('login'), Type.Literal('link')])),
        tenantId: Type.Optional(Type.String({ format: 'uuid' })),
        locale: Type.Optional(Type.String({ pattern: '^(en|ru|uk|kk)$' })),
      }, { additionalProperties: false }),
      summary: 'Begin a sign-in (or, signed in, the linking of an outside account) through a plugin\'s method: answers where to confirm and the secret to ask for the outcome with',
      async handler(ctx) {
        const { config, db, rateLimiter, gate, logger } = d();
        const purpose = ctx.params.purpose ?? 'login';
        await rateLimiter.hit(`provider-start:ip:${ctx.meta.ip ?? '-'}`, config.auth.providerStartsPerIpPerMinute, 60, 'Too many sign-in attempts from this address; wait a minute');
        const user = ctx.meta.user ?? null;
        if (purpose === 'link' && !user) throw new UnauthorizedError('Sign in first to link an account');
        const tenantId = purpose === 'link' ? ctx.meta.tenantId! : ctx.params.tenantId;
        if (!tenantId) throw new ValidationError('Which business do you sign in to?', [{ field: 'tenantId', code: 'required', message: 'is required to sign in' }]);
        const p = providerById(ctx.params.provider);
        if (!p || !(await gate.isEnabled(tenantId, p.pluginId))) throw new NotFoundError('This sign-in method is not available here', { provider: ctx.params.provider });
        const code = crypto.randomBytes(16).toString('base64url');
        const secret = crypto.randomBytes(32).toString('base64url');
        const id = crypto.randomUUID();
        const [row] = await db.systemQuery<{ expires_at: Date }>(
          `insert into kernel.auth_attempt (id, provider, identity, tenant_id, purpose, user_id, code_hash, poll_hash, ip, user_agent, expires_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11)) returning expires_at`,
          [id, p.id, p.identity, tenantId, purpose, purpose === 'link' ? user!.id : null, hash(code), hash(secret), ctx.meta.ip ?? null, ctx.meta.userAgent ?? null, config.auth.providerAttemptTtlSeconds],
        );
        // attempts that ended a day ago are of no use to anyone
        void db.systemQuery(`delete from kernel.auth_attempt where expires_at < now() - interval '1 day'`).catch((e) => logger.warn({ err: e }, 'could not delete old sign-in attempts'));
        const expiresAt = new Date(row!.expires_at).toISOString();
        let shown: AuthProviderStartResult;
        try {
          // the plugin's own internal action, as the platform in the tenant (its gate, validation and transaction apply)
          shown = await ctx.broker.call(p.start, { attemptId: id, code, purpose, expiresAt, locale: ctx.params.locale ?? ctx.meta.locale ?? 'en' }, {
            meta: { system: true, tenantId, requestId: ctx.meta.requestId, locale: ctx.meta.locale, deadline: ctx.meta.deadline },
          }) as AuthProviderStartResult;
        } catch (e) {
          await db.systemQuery(`update kernel.auth_attempt set status = 'cancelled', settled_at = now() where id = $1`, [id]);
          throw e;
        }
        if (!shown || typeof shown.url !== 'string' || !/^(https?|tg):\/\//.test(shown.url)) throw new Error(`${p.start} answered no URL to confirm at`);
        return { attemptId: id, secret, expiresAt, provider: p.id, purpose, url: shown.url, qr: shown.qr ?? false, mode: shown.mode ?? 'open' };
      },
    },

    claimProviderSignIn: {
      rest: 'POST /providers/attempts/:id',
      permission: 'public',
      tenantScoped: false,
      params: Type.Object({ id: Type.String({ format: 'uuid' }), secret: Type.String({ minLength: 20, maxLength: 100 }) }, { additionalProperties: false }),
      summary: 'Ask for the outcome of a sign-in started here: pending, or the session (once), or the new link',
      async handler(ctx) {
        const { config, db, rateLimiter } = d();
        await rateLimiter.hit(`provider-poll:ip:${ctx.meta.ip ?? '-'}`, config.auth.providerPollsPerIpPerMinute, 60, 'Too many checks from this address; wait a minute');
        type Outcome = { error: Error } | { pending: AttemptRow } | { done: AttemptRow };
        const out = await db.systemTransaction(async (c): Promise<Outcome> => {
          const [a] = (await c.query(`select ${ATTEMPT_COLUMNS} from kernel.auth_attempt a where a.id = $1 for update`, [ctx.params.id])).rows as AttemptRow[];
          const given = Buffer.from(hash(ctx.params.secret));
          if (!a || !crypto.timingSafeEqual(Buffer.from(a.poll_hash), given)) return { error: new NotFoundError('No such sign-in attempt') };
          if (a.status === 'used') return { error: new ConflictError('This sign-in was already completed; start again to sign in once more', 'AUTH_ATTEMPT_USED') };
          if (a.status === 'cancelled') return { error: new UnprocessableError('The sign-in was declined', 'AUTH_ATTEMPT_CANCELLED') };
          if (a.expired) return { error: expired() };
          if (a.status === 'pending') return { pending: a };
          await c.query(`update kernel.auth_attempt set status = 'used', used_at = now() where id = $1`, [a.id]);
          if (a.purpose === 'link') {
            await c.query(`insert into kernel.audit (tenant_id, user_id, action, subject, target_id, diff) values ($1, $2, 'auth.linkIdentity', 'kernel.User', $3, $4)`,
              [a.tenant_id, a.user_id, a.user_id, JSON.stringify({ identity: a.identity, provider: a.provider })]);
          }
          return { done: a };
        });
        if ('error' in out) throw out.error;
        if ('pending' in out) return { status: 'pending', expiresAt: new Date(out.pending.expires_at).toISOString() };
        const a = out.done;
        if (a.purpose === 'link') {
          const [i] = await db.systemQuery('select id, identity, display, created_at from kernel.user_identity where user_id = $1 and identity = $2', [a.user_id, a.identity]);
          return { status: 'linked', identity: i ? { id: i.id, identity: i.identity, display: i.display, createdAt: i.created_at } : null };
        }
        return { status: 'signed-in', ...(await openSession(ctx, a.user_id!, a.tenant_id)) };
      },
    },

    inspectProviderAttempt: {
      permission: 'internal',
      tenantScoped: false,
      mutates: false,
      params: Type.Object({ provider: ProviderId, code: Code, subject: Type.Optional(Subject) }, { additionalProperties: false }),
      summary: 'For the plugin of a sign-in method: what a code is for (sign-in or link, which business, which browser, whom it would sign in)',
      async handler(ctx): Promise<AuthAttemptInfo> {
        const p = ownProvider(ctx, ctx.params.provider);
        const { db } = d();
        const [a] = await db.systemQuery<AttemptRow & { tenant_name: string }>(
          `select ${ATTEMPT_COLUMNS}, t.name as tenant_name
             from kernel.auth_attempt a join kernel.tenant t on t.id = a.tenant_id where a.code_hash = $1 and a.provider = $2`,
          [hash(ctx.params.code), p.id],
        );
        if (!a) throw new NotFoundError('No such sign-in code');
        if (a.expired && (a.status === 'pending' || a.status === 'confirmed')) throw expired();
        let user: AuthAttemptInfo['user'] = null;
        let problem: AuthAttemptInfo['problem'] = null;
        if (a.purpose === 'link') {
          const [u] = await db.systemQuery('select id, email, display_name from kernel."user" where id = $1', [a.user_id]);
          if (u) user = { id: u.id, email: u.email, displayName: u.display_name };
        } else if (ctx.params.subject) {
          const u = await linkedUser((sql, params) => db.systemQuery(sql, params), p.identity, ctx.params.subject, a.tenant_id);
          if (!u) problem = 'NOT_LINKED';
          else if (!u.member) problem = 'NOT_A_MEMBER';
          else user = { id: u.id, email: u.email, displayName: u.display_name };
        }
        return {
          attemptId: a.id, purpose: a.purpose, status: a.status, expiresAt: new Date(a.expires_at).toISOString(),
          tenant: { id: a.tenant_id, name: a.tenant_name }, browser: { ip: a.ip, userAgent: a.user_agent }, user, problem,
        };
      },
    },

    settleProviderAttempt: {
      permission: 'internal',
      tenantScoped: false,
      params: Type.Object({
        provider: ProviderId,
        code: Code,
        decision: Type.Union([Type.Literal('confirm'), Type.Literal('cancel')]),
        subject: Subject,
        display: Type.Optional(Type.String({ maxLength: 200 })),
      }, { additionalProperties: false }),
      summary: 'For the plugin of a sign-in method: the person confirmed (or declined) with this outside identity — once',
      async handler(ctx): Promise<AuthAttemptSettled> {
        const p = ownProvider(ctx, ctx.params.provider);
        const { db, rateLimiter } = d();
        const { code, decision, subject, display } = ctx.params;
        await rateLimiter.hit(`provider-settle:${p.identity}:${subject}`, SETTLES_PER_SUBJECT, 600, 'Too many sign-in confirmations; wait a few minutes');
        return db.systemTransaction(async (c) => {
          const [a] = (await c.query(`select ${ATTEMPT_COLUMNS} from kernel.auth_attempt a where a.code_hash = $1 and a.provider = $2 for update`, [hash(code), p.id])).rows as AttemptRow[];
          if (!a) throw new NotFoundError('No such sign-in code');
          if (a.status !== 'pending') throw new ConflictError('This sign-in code was already used', 'AUTH_ATTEMPT_USED', { status: a.status });
          if (a.expired) throw expired();
          if (decision === 'cancel') {
            await c.query(`update kernel.auth_attempt set status = 'cancelled', subject = $2, settled_at = now() where id = $1`, [a.id, subject]);
            return { purpose: a.purpose, status: 'cancelled', userId: a.user_id, tenantId: a.tenant_id, displayName: null };
          }
          let userId: string;
          if (a.purpose === 'login') {
            const u = await linkedUser((sql, params) => c.query(sql, params).then((r) => r.rows), p.identity, subject, a.tenant_id);
            if (!u) throw new UnprocessableError('This account is not linked to a user: sign in with your password and link it in your profile', 'IDENTITY_NOT_LINKED', { identity: p.identity });
            if (!u.member) throw new ForbiddenError('The linked user is not a member of this business', 'NOT_A_MEMBER');
            userId = u.id;
            await c.query('update kernel.user_identity set last_used_at = now(), display = coalesce($3, display) where identity = $1 and subject = $2', [p.identity, subject, display ?? null]);
          } else {
            userId = a.user_id!;
            const [taken] = (await c.query('select user_id from kernel.user_identity where identity = $1 and subject = $2', [p.identity, subject])).rows;
            if (taken && taken.user_id !== userId) throw new ConflictError('This account is already linked to another user', 'IDENTITY_TAKEN', { identity: p.identity });
            // one account of a kind per user: linking another one replaces the old link
            await c.query('delete from kernel.user_identity where user_id = $1 and identity = $2 and subject <> $3', [userId, p.identity, subject]);
            await c.query(
              `insert into kernel.user_identity (id, user_id, identity, subject, display, provider) values ($1, $2, $3, $4, $5, $6)
               on conflict (identity, subject) do update set display = coalesce(excluded.display, kernel.user_identity.display)`,
              [crypto.randomUUID(), userId, p.identity, subject, display ?? null, p.id],
            );
          }
          await c.query(`update kernel.auth_attempt set status = 'confirmed', user_id = $2, subject = $3, settled_at = now() where id = $1`, [a.id, userId, subject]);
          const [u] = (await c.query('select display_name from kernel."user" where id = $1', [userId])).rows;
          return { purpose: a.purpose, status: 'confirmed', userId, tenantId: a.tenant_id, displayName: u?.display_name ?? null };
        });
      },
    },

    listIdentities: {
      rest: 'GET ~/api/me/identities',
      permission: 'authenticated',
      tenantScoped: false,
      summary: 'Outside accounts (Telegram…) linked to your user: each can sign you in',
      async handler(ctx) {
        const rows = await d().db.systemQuery('select id, identity, display, provider, created_at, last_used_at from kernel.user_identity where user_id = $1 order by created_at', [ctx.meta.user!.id]);
        const items = rows.map((r) => ({ id: r.id, identity: r.identity, display: r.display, provider: r.provider, createdAt: r.created_at, lastUsedAt: r.last_used_at }));
        return { items, total: items.length };
      },
    },

    unlinkIdentity: {
      rest: 'DELETE ~/api/me/identities/:id',
      permission: 'authenticated',
      tenantScoped: false,
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      summary: 'Unlink an outside account: it can no longer sign you in',
      async handler(ctx) {
        const user = ctx.meta.user!;
        const rows = await d().db.systemQuery('delete from kernel.user_identity where id = $1 and user_id = $2 returning identity', [ctx.params.id, user.id]);
        if (!rows.length) throw new NotFoundError('No such linked account');
        if (ctx.meta.tenantId) {
          await d().db.systemQuery(`insert into kernel.audit (tenant_id, user_id, action, subject, target_id, diff) values ($1, $2, 'auth.unlinkIdentity', 'kernel.User', $3, $4)`,
            [ctx.meta.tenantId, user.id, user.id, JSON.stringify({ identity: rows[0].identity })]);
        }
        return { ok: true };
      },
    },
  };

  return { actions };
}
