/**
 * The quick start as people run it: `npm start` (scripts/start.ts) as a real process with its own
 * embedded PostgreSQL and redis-server, started, checked over HTTP and stopped with the signals
 * systemd, `docker stop` and a closing terminal send. No plugins (an empty plugin directory) and no
 * UI build, so that each start costs only the servers and the kernel's own migrations.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const node = path.join(root, 'node_modules/.bin/node');
const started: ChildProcess[] = [];
const cleanup: string[] = [];
const emptyPlugins = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-no-plugins-'));
cleanup.push(emptyPlugins);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

type Instance = { child: ChildProcess; port: number; dataDir: string; output: () => string; exited: Promise<number | null> };

/** `npm start` in its own process group (as a terminal or a service manager runs it). */
function start(dataDir: string, port: number): Instance {
  const child = spawn(node, ['--disable-proto=throw', 'scripts/start.ts'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ATRIUM_DATA_DIR: dataDir, ATRIUM_HTTP_PORT: String(port), ATRIUM_HTTP_HOST: '127.0.0.1', ATRIUM_PLUGIN_DIRS: emptyPlugins, ATRIUM_SKIP_UI_BUILD: '1', ATRIUM_LOG_LEVEL: 'warn' },
  });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, port, dataDir, output: () => out, exited };
}

/**
 * Its exit code, once it exits. Stopping must end in bounded time: a node still running a minute
 * after the signal is hung (as it used to be, logging ECONNREFUSED forever), not slow.
 */
async function exitCode(i: Instance): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`Atrium did not exit within a minute of the signal:\n${i.output().slice(-2000)}`)), 60_000)));
  try {
    return await Promise.race([i.exited, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until /api/health answers 200, or the process exits (then fails with its output). */
async function healthy(i: Instance): Promise<any> {
  let gone = false;
  void i.exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`Atrium exited before it was up:\n${i.output()}`);
    const r = await fetch(`http://127.0.0.1:${i.port}/api/health`).catch(() => null);
    if (r?.status === 200) return r.json();
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** The pids of the instance's private servers: PostgreSQL's from its postmaster.pid, redis-server's by its working directory (it runs in its --dir). */
function serverPids(dataDir: string): { postgres: number; redis: number } {
  const postgres = Number(fs.readFileSync(path.join(fs.realpathSync(path.join(dataDir, 'pg')), 'postmaster.pid'), 'utf8').split('\n')[0].trim());
  const redisDir = path.join(dataDir, 'redis');
  const redis = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).find((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'redis-server' && fs.readlinkSync(`/proc/${pid}/cwd`) === redisDir;
    } catch {
      return false;
    }
  });
  if (!redis) throw new Error(`no redis-server runs in ${redisDir}`);
  return { postgres, redis };
}

/** Alive and not a zombie (a dead child nobody reaped yet holds no port and no file). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

afterAll(() => {
  for (const c of started) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
});

describe('npm start', () => {
  it('starts in a directory only its owner may enter (as root: PostgreSQL runs as postgres); SIGTERM to its process group stops it and its servers; a restart right after works', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-home-'));
    cleanup.push(home);
    fs.chmodSync(home, 0o700);
    const dataDir = path.join(home, 'atrium', '.atrium');
    const first = start(dataDir, await freePort());
    expect((await healthy(first)).checks.database.state).toBe('ok');
    const pgDir = fs.realpathSync(path.join(dataDir, 'pg'));
    if (process.getuid?.() === 0) {
      // the postgres user cannot pass the 0700 directory: its files went where it can reach them
      expect(fs.lstatSync(path.join(dataDir, 'pg')).isSymbolicLink()).toBe(true);
      expect(pgDir.startsWith('/var/lib/atrium/')).toBe(true);
      cleanup.push(pgDir);
    }
    const pids = serverPids(dataDir);
    expect(running(pids.postgres) && running(pids.redis)).toBe(true);

    process.kill(-first.child.pid!, 'SIGTERM');
    expect(await exitCode(first)).toBe(0);
    expect(first.output()).toContain('Stopping Atrium…');
    // stopped means its servers are gone before it exits
    expect(running(pids.postgres)).toBe(false);
    expect(running(pids.redis)).toBe(false);

    const again = start(dataDir, first.port);
    expect((await healthy(again)).checks.redis.state).toBe('ok');
    process.kill(-again.child.pid!, 'SIGTERM');
    expect(await exitCode(again)).toBe(0);
  }, 240_000);

  it('stops within bounds when its redis-server is killed in the same moment (a service manager signals every process), and a kill -9 leaves nothing that blocks the next start', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-kill-'));
    fs.chmodSync(dataDir, 0o755); // not the 0700 case: that one has its own test
    cleanup.push(dataDir);
    const a = start(dataDir, await freePort());
    await healthy(a);
    const pids = serverPids(dataDir);
    cleanup.push(fs.realpathSync(path.join(dataDir, 'pg')));
    process.kill(pids.redis, 'SIGTERM');
    process.kill(-a.child.pid!, 'SIGTERM');
    expect(await exitCode(a)).toBe(0);
    expect(running(pids.postgres)).toBe(false);

    const b = start(dataDir, a.port);
    await healthy(b);
    const before = serverPids(dataDir);
    process.kill(-b.child.pid!, 'SIGKILL'); // the node only: its servers are process groups of their own
    await b.exited;
    const c = start(dataDir, a.port);
    expect((await healthy(c)).status).toBe('ok');
    const after = serverPids(dataDir);
    expect(after.postgres).not.toBe(before.postgres);
    expect(running(before.postgres) || running(before.redis)).toBe(false);
    process.kill(-c.child.pid!, 'SIGTERM');
    expect(await exitCode(c)).toBe(0);
  }, 240_000);

  it('runs two instances side by side (different data directories and HTTP ports), started at the same moment', async () => {
    const dirs = [fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-a-')), fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-b-'))];
    for (const d of dirs) fs.chmodSync(d, 0o755);
    cleanup.push(...dirs);
    const ports = [await freePort(), await freePort()];
    const both = dirs.map((d, i) => start(d, ports[i]));
    const health = await Promise.all(both.map(healthy));
    expect(health.map((h) => h.status)).toEqual(['ok', 'ok']);
    for (const d of dirs) cleanup.push(fs.realpathSync(path.join(d, 'pg')));
    // each chose its own ports for its private servers, and remembers them
    const chosen = dirs.map((d) => JSON.parse(fs.readFileSync(path.join(d, 'embedded-ports.json'), 'utf8')));
    expect(chosen[0].postgres).not.toBe(chosen[1].postgres);
    expect(chosen[0].redis).not.toBe(chosen[1].redis);
    for (const i of both) process.kill(-i.child.pid!, 'SIGTERM');
    expect(await Promise.all(both.map(exitCode))).toEqual([0, 0]);
  }, 240_000);
});
