import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding } from './verify.ts';

/**
 * `migrations.lock.json`: the checksum of every migration a plugin has released, written by
 * `atrium-plugin pack` (the release step) and committed with the plugin. `verify` warns when a
 * released migration's SQL has changed since — the kernel would refuse to boot on every database
 * that applied it — and `pack` refuses to publish it. Checksums are the kernel's own
 * (`migrationChecksum`), over each migration's `up` as the plugin's code builds it.
 */
export const LOCK_FILE = 'migrations.lock.json';

export type MigrationLock = { migrations: Record<string, { sha256: string; released: string }> };
type Current = { name: string; sha256: string }[];

/** The plugin's migrations as its code defines them (imported in a child process: verify stays synchronous). */
export function currentMigrations(root: string): Current | { error: string } {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const exp = pkg.exports?.['.'] ?? pkg.main ?? 'src/index.ts';
  const entry = path.join(root, typeof exp === 'string' ? exp : (exp.import ?? exp.default));
  if (!fs.existsSync(entry)) return { error: `entry ${path.relative(root, entry)} not found` };
  const checksum = pathToFileURL(path.join(import.meta.dirname, '../migration.sql.ts')).href;
  const script = `const { migrationChecksum } = await import(${JSON.stringify(checksum)});
const m = await import(${JSON.stringify(pathToFileURL(entry).href)});
const def = m.default ?? m.plugin;
process.stdout.write(JSON.stringify((def?.migrations ?? []).map((x) => ({ name: x.name, sha256: migrationChecksum(x.up) }))));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ') };
  return JSON.parse(r.stdout) as Current;
}

export function readLock(root: string): MigrationLock | null {
  const p = path.join(root, LOCK_FILE);
  return fs.existsSync(p) ? (JSON.parse(fs.readFileSync(p, 'utf8')) as MigrationLock) : null;
}

/** Released migrations that changed or disappeared since the lock was written. */
export function lockFindings(root: string, current?: Current | { error: string }): Finding[] {
  const lock = readLock(root);
  if (!lock) return [];
  const now = current ?? currentMigrations(root);
  if ('error' in now) return [{ level: 'warning', file: LOCK_FILE, message: `could not load the plugin to check its migrations: ${now.error}` }];
  const byName = new Map(now.map((m) => [m.name, m.sha256]));
  const out: Finding[] = [];
  for (const [name, rel] of Object.entries(lock.migrations)) {
    const sha = byName.get(name);
    if (sha === undefined) out.push({ level: 'warning', file: LOCK_FILE, message: `migration "${name}" (released in ${rel.released}) is gone from the code: databases that applied it keep its effects; restore it` });
    else if (sha !== rel.sha256) {
      out.push({ level: 'warning', file: LOCK_FILE, message: `migration "${name}" changed after it was released in ${rel.released}: the kernel refuses to boot where it was applied. Restore its released text and put the change in a new migration` });
    }
  }
  return out;
}

/**
 * For `pack`: refuses a changed released migration, then records every migration not yet in the
 * lock as released in `version`. Returns the lock file's path.
 */
export function updateLock(root: string, version: string): string {
  const now = currentMigrations(root);
  if ('error' in now) throw new Error(`cannot load the plugin's migrations: ${now.error}`);
  const changed = lockFindings(root, now).filter((f) => /changed after it was released/.test(f.message));
  if (changed.length) throw new Error(`released migrations changed:\n${changed.map((f) => `  ${f.message}`).join('\n')}`);
  const lock = readLock(root) ?? { migrations: {} };
  for (const m of now) lock.migrations[m.name] ??= { sha256: m.sha256, released: version };
  const file = path.join(root, LOCK_FILE);
  fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  return file;
}
