import * as OTPAuth from 'otpauth';
import { AtriumError, retryAfterDetails } from '@atrium/sdk';
import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';

/**
 * TOTP codes are six digits: without a limit, 600 guesses took 4.4 s (issue 24). Every check of a
 * code — at sign-in, when enrolling, when turning it off — goes through here:
 *
 * - **Attempts per account, in PostgreSQL** (not Redis: the count survives restarts and a Redis
 *   outage, and every node sees it). An attempt is counted *before* the code is checked, by one
 *   guarded UPDATE, so N concurrent guesses cannot all slip in under the limit; a right code clears
 *   the count. After FREE_FAILURES failures in a row each further one locks the account's codes for
 *   30 s, doubling up to 15 minutes: about 100 guesses a day instead of 600 in four seconds.
 * - **A code is used once**: the time step of the last accepted code is stored per user, and a code
 *   of that step or an earlier one is refused — by the same kind of guarded UPDATE, so two requests
 *   carrying one code cannot both pass.
 */
const FREE_FAILURES = 5;
const FIRST_LOCK_SECONDS = 30;
const MAX_LOCK_SECONDS = 15 * 60;
const PERIOD_SECONDS = 30;

export class TotpLockedError extends AtriumError {
  constructor(retryAfterSeconds: number) {
    super(`Too many wrong codes; try again in ${retryAfterSeconds} s`, 429, 'TOTP_LOCKED', { details: retryAfterDetails(retryAfterSeconds) });
    this.name = 'TotpLockedError';
  }
}

export function totpFor(secret: string, email: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: 'Atrium', label: email, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: OTPAuth.Secret.fromBase32(secret) });
}

export type TotpOutcome = 'ok' | 'wrong' | 'reused';

export class TotpGuard {
  private readonly db: Database;
  private readonly logger?: Pick<Logger, 'warn'>;
  constructor(db: Database, logger?: Pick<Logger, 'warn'>) {
    this.db = db;
    this.logger = logger;
  }

  /**
   * Counts one attempt for the user, or throws TotpLockedError (429 TOTP_LOCKED with Retry-After)
   * while their codes are locked. Call before checking anything the attempt proves (a code, or the
   * password that goes with it): an attempt is a failure until `check` says otherwise.
   */
  async reserve(userId: string): Promise<void> {
    const rows = await this.db.systemQuery(
      `update kernel."user" set totp_failures = totp_failures + 1,
         totp_locked_until = case when totp_failures + 1 >= $2
           then now() + make_interval(secs => least($3 * power(2, totp_failures + 1 - $2), $4)) else null end
       where id = $1 and (totp_locked_until is null or totp_locked_until <= now())
       returning totp_failures`,
      [userId, FREE_FAILURES, FIRST_LOCK_SECONDS, MAX_LOCK_SECONDS],
    );
    if (rows.length) {
      // the attempt that reaches the limit locks (a right code lifts it): worth an operator's eye
      if (rows[0].totp_failures >= FREE_FAILURES) this.logger?.warn({ userId, failures: rows[0].totp_failures }, 'TOTP failures reached the limit: the codes of this account are locked unless this attempt is right');
      return;
    }
    const [u] = await this.db.systemQuery(`select ceil(extract(epoch from totp_locked_until - now()))::int as s from kernel."user" where id = $1`, [userId]);
    throw new TotpLockedError(Math.max(1, u?.s ?? 1));
  }

  /**
   * Checks a code against the user's secret, after `reserve`. A right code that was not used before
   * clears the failures and becomes the last used step; a wrong or reused one stays counted.
   */
  async check(user: { id: string; email: string; totp_secret: string }, code: string): Promise<TotpOutcome> {
    const now = Date.now();
    const delta = totpFor(user.totp_secret, user.email).validate({ token: code, timestamp: now, window: 1 });
    if (delta === null) return 'wrong';
    const step = Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
    const used = await this.db.systemQuery(
      `update kernel."user" set totp_last_step = $2, totp_failures = 0, totp_locked_until = null
       where id = $1 and (totp_last_step is null or totp_last_step < $2) returning id`,
      [user.id, step],
    );
    return used.length ? 'ok' : 'reused';
  }

  /** `reserve` then `check`: the whole of one code attempt. */
  async attempt(user: { id: string; email: string; totp_secret: string }, code: string): Promise<TotpOutcome> {
    await this.reserve(user.id);
    return this.check(user, code);
  }
}
