import crypto from 'node:crypto';
import pg from 'pg';

export const APP_ROLE = 'atrium_app';
export const SYSTEM_ROLE = 'atrium_system';

/** Role passwords derive from the shared secret so every node of a cluster computes the same ones. */
export function derivedPassword(secret: string, role: string): string {
  return crypto.createHmac('sha256', secret).update(`db-role:${role}`).digest('base64url');
}

function withCredentials(url: string, user: string, password: string, database?: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  if (database) u.pathname = `/${database}`;
  return u.toString();
}

export type DatabaseUrls = { owner: string; app: string; system: string };

/**
 * Makes sure the database and the two runtime roles exist:
 *  - atrium_app: what requests run as. Not the owner, NOBYPASSRLS — RLS always applies.
 *  - atrium_system: kernel maintenance across tenants (login lookups, outbox relay). BYPASSRLS.
 * Migrations run with the owner URL. Idempotent and safe when several nodes boot at once.
 */
export async function ensureDatabaseAndRoles(ownerUrl: string, secret: string, database?: string): Promise<DatabaseUrls> {
  const admin = new pg.Client({ connectionString: ownerUrl });
  await admin.connect();
  try {
    await admin.query(`select pg_advisory_lock(727274)`);
    for (const [role, bypass] of [[APP_ROLE, false], [SYSTEM_ROLE, true]] as const) {
      const pw = derivedPassword(secret, role).replace(/'/g, "''");
      const attrs = `login nosuperuser nocreatedb nocreaterole ${bypass ? 'bypassrls' : 'nobypassrls'} password '${pw}'`;
      // Roles are cluster-wide but the advisory lock above is per database: nodes booting into other
      // databases of one cluster (test kernels, several platforms) can touch a role at the same moment
      // ("tuple concurrently updated", or a create that lost to another's). Try again; it converges.
      for (let attempt = 1; ; attempt++) {
        const exists = await admin.query('select 1 from pg_roles where rolname = $1', [role]);
        try {
          await admin.query(exists.rowCount ? `alter role ${role} ${attrs}` : `create role ${role} ${attrs}`);
          break;
        } catch (e) {
          const err = e as { code?: string; message?: string };
          const raced = err.code === '42710' || err.code === '23505' || /tuple concurrently updated/.test(err.message ?? '');
          if (!raced || attempt >= 10) throw e;
          await new Promise((r) => setTimeout(r, 20 * attempt));
        }
      }
    }
    if (database) {
      const has = await admin.query('select 1 from pg_database where datname = $1', [database]);
      if (!has.rowCount) await admin.query(`create database "${database}"`);
    }
    await admin.query(`select pg_advisory_unlock(727274)`);
  } finally {
    await admin.end();
  }
  const db = database ?? new URL(ownerUrl).pathname.slice(1);
  return {
    owner: withCredentials(ownerUrl, decodeURIComponent(new URL(ownerUrl).username), decodeURIComponent(new URL(ownerUrl).password), db),
    app: withCredentials(ownerUrl, APP_ROLE, derivedPassword(secret, APP_ROLE), db),
    system: withCredentials(ownerUrl, SYSTEM_ROLE, derivedPassword(secret, SYSTEM_ROLE), db),
  };
}

/** Grants the runtime roles access to a schema's tables (run after each migration batch). */
export function grantsFor(schema: string): string {
  return `
grant usage on schema ${schema} to ${APP_ROLE}, ${SYSTEM_ROLE};
grant select, insert, update, delete on all tables in schema ${schema} to ${APP_ROLE}, ${SYSTEM_ROLE};
grant usage, select on all sequences in schema ${schema} to ${APP_ROLE}, ${SYSTEM_ROLE};
`;
}
