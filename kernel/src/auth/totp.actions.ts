import * as OTPAuth from 'otpauth';
import { Type } from 'typebox';
import { ConflictError, UnprocessableError, ValidationError } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import type { KernelActionDef, KernelCtx } from '../services/kernel-action.ts';
import { verifyPassword } from './password-hasher.ts';
import { TotpGuard, totpFor, type TotpOutcome } from './totp-guard.ts';
import { userWithSecrets } from './user-secrets.ts';

export const TotpCode = Type.String({ pattern: '^[0-9]{6}$' });

/** Enrolment, confirmation and turning TOTP off; every code goes through the guard (totp-guard.ts). */
export function totpActions(d: () => KernelDeps) {
  let guard: TotpGuard | undefined;
  const totp = () => (guard ??= new TotpGuard(d().db, d().logger));

  /** A code sent with a request: 400 naming `code` when it is wrong or was used. */
  function requireOk(outcome: TotpOutcome) {
    if (outcome === 'wrong') throw new ValidationError('Wrong code', [{ field: 'code', code: 'wrongCode', message: 'does not match' }]);
    if (outcome === 'reused') throw new ValidationError('This code was already used; wait for the next one', [{ field: 'code', code: 'codeUsed', message: 'was already used' }]);
  }
  /** Per address, on top of the per-account attempts: guesses spread over many accounts. */
  const limitPerIp = (ctx: KernelCtx) => d().rateLimiter.hit(`totp:ip:${ctx.meta.ip ?? '-'}`, d().config.auth.loginMaxPerIpPerMinute, 60, 'Too many codes tried from this address; wait a minute');

  const actions: Record<string, KernelActionDef> = {
    totpEnrol: {
      rest: 'POST /totp/enrol',
      permission: 'authenticated',
      async handler(ctx) {
        const u = await userWithSecrets(d().db, ctx.meta.user!.id);
        if (u.totp_enabled) throw new ConflictError('Two-factor authentication is already on; disable it first', 'TOTP_ALREADY_ENABLED');
        const secret = new OTPAuth.Secret({ size: 20 }).base32;
        await d().db.systemQuery('update kernel."user" set totp_secret = $2 where id = $1', [u.id, secret]);
        ctx.locals.req?.audit.skip();
        return { secret, otpauthUrl: totpFor(secret, u.email).toString() };
      },
    },

    totpVerify: {
      rest: 'POST /totp/verify',
      permission: 'authenticated',
      params: Type.Object({ code: TotpCode }, { additionalProperties: false }),
      async handler(ctx) {
        const u = await userWithSecrets(d().db, ctx.meta.user!.id);
        if (!u.totp_secret) throw new UnprocessableError('Start enrolment first', 'TOTP_NOT_ENROLLED');
        await limitPerIp(ctx);
        requireOk(await totp().attempt(u, ctx.params.code));
        await d().db.systemQuery('update kernel."user" set totp_enabled = true where id = $1', [u.id]);
        ctx.locals.req?.audit.diff({ totpEnabled: false }, { totpEnabled: true }); // not the code
        return { totpEnabled: true };
      },
    },

    totpDisable: {
      rest: 'POST /totp/disable',
      permission: 'authenticated',
      summary: 'Turn two-factor authentication off (the password and a current code)',
      params: Type.Object({ code: TotpCode, password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      async handler(ctx) {
        const u = await userWithSecrets(d().db, ctx.meta.user!.id);
        if (!u.totp_enabled) throw new UnprocessableError('Two-factor authentication is not on', 'TOTP_NOT_ENABLED');
        // a stolen access token alone must not turn the second factor off: the password too, and
        // both count against the same attempts as the code
        await limitPerIp(ctx);
        await totp().reserve(u.id);
        if (!(await verifyPassword(u.password_hash, ctx.params.password))) throw new ValidationError('Password is wrong', [{ field: 'password', code: 'wrongPassword', message: 'is wrong' }]);
        requireOk(await totp().check(u, ctx.params.code));
        await d().db.systemQuery('update kernel."user" set totp_enabled = false, totp_secret = null where id = $1', [u.id]);
        ctx.locals.req?.audit.diff({ totpEnabled: true }, { totpEnabled: false });
        return { totpEnabled: false };
      },
    },
  };

  return { actions, totp };
}
