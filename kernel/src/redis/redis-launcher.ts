import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { childCommand, stopOrphan, stopProcess } from '../process/child-process.ts';
import { portFree } from '../process/embedded-ports.ts';

export type RedisHandle = { url: string; stop(): Promise<void> };

function which(bin: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function isDebianLike(): boolean {
  try {
    const os = fs.readFileSync('/etc/os-release', 'utf8');
    return /^(ID|ID_LIKE)=.*(debian|ubuntu)/m.test(os);
  } catch {
    return false;
  }
}

/** Finds redis-server; on Debian/Ubuntu as root installs it, otherwise explains what to install. */
export function ensureRedisServer(log: (m: string) => void): string {
  const found = which('redis-server');
  if (found) return found;
  if (isDebianLike() && process.getuid?.() === 0) {
    log('redis-server not found: installing the Debian package "redis-server" (apt-get)…');
    const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'], { stdio: 'inherit' });
    const again = which('redis-server');
    if (r.status === 0 && again) return again;
  }
  throw new Error(
    'Atrium needs redis-server on the PATH for the embedded profile.\n' +
      '  Debian/Ubuntu: sudo apt-get install redis-server\n' +
      '  Fedora/RHEL:   sudo dnf install redis\n' +
      '  macOS:         brew install redis\n' +
      'or point ATRIUM_REDIS_URL at an existing Redis.',
  );
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not start listening on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/**
 * Starts a private redis-server bound to loopback, persisting into `dir` (AOF), stopped with the
 * node. Like the embedded PostgreSQL it is its own process group (a signal to the node's group
 * reaches the node, which stops its work before stopping this server), gets SIGTERM when the node
 * dies (`childCommand`), and one left running by a node that died otherwise — its pid file in
 * `dir` names a live redis-server — is stopped first.
 */
export async function startLocalRedis(opts: { dir: string; port: number; log?: (m: string) => void; persist?: boolean }): Promise<RedisHandle & { pid: number }> {
  const bin = ensureRedisServer(opts.log ?? (() => {}));
  const dir = path.resolve(opts.dir);
  fs.mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, 'redis.pid');
  await stopOrphan(pidFile, (cmd) => cmd.includes('redis-server'));
  // something else answering on the port would look like our server starting
  if (!(await portFree(opts.port))) throw new Error(`Port ${opts.port} for the private redis-server is taken by another program: free it, or set ATRIUM__REDIS__EMBEDDED_PORT to a free port.`);
  const args = ['--bind', '127.0.0.1', '--port', String(opts.port), '--dir', dir, '--protected-mode', 'yes', '--pidfile', pidFile, '--daemonize', 'no'];
  if (opts.persist === false) args.push('--save', '', '--appendonly', 'no');
  else args.push('--appendonly', 'yes', '--save', '60 1');
  const { command, args: argv } = childCommand(bin, args, 'SIGTERM');
  const child: ChildProcess = spawn(command, argv, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForPort(opts.port, 10_000),
      exited.then(() => {
        const busy = /Address already in use/i.test(stderr) ? ` Port ${opts.port} is taken by another program: free it, or set ATRIUM__REDIS__EMBEDDED_PORT to a free port.` : '';
        throw new Error(`redis-server exited:${busy} ${stderr.trim().split('\n').pop() ?? ''}`);
      }),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    url: `redis://127.0.0.1:${opts.port}`,
    pid: child.pid!,
    stop: () => stopProcess(child, [['SIGTERM', 5_000], ['SIGKILL', 2_000]]),
  };
}
