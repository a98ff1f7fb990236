import crypto from 'node:crypto';
import type { ServiceSchema } from 'moleculer';
import { Type } from 'typebox';
import { packRules } from '@casl/ability/extra';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { kernelActions } from './kernel-action.ts';
import { dummyHash, hashPassword, verifyPassword } from '../auth/password-hasher.ts';
import { TokenService } from '../auth/token.service.ts';
import { provisionTenant } from '../tenants/provision-tenant.ts';
import { sessionActions } from '../auth/session.actions.ts';
import { Email, Password, signupActions } from '../auth/signup.actions.ts';
import { TotpCode, totpActions } from '../auth/totp.actions.ts';
import { providerActions } from '../auth/provider.actions.ts';
import { USER_SECRETS, userWithSecrets, type UserSecrets } from '../auth/user-secrets.ts';
import { mailLocale, mailWords } from '../i18n/mail-words.ts';


/**
 * Users and sign-in: sign-in (password, TOTP), profile, password change and reset,
 * invitations. Sign-in methods that plugins add (Telegram…) are in auth/provider.actions.ts, sign-up in auth/signup.actions.ts, sessions (refresh, logout, devices) in auth/session.actions.ts, TOTP enrolment
 * in auth/totp.actions.ts; all of them are actions of this one service (`auth.*`, `/api/auth/*`).
 */
