import crypto from 'node:crypto';
import { ConflictError, ForbiddenError, type RequestContext } from '@atrium/sdk';

/**
 * POS PINs of the people at a shared till: 4–8 digits, stored as a salted scrypt hash; five wrong
 * tries lock the PIN for five minutes (kept in the row, so it holds across nodes and restarts).
 * A PIN only picks who is at the till that is already signed in — never a login of its own.
 */
const MAX_FAILURES = 5;
const LOCK_MS = 5 * 60_000;

export function hashPin(pin: string, salt = crypto.randomBytes(16).toString('base64')): { hash: string; salt: string } {
  return { hash: crypto.scryptSync(pin, salt, 32).toString('base64'), salt };
}

export type StaffMember = { userId: string; name: string; roles: string[] };

/**
 * Checks `pin` for `userId` in a short transaction of its own (row-locked: concurrent tries count
 * one after the other), so a wrong try is counted even though the request then fails:
 * 403 PIN_WRONG (attempts left) / PIN_LOCKED. For actions declared `transaction: false`.
 */
export async function verifyPin(ctx: RequestContext, userId: string, pin: string): Promise<StaffMember> {
  const outcome = await ctx.transaction(async (tx) => {
    const [s] = await tx.em.execute('select user_id, name, roles, pin_hash, pin_salt, failures, locked_until from pos.staff where user_id = ? for update', [userId]);
    if (!s?.pin_hash) return { error: new ConflictError('This person has no POS PIN yet (a manager sets it under Staff)', 'NO_PIN', { field: 'userId' }) };
    if (s.locked_until && new Date(s.locked_until).getTime() > Date.now()) {
      return { error: new ForbiddenError('Too many wrong PINs: try again in a few minutes', 'PIN_LOCKED', { lockedUntil: s.locked_until, fields: [{ field: 'pin', code: 'pinLocked', message: 'locked for a few minutes' }] }) };
    }
    const given = Buffer.from(hashPin(pin, s.pin_salt).hash, 'base64');
    const stored = Buffer.from(s.pin_hash, 'base64');
    if (given.length !== stored.length || !crypto.timingSafeEqual(given, stored)) {
      const failures = s.failures + 1;
      const locked = failures >= MAX_FAILURES;
      await tx.em.execute('update pos.staff set failures = ?, locked_until = ? where user_id = ?', [locked ? 0 : failures, locked ? new Date(Date.now() + LOCK_MS).toISOString() : null, userId]);
      return { error: new ForbiddenError('Wrong PIN', 'PIN_WRONG', { attemptsLeft: locked ? 0 : MAX_FAILURES - failures, fields: [{ field: 'pin', code: 'pinWrong', message: 'wrong PIN' }] }) };
    }
    if (s.failures || s.locked_until) await tx.em.execute('update pos.staff set failures = 0, locked_until = null where user_id = ?', [userId]);
    return { member: { userId: s.user_id as string, name: s.name as string, roles: (s.roles ?? []) as string[] } };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.member!;
}

const sha = (token: string) => crypto.createHash('sha256').update(token).digest('base64');

/** Opens a session on a register — who serves (`operator`, the previous one ends) or a manager's one-time approval — and returns its token. */
export async function openTillSession(ctx: RequestContext, registerId: string, userId: string, kind: 'operator' | 'approval'): Promise<{ token: string; expiresAt: string }> {
  const token = crypto.randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + (kind === 'operator' ? 16 * 3_600_000 : 10 * 60_000)).toISOString();
  if (kind === 'operator') await ctx.em.execute(`update pos.till_session set ended_at = now() where register_id = ? and kind = 'operator' and ended_at is null`, [registerId]);
  await ctx.em.execute('insert into pos.till_session (tenant_id, id, register_id, user_id, kind, token_hash, expires_at) values (?, ?, ?, ?, ?, ?, ?)', [ctx.tenantId, crypto.randomUUID(), registerId, userId, kind, sha(token), expiresAt]);
  return { token, expiresAt };
}

/**
 * The operator a sale's token names on this register, or null for no token. An offline sale may
 * arrive after the session ended (the cashier switched later): a token that was valid when the
 * sale was made still counts; an unknown token is refused.
 */
export async function operatorOf(ctx: RequestContext, registerId: string, token: string | undefined, at: Date): Promise<StaffMember | null> {
  if (!token) return null;
  const [r] = await ctx.sql<{ user_id: string; name: string; roles: string[]; started_at: Date; expires_at: Date }>(
    `select t.user_id, s.name, s.roles, t.started_at, t.expires_at from pos.till_session t join pos.staff s on s.tenant_id = t.tenant_id and s.user_id = t.user_id
     where t.token_hash = $1::text and t.register_id = $2::uuid and t.kind = 'operator'`,
    [sha(token), registerId],
  );
  if (!r || at.getTime() > new Date(r.expires_at).getTime() || at.getTime() < new Date(r.started_at).getTime() - 5 * 60_000) {
    throw new ForbiddenError('The till\'s cashier session is not valid: switch the cashier again', 'OPERATOR_SESSION', { fields: [{ field: 'operatorToken', code: 'tillSessionInvalid', message: 'unknown or expired' }] });
  }
  return { userId: r.user_id, name: r.name, roles: r.roles ?? [] };
}

/** Spends a manager's approval token on this sale (once; within its ten minutes); the approver, or a 403 naming the token. */
export async function useApproval(ctx: RequestContext, registerId: string, token: string, saleId: string): Promise<StaffMember> {
  const [r] = await ctx.sql<{ user_id: string; name: string; roles: string[] }>(
    `with used as (update pos.till_session t set used_by_sale = $3::uuid, ended_at = now()
       where t.token_hash = $1::text and t.register_id = $2::uuid and t.kind = 'approval' and t.used_by_sale is null and t.expires_at > now() returning t.user_id)
     select u.user_id, s.name, s.roles from used u join pos.staff s on s.user_id = u.user_id`,
    [sha(token), registerId, saleId],
  );
  if (!r) throw new ForbiddenError('The manager\'s approval is not valid (used, expired or for another till): ask again', 'APPROVAL_INVALID', { fields: [{ field: 'approvalToken', code: 'tillSessionInvalid', message: 'used, expired or unknown' }] });
  return { userId: r.user_id, name: r.name, roles: r.roles ?? [] };
}
