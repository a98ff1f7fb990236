import { UnauthorizedError } from '@atrium/sdk';
import type { Database } from '../db/database.ts';

/** The columns of kernel.user that prove who someone is; read with the system role only. */
export const USER_SECRETS = 'id, email, password_hash, totp_secret, totp_enabled';
export type UserSecrets = { id: string; email: string; password_hash: string; totp_secret: string; totp_enabled: boolean };

export async function userWithSecrets(db: Database, userId: string): Promise<UserSecrets> {
  const [u] = await db.systemQuery<UserSecrets>(`select ${USER_SECRETS} from kernel."user" where id = $1`, [userId]);
  if (!u) throw new UnauthorizedError();
  return u;
}
