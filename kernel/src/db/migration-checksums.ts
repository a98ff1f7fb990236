import type pg from 'pg';
import { migrationChecksum } from '@atrium/sdk';
import type { MigrationSet } from './migrator.ts';

/** A migration whose code no longer matches what was applied to this database. */
export type ChangedMigration = { owner: string; name: string; version: string; appliedAt: Date; recorded: string; current: string };

/**
 * Released migrations must never change: the database ran the old text, so an edit would mean
 * nodes believe in a schema that does not exist. Every applied migration's checksum is recorded
 * (`kernel.migration.checksum`; rows from before checksums were kept get the current one, once);
 * at boot each is compared with the code's, and any difference stops the boot with a message that
 * names the plugin, the migration and what to do. `accept` (ATRIUM_ACCEPT_CHANGED_MIGRATIONS,
 * `owner/name`) takes a change whose effect the database already has — a comment, formatting —
 * and records the new checksum.
 */
export async function checkMigrationChecksums(client: pg.Client, sets: MigrationSet[], accept: readonly string[], log: (msg: string) => void): Promise<void> {
  await client.query('alter table kernel.migration add column if not exists checksum text');
  const changed: ChangedMigration[] = [];
  for (const set of sets) {
    const applied = new Map((await client.query('select name, version, applied_at, checksum from kernel.migration where owner = $1', [set.owner])).rows.map((r) => [r.name as string, r]));
    for (const m of set.migrations) {
      const row = applied.get(m.name);
      if (!row) continue;
      const current = migrationChecksum(m.up);
      if (row.checksum === current) continue;
      if (row.checksum === null || accept.includes(`${set.owner}/${m.name}`)) {
        await client.query('update kernel.migration set checksum = $3 where owner = $1 and name = $2', [set.owner, m.name, current]);
        if (row.checksum !== null) log(`accepted the changed migration ${set.owner}/${m.name} (ATRIUM_ACCEPT_CHANGED_MIGRATIONS): checksum ${row.checksum.slice(0, 12)}… → ${current.slice(0, 12)}…`);
        continue;
      }
      changed.push({ owner: set.owner, name: m.name, version: row.version, appliedAt: row.applied_at, recorded: row.checksum, current });
    }
  }
  if (changed.length) throw new MigrationChangedError(changed);
}

export class MigrationChangedError extends Error {
  readonly changed: ChangedMigration[];
  constructor(changed: ChangedMigration[]) {
    const what = changed.map((c) => `"${c.name}" of ${c.owner === 'kernel' ? 'the kernel' : `plugin "${c.owner}"`} (applied with ${c.owner} ${c.version} on ${new Date(c.appliedAt).toISOString().slice(0, 10)}; recorded checksum ${c.recorded.slice(0, 12)}…, the code's ${c.current.slice(0, 12)}…)`);
    super(
      `Migration ${what.join(' and migration ')} changed after it was applied to this database. A released migration must never change: `
      + 'this database ran the old text, and the new one would never run here. Restore the released text and put the change in a new migration '
      + `(a name sorting after the last one). If the database already matches the new text (a comment or formatting change only), accept it once with ATRIUM_ACCEPT_CHANGED_MIGRATIONS=${changed.map((c) => `${c.owner}/${c.name}`).join(',')}.`,
    );
    this.name = 'MigrationChangedError';
    this.changed = changed;
  }
}
