import crypto from 'node:crypto';
import { Type } from 'typebox';
import { ConflictError, ForbiddenError, ValidationError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import type { KernelActionDef, KernelCtx } from '../services/kernel-action.ts';
import { hashPassword } from './password-hasher.ts';
import { provisionTenant } from '../tenants/provision-tenant.ts';
import { isKnownTimeZone, TimeZone } from '../tenants/tenant-profile.ts';
import type { SessionOut } from './session.actions.ts';

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ minLength: 8, maxLength: 200 });

/** How long a sign-up confirmation link works. */
const CONFIRM_TTL_SECONDS = 24 * 3600;
/** Sign-up mails to one address per hour (someone else may be typing it). */
const MAILS_PER_ADDRESS_PER_HOUR = 3;

type PendingSignup = { v: 1; email: string; tenantName: string; passwordHash: string; displayName?: string; locale?: string; timeZone?: string; exp: number };

/**
 * Sign-up. With `auth.signupConfirmation: 'email'` (the default) the answer never says whether an
 * address has an account: every sign-up is answered 202 and a mail goes to the address — a link
 * that creates the business (the request sealed into it, so nothing is stored until it is
 * opened), or, when the address already has an account, a note to its owner with sign-in and
 * reset links. The platform's very first sign-up (no accounts to reveal yet) signs in at once, as
 * does every sign-up with `'immediate'` (closed platforms and tests; EMAIL_TAKEN then says so).
 */
export function signupActions(d: () => KernelDeps, openSession: (ctx: KernelCtx, userId: string, tenantId: string) => Promise<SessionOut>) {
  const publicUrl = () => (d().config.http.publicUrl ?? `http://localhost:${d().config.http.port}`).replace(/\/$/, '');

  /** Creates the user and the tenant, then signs in. The address may have been taken since. */
  async function createAccount(ctx: KernelCtx, s: Omit<PendingSignup, 'v' | 'exp'>): Promise<SessionOut> {
    const { userId, tenantId } = await d().db.systemTransaction(async (c) => {
      const exists = await c.query('select 1 from kernel."user" where lower(email) = $1', [s.email]);
      if (exists.rowCount) throw new ConflictError('An account with this e-mail already exists; sign in and create a new business from there', 'EMAIL_TAKEN');
      const userId = crypto.randomUUID();
      await c.query('insert into kernel."user" (id, email, display_name, password_hash, locale) values ($1, $2, $3, $4, $5)', [userId, s.email, s.displayName ?? s.email.split('@')[0], s.passwordHash, s.locale ?? 'en']);
      const t = await provisionTenant(c, { name: s.tenantName, ownerUserId: userId, locale: s.locale, timeZone: s.timeZone });
      await c.query(`insert into kernel.audit (tenant_id, user_id, action, subject, target_id, diff) values ($1::uuid, $2, 'auth.signup', 'kernel.Tenant', $1::text, $3)`, [t.id, userId, JSON.stringify({ tenantName: t.name, email: s.email })]);
      return { userId, tenantId: t.id };
    });
    return openSession(ctx, userId, tenantId);
  }

  const actions: Record<string, KernelActionDef> = {
    signup: {
      rest: 'POST /signup',
      permission: 'public',
      tenantScoped: false,
      status: 201,
      params: Type.Object({ tenantName: Type.String({ minLength: 1, maxLength: 120 }), email: Email, password: Password, displayName: Type.Optional(Type.String({ maxLength: 120 })), locale: Type.Optional(Type.String({ pattern: '^(en|ru|uk|kk)$' })), timeZone: Type.Optional(TimeZone) }, { additionalProperties: false }),
      summary: 'Create a business and its owner: 202 and a confirmation e-mail (the same answer whether or not the address has an account), or 201 signed in when sign-up needs no confirmation',
      async handler(ctx) {
        const { config, db, rateLimiter, mailer, secrets } = d();
        if (!config.auth.signupEnabled) throw new ForbiddenError('Sign-up is disabled on this platform', 'SIGNUP_DISABLED');
        if (ctx.params.timeZone !== undefined && !isKnownTimeZone(ctx.params.timeZone)) throw new ValidationError(`Unknown time zone "${ctx.params.timeZone}"`, [{ field: 'timeZone', code: 'timeZone', message: 'is not a known time zone (e.g. Asia/Almaty)' }]);
        await rateLimiter.hit(`signup:ip:${ctx.meta.ip ?? '-'}`, config.auth.signupMaxPerIpPerHour, 3600, 'Too many sign-ups from this address; try again later');
        const email = ctx.params.email.trim().toLowerCase();
        const pending = { email, tenantName: ctx.params.tenantName.trim(), passwordHash: await hashPassword(ctx.params.password), displayName: ctx.params.displayName, locale: ctx.params.locale, timeZone: ctx.params.timeZone };
        const [platform] = await db.systemQuery<{ any: boolean }>('select exists (select 1 from kernel."user") as any');
        if (config.auth.signupConfirmation === 'immediate' || !platform!.any) return createAccount(ctx, pending);

        await rateLimiter.hit(`signup:email:${email}`, MAILS_PER_ADDRESS_PER_HOUR, 3600, 'A sign-up e-mail was sent to this address recently; check the inbox');
        const [taken] = await db.systemQuery('select email from kernel."user" where lower(email) = $1', [email]);
        if (taken) {
          await mailer.send({
            to: email, subject: 'You already have an Atrium account',
            text: `Someone (perhaps you) tried to create the business "${pending.tenantName}" on Atrium with ${email}, which already has an account.\n\n`
              + `Sign in, and create the new business from your account: ${publicUrl()}/#/login\nForgot the password? ${publicUrl()}/#/forgot-password\n\nIf it wasn't you, ignore this e-mail: nothing was changed.`,
          });
        } else {
          // sealed (encrypted and authenticated with the platform secret), base64url for the link
          const token = Buffer.from(secrets.seal({ v: 1, ...pending, exp: Math.floor(Date.now() / 1000) + CONFIRM_TTL_SECONDS } satisfies PendingSignup), 'base64').toString('base64url');
          const link = `${publicUrl()}/#/confirm-signup?token=${token}`;
          await mailer.send({
            to: email, subject: `Confirm your Atrium business "${pending.tenantName}"`,
            text: `To create the business "${pending.tenantName}" on Atrium, open this link within ${CONFIRM_TTL_SECONDS / 3600} hours:\n${link}\n\nIf it wasn't you, ignore this e-mail: nothing is created without the link.`,
          });
        }
        ctx.meta.$statusCode = 202;
        return { status: 'confirmation-sent', email };
      },
    },

    confirmSignup: {
      rest: 'POST /signup/confirm',
      permission: 'public',
      tenantScoped: false,
      status: 201,
      params: Type.Object({ token: Type.String({ minLength: 20, maxLength: 4000, pattern: '^[A-Za-z0-9_-]+$' }) }, { additionalProperties: false }),
      summary: 'Open the link of the sign-up e-mail: creates the business and its owner and signs in',
      async handler(ctx) {
        const invalid = () => new ValidationError('This sign-up link is invalid or expired; sign up again', [{ field: 'token', code: 'linkExpired', message: 'is invalid or expired' }]);
        let p: PendingSignup;
        try {
          p = d().secrets.open(Buffer.from(ctx.params.token, 'base64url').toString('base64')) as PendingSignup;
        } catch {
          throw invalid();
        }
        if (p?.v !== 1 || typeof p.exp !== 'number' || p.exp < Date.now() / 1000 || typeof p.email !== 'string') throw invalid();
        return createAccount(ctx, p);
      },
    },
  };
  return { actions };
}
