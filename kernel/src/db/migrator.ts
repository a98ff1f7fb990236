import pg from 'pg';
import type { Migration } from '@atrium/sdk';
import { migrationChecksum } from '@atrium/sdk';
import { grantsFor } from './roles.ts';
import { checkMigrationChecksums } from './migration-checksums.ts';

export type MigrationSet = { owner: string; schema: string; version: string; migrations: Migration[] };

/**
 * Applies kernel and plugin migrations as the owner, once per database, under an advisory lock so
 * concurrent nodes don't race. Each migration runs in its own transaction and is recorded by
 * (owner, name) with the owner's version and its checksum — plugins can't collide, reruns are
 * no-ops, and an applied migration whose text changed since stops the boot (migration-checksums.ts).
 */
export async function runMigrations(ownerUrl: string, sets: MigrationSet[], log: (msg: string) => void = () => {}, opts: { acceptChanged?: readonly string[] } = {}): Promise<number> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  let applied = 0;
  try {
    await client.query('select pg_advisory_lock(727275)');
    await client.query(`create schema if not exists kernel;
      create table if not exists kernel.migration (owner text not null, name text not null, version text not null,
        applied_at timestamptz not null default now(), primary key (owner, name))`);
    // an edited released migration stops the boot here, before anything else is applied
    await checkMigrationChecksums(client, sets, opts.acceptChanged ?? [], log);
    for (const set of sets) {
      const done = new Set((await client.query('select name from kernel.migration where owner = $1', [set.owner])).rows.map((r) => r.name));
      const pending = [...set.migrations].sort((a, b) => a.name.localeCompare(b.name)).filter((m) => !done.has(m.name));
      if (!pending.length) continue;
      await client.query(`create schema if not exists ${set.schema}`);
      for (const m of pending) {
        await client.query('begin');
        try {
          await client.query(m.up);
          await client.query('insert into kernel.migration (owner, name, version, checksum) values ($1, $2, $3, $4)', [set.owner, m.name, set.version, migrationChecksum(m.up)]);
          await client.query(grantsFor(set.schema));
          await client.query('commit');
          applied++;
          log(`migrated ${set.owner} ${m.name}`);
        } catch (e) {
          await client.query('rollback');
          throw new Error(`Migration ${set.owner}/${m.name} failed: ${(e as Error).message}`);
        }
      }
    }
    // The audit log is append-only for the app: no update/delete even by a buggy handler.
    await client.query(`revoke update, delete on kernel.audit from atrium_app`).catch(() => {});
    // Users and sessions are global: requests see only non-secret user columns.
    await client.query(`revoke all on kernel."user", kernel.session, kernel.password_reset from atrium_app`).catch(() => {});
    await client.query(`grant select (id, email, display_name, locale, created_at) on kernel."user" to atrium_app`).catch(() => {});
    await client.query('select pg_advisory_unlock(727275)');
  } finally {
    await client.end();
  }
  return applied;
}

/** Tables in a plugin's schema that hold tenant_id but lack RLS — the kernel refuses such plugins. */
export async function tablesMissingRls(ownerUrl: string, schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const r = await client.query(
      `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = $1 and c.relkind = 'r'
          and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
          and (not c.relrowsecurity or not exists (select 1 from pg_policy p where p.polrelid = c.oid))`,
      [schema],
    );
    return r.rows.map((x) => `${schema}.${x.relname}`);
  } finally {
    await client.end();
  }
}
