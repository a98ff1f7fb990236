import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definePlugin, migrationChecksum, tenantRls, type PluginDefinition } from '@atrium/sdk';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import { loadConfig } from '@atrium/config';
import { startKernel } from '../src/kernel.ts';

/**
 * Issue 12: a released migration edited after it was applied stops the boot, naming the plugin, the
 * migration and what to do; an operator can accept a change the database already matches.
 */
const CREATE = `create table ledger.entry (tenant_id uuid not null, id uuid not null, amount bigint not null, primary key (tenant_id, id));
${tenantRls('ledger.entry')}`;

const ledger = (up: string): PluginDefinition => definePlugin({
  manifest: { id: 'ledger', version: '1.0.0', displayName: { en: 'Ledger' }, engines: { sdk: '^1.0.0' }, data: { owns: ['ledger.entry'] } },
  migrations: [{ name: '0001-create-entry', up }, { name: '0002-index', up: 'create index entry_amount_idx on ledger.entry (tenant_id, amount);' }],
});

let tk: TestKernel;
let owner: pg.Client;
const dbName = () => new URL(tk.databaseUrls.owner).pathname.slice(1);

/** Another node booting other code against the same database (what an upgrade does). */
async function bootWith(plugin: PluginDefinition, acceptChangedMigrations: string[] = []) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-mc-'));
  const config = loadConfig({ ignoreEnv: true, overrides: { dataDir, http: { port: 0, host: '127.0.0.1' }, auth: { jwtSecret: process.env.ATRIUM_TEST_SECRET }, log: { level: 'silent' }, database: { acceptChangedMigrations } } });
  try {
    const k = await startKernel({ config, discover: false, plugins: [plugin], ownerUrl: process.env.ATRIUM_TEST_PG_URL, databaseName: dbName(), redisUrl: process.env.ATRIUM_TEST_REDIS_URL, rootDir: dataDir });
    await k.stop();
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

beforeAll(async () => {
  tk = await createTestKernel({ plugins: [ledger(CREATE)] });
  owner = new pg.Client({ connectionString: tk.databaseUrls.owner });
  await owner.connect();
});
afterAll(async () => {
  await owner?.end();
  await tk?.stop();
});

describe('migration checksums', () => {
  it('every applied migration is recorded with its checksum', async () => {
    const { rows } = await owner.query(`select name, checksum from kernel.migration where owner = 'ledger' order by name`);
    expect(rows).toEqual([
      { name: '0001-create-entry', checksum: migrationChecksum(CREATE) },
      { name: '0002-index', checksum: migrationChecksum('create index entry_amount_idx on ledger.entry (tenant_id, amount);') },
    ]);
    const kernel = await owner.query(`select count(*)::int as n from kernel.migration where owner = 'kernel' and checksum is null`);
    expect(kernel.rows[0].n).toBe(0);
  });

  it('the same code boots again; line endings and trailing spaces are not a change', async () => {
    await bootWith(ledger(CREATE.replace(/\n/g, '  \r\n')));
  });

  it('an edited released migration stops the boot, naming the plugin, the migration and what to do', async () => {
    const edited = CREATE.replace('amount bigint not null', 'amount bigint not null, note text');
    const err = await bootWith(ledger(edited)).then(() => null, (e: Error) => e);
    expect(err?.name).toBe('MigrationChangedError');
    expect(err!.message).toContain('"0001-create-entry" of plugin "ledger"');
    expect(err!.message).toContain('applied with ledger 1.0.0');
    expect(err!.message).toMatch(/Restore the released text and put the change in a new migration/);
    expect(err!.message).toContain('ATRIUM_ACCEPT_CHANGED_MIGRATIONS=ledger/0001-create-entry');
    // nothing was applied or recorded: the table is as the released migration made it
    const cols = await owner.query(`select column_name from information_schema.columns where table_schema = 'ledger' and table_name = 'entry' order by ordinal_position`);
    expect(cols.rows.map((r) => r.column_name)).toEqual(['tenant_id', 'id', 'amount']);
    const [row] = (await owner.query(`select checksum from kernel.migration where owner = 'ledger' and name = '0001-create-entry'`)).rows;
    expect(row.checksum).toBe(migrationChecksum(CREATE));
  });

  it('an operator accepts a change the database already matches; the new checksum is recorded', async () => {
    const commented = `-- entries of the ledger\n${CREATE}`;
    await bootWith(ledger(commented), ['ledger/0001-create-entry']);
    const [row] = (await owner.query(`select checksum from kernel.migration where owner = 'ledger' and name = '0001-create-entry'`)).rows;
    expect(row.checksum).toBe(migrationChecksum(commented));
    await bootWith(ledger(commented));
  });

  it('migrations recorded before checksums existed get theirs on the next boot (no false alarm)', async () => {
    await owner.query(`update kernel.migration set checksum = null where owner = 'ledger'`);
    await bootWith(ledger(`-- entries of the ledger\n${CREATE}`));
    const { rows } = await owner.query(`select count(*)::int as n from kernel.migration where owner = 'ledger' and checksum is null`);
    expect(rows[0].n).toBe(0);
  });
});