export function authService(deps: () => KernelDeps): ServiceSchema {
  const d = deps;
  const sessions = sessionActions(d);
  const totp = totpActions(d);
  const openSession = sessions.openSession;
  const signup = signupActions(d, openSession);
  const providers = providerActions(d, openSession);

  return {
    name: 'auth',
    actions: kernelActions('auth', {
      ...sessions.actions,
      ...totp.actions,
      ...signup.actions,
      ...providers.actions,

      login: {
        rest: 'POST /login',
        permission: 'public',
        tenantScoped: false,
        mutates: false,
        params: Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 200 }), totp: Type.Optional(TotpCode), tenantId: Type.Optional(Type.String({ format: 'uuid' })) }, { additionalProperties: false }),
        summary: 'Sign in with e-mail and password (and TOTP when enabled)',
        async handler(ctx) {
          const { config, db, rateLimiter } = d();
          const email = ctx.params.email.trim().toLowerCase();
          await rateLimiter.hit(`login:ip:${ctx.meta.ip ?? '-'}`, config.auth.loginMaxPerIpPerMinute, 60, 'Too many sign-in attempts from this address; wait a minute');
          await rateLimiter.hit(`login:acct:${email}`, config.auth.loginMaxPerAccountPer15Minutes, 900, 'Too many sign-in attempts for this account; wait 15 minutes or reset your password');
          const [u] = await db.systemQuery<UserSecrets>(`select ${USER_SECRETS} from kernel."user" where lower(email) = $1`, [email]);
          const ok = u ? await verifyPassword(u.password_hash, ctx.params.password) : (await verifyPassword(await dummyHash(), ctx.params.password), false);
          if (!ok) throw new UnauthorizedError('Wrong e-mail or password', 'INVALID_CREDENTIALS');
          if (u.totp_enabled) {
            if (!ctx.params.totp) throw new UnauthorizedError('Enter the 6-digit code from your authenticator app', 'TOTP_REQUIRED');
            const outcome = await totp.totp().attempt(u, ctx.params.totp);
            if (outcome === 'wrong') throw new UnauthorizedError('Wrong authenticator code', 'TOTP_INVALID');
            if (outcome === 'reused') throw new UnauthorizedError('This code was already used; wait for the next one', 'TOTP_REUSED');
          }
          const memberships = await db.systemQuery('select tenant_id from kernel.membership where user_id = $1 order by created_at desc', [u.id]);
          if (!memberships.length) throw new ForbiddenError('Your account is not a member of any tenant', 'NO_TENANT');
          const tenantId = ctx.params.tenantId && memberships.some((m) => m.tenant_id === ctx.params.tenantId) ? ctx.params.tenantId : memberships[0].tenant_id;
          await rateLimiter.reset(`login:acct:${email}`, 900);
          return openSession(ctx, u.id, tenantId);
        },
      },

      createTenant: {
        rest: 'POST /tenants',
        permission: 'authenticated',
        tenantScoped: false,
        status: 201,
        params: Type.Object({ tenantName: Type.String({ minLength: 1, maxLength: 120 }) }, { additionalProperties: false }),
        summary: 'Create another tenant owned by the signed-in user',
        async handler(ctx) {
          const user = ctx.meta.user!;
          const t = await d().db.systemTransaction((c) => provisionTenant(c, { name: ctx.params.tenantName.trim(), ownerUserId: user.id }));
          return t;
        },
      },

      me: {
        rest: 'GET ~/api/me',
        permission: 'authenticated',
        async handler(ctx) {
          const { db, abilities } = d();
          const user = ctx.meta.user!;
          const tenantId = ctx.meta.tenantId!;
          const [u] = await db.systemQuery('select id, email, display_name, locale, totp_enabled from kernel."user" where id = $1', [user.id]);
          const tenants = await db.systemQuery('select t.id, t.name, t.currency, t.time_zone as "timeZone", m.roles from kernel.membership m join kernel.tenant t on t.id = m.tenant_id where m.user_id = $1 order by t.name', [user.id]);
          const { roles } = await abilities.rulesFor(tenantId, user);
          const tenant = tenants.find((t) => t.id === tenantId);
          return { user: { id: u.id, email: u.email, displayName: u.display_name, locale: u.locale, totpEnabled: u.totp_enabled }, tenant: tenant && { id: tenant.id, name: tenant.name, currency: tenant.currency, timeZone: tenant.timeZone }, tenants, roles };
        },
      },

      abilities: {
        rest: 'GET ~/api/me/abilities',
        permission: 'authenticated',
        async handler(ctx) {
          const { rules } = await d().abilities.rulesFor(ctx.meta.tenantId!, ctx.meta.user!);
          return { rules: packRules(rules as any) };
        },
      },

      updateProfile: {
        rest: 'PATCH ~/api/me',
        permission: 'authenticated',
        params: Type.Object({ displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })), locale: Type.Optional(Type.String({ pattern: '^(en|ru|uk|kk)$' })) }, { additionalProperties: false }),
        async handler(ctx) {
          const p = ctx.params;
          await d().db.systemQuery('update kernel."user" set display_name = coalesce($2, display_name), locale = coalesce($3, locale), updated_at = now() where id = $1', [ctx.meta.user!.id, p.displayName ?? null, p.locale ?? null]);
          return { ok: true };
        },
      },

      changePassword: {
        rest: 'POST /password',
        permission: 'authenticated',
        params: Type.Object({ currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password }, { additionalProperties: false }),
        async handler(ctx) {
          const { rateLimiter, config } = d();
          const u = await userWithSecrets(d().db, ctx.meta.user!.id);
          // the same per-account limit as sign-in: an access token must not let anyone guess the password
          await rateLimiter.hit(`login:acct:${u.email}`, config.auth.loginMaxPerAccountPer15Minutes, 900, 'Too many password attempts for this account; wait 15 minutes');
          if (!(await verifyPassword(u.password_hash, ctx.params.currentPassword))) throw new ValidationError('Current password is wrong', [{ field: 'currentPassword', code: 'wrongPassword', message: 'is wrong' }]);
          await rateLimiter.reset(`login:acct:${u.email}`, 900);
          const hash = await hashPassword(ctx.params.newPassword);
          // Other sign-ins end (refresh and access tokens, every node); this one goes on. One
          // transaction: the user's row is locked first, so a refresh in flight is ordered with it.
          const revoked = await d().db.systemTransaction(async (c) => {
            await c.query('update kernel."user" set password_hash = $2, updated_at = now() where id = $1', [u.id, hash]);
            return sessions.store.revokeUser(c, u.id, 'password-changed', { exceptSessionId: ctx.meta.user!.sessionId });
          });
          sessions.store.announce(revoked);
          ctx.locals.req?.audit.diff(null, { passwordChanged: true });
          return { ok: true };
        },
      },

      requestPasswordReset: {
        rest: 'POST /password-reset/request',
        permission: 'public',
        tenantScoped: false,
        status: 202,
        params: Type.Object({ email: Email }, { additionalProperties: false }),
        async handler(ctx) {
          const { db, rateLimiter, mailer, config } = d();
          const email = ctx.params.email.trim().toLowerCase();
          await rateLimiter.hit(`reset:ip:${ctx.meta.ip ?? '-'}`, 10, 900);
          await rateLimiter.hit(`reset:acct:${email}`, 3, 900, 'A reset e-mail was sent recently; check your inbox');
          const [u] = await db.systemQuery('select id, email, locale from kernel."user" where lower(email) = $1', [email]);
          // Same answer whether or not the account exists: no enumeration.
          if (u) {
            const t = TokenService.opaque();
            await db.systemQuery('insert into kernel.password_reset (token_hash, user_id, expires_at) values ($1, $2, now() + make_interval(secs => $3))', [t.hash, u.id, config.auth.resetTokenTtlSeconds]);
            const link = `${publicUrl(config)}/#/reset-password?token=${t.token}`;
            // in the account's language (set in the profile), else the one the request came in
            const words = mailWords(d().translator, mailLocale(u.locale, ctx.meta.locale), 'passwordReset', { email: u.email, link, minutes: Math.max(1, Math.round(config.auth.resetTokenTtlSeconds / 60)) });
            await mailer.send({ to: u.email, ...words });
          }
          return { accepted: true };
        },
      },

      confirmPasswordReset: {
        rest: 'POST /password-reset/confirm',
        permission: 'public',
        tenantScoped: false,
        params: Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }), password: Password }, { additionalProperties: false }),
        async handler(ctx) {
          const { db } = d();
          const rows = await db.systemQuery('update kernel.password_reset set used_at = now() where token_hash = $1 and used_at is null and expires_at > now() returning user_id', [TokenService.hash(ctx.params.token)]);
          if (!rows.length) throw new ValidationError('This reset link is invalid or expired; request a new one', [{ field: 'token', code: 'linkExpired', message: 'is invalid or expired' }]);
          const hash = await hashPassword(ctx.params.password);
          // every sign-in of the account ends: whoever made the reset necessary is out, on every node
          const revoked = await db.systemTransaction(async (c) => {
            await c.query('update kernel."user" set password_hash = $2, updated_at = now() where id = $1', [rows[0].user_id, hash]);
            return sessions.store.revokeUser(c, rows[0].user_id, 'password-reset');
          });
          sessions.store.announce(revoked);
          return { ok: true };
        },
      },

      acceptInvitation: {
        rest: 'POST /invitations/accept',
        permission: 'public',
        tenantScoped: false,
        params: Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }), password: Type.Optional(Password), displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })) }, { additionalProperties: false }),
        async handler(ctx) {
          const { db } = d();
          const hash = TokenService.hash(ctx.params.token);
          const result = await db.systemTransaction(async (c) => {
            const inv = (await c.query('update kernel.invitation set accepted_at = now() where token_hash = $1 and accepted_at is null and revoked_at is null and expires_at > now() returning *', [hash])).rows[0];
            if (!inv) throw new NotFoundError('This invitation is invalid, expired or already used', { subject: 'kernel.Invitation' }, 'INVITATION_INVALID');
            let [u] = (await c.query('select id from kernel."user" where lower(email) = $1', [inv.email.toLowerCase()])).rows;
            if (!u) {
              if (!ctx.params.password) throw new ValidationError('Choose a password to create your account', [{ field: 'password', code: 'required', message: 'is required for a new account' }]);
              u = { id: crypto.randomUUID() };
              await c.query('insert into kernel."user" (id, email, display_name, password_hash) values ($1, $2, $3, $4)', [u.id, inv.email.toLowerCase(), ctx.params.displayName ?? inv.email.split('@')[0], await hashPassword(ctx.params.password)]);
            } else if (ctx.params.password) {
              // An existing account proves itself with its own password, never by setting a new one here.
              const [row] = (await c.query('select password_hash from kernel."user" where id = $1', [u.id])).rows;
              if (!(await verifyPassword(row.password_hash, ctx.params.password))) throw new UnauthorizedError('Wrong password for the existing account', 'INVALID_CREDENTIALS');
            } else {
              throw new ValidationError('Enter the password of your existing account', [{ field: 'password', code: 'required', message: 'is required' }]);
            }
            // someone who is a member already keeps their roles: an invitation never rewrites them (it
            // could take the owner role from the last owner); role changes go through the member update
            await c.query('insert into kernel.membership (tenant_id, user_id, roles) values ($1, $2, $3) on conflict (tenant_id, user_id) do nothing', [inv.tenant_id, u.id, inv.roles]);
            await c.query(`insert into kernel.audit (tenant_id, user_id, action, subject, target_id, diff) values ($1, $2::uuid, 'auth.acceptInvitation', 'kernel.Member', $2::text, $3)`, [inv.tenant_id, u.id, JSON.stringify({ email: inv.email, roles: inv.roles })]);
            return { userId: u.id, tenantId: inv.tenant_id };
          });
          d().abilities.invalidate(result.tenantId);
          return openSession(ctx, result.userId, result.tenantId);
        },
      },
    }),
  };
}

export function publicUrl(config: KernelDeps['config']): string {
  return (config.http.publicUrl ?? `http://localhost:${config.http.port}`).replace(/\/$/, '');
}
