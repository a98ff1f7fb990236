import fs from 'node:fs';
import os from 'node:os';
import { spawnSync, type ChildProcess } from 'node:child_process';

/**
 * The private servers an embedded node starts (PostgreSQL, redis-server) must never outlive it or
 * block its next start: these helpers give them a signal when the node dies, stop them within a
 * bounded time, and find the ones a node that died before left running.
 */

let setprivWorks: boolean | undefined;

/**
 * `bin args…`, wrapped so that the child gets `deathSignal` when this process dies, whatever kills
 * it (kill -9 included): util-linux's `setpriv --pdeathsig` sets the kernel's parent-death signal
 * and then becomes the program (same pid). Where it is missing (not Linux, or a very old
 * util-linux) the program runs as it is, and `stopOrphan` at the next start is the safety net.
 */
export function childCommand(bin: string, args: string[], deathSignal: 'SIGINT' | 'SIGTERM'): { command: string; args: string[] } {
  setprivWorks ??= os.platform() === 'linux' && spawnSync('setpriv', ['--pdeathsig', 'TERM', '--', 'true'], { stdio: 'ignore' }).status === 0;
  return setprivWorks ? { command: 'setpriv', args: ['--pdeathsig', deathSignal.slice(3), '--', bin, ...args] } : { command: bin, args };
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/**
 * Stops a child within a bounded time: each signal in turn, waiting up to its time for the child
 * to exit, until one works (the last should be SIGKILL). A child that is gone already returns at
 * once — waiting for an 'exit' event that came and went is how shutdowns used to hang.
 */
export async function stopProcess(child: ChildProcess, steps: [NodeJS.Signals, number][]): Promise<void> {
  for (const [signal, ms] of steps) {
    if (exited(child)) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }
}

/** A process's command line (Linux /proc, else `ps`), or null when there is no such process. */
export function commandLine(pid: number): string | null {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return null;
  }
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    const r = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  }
}

const alive = (pid: number) => {
  const cmd = commandLine(pid);
  // a zombie has no command line left and will never listen again
  return cmd !== null && cmd !== '';
};

/**
 * A server left running by a node that died before it could stop it: the pid in `pidFile` (its
 * first line, as PostgreSQL and redis-server write them), if that process is alive and `isOurs`
 * recognises its command line, is stopped — SIGINT, then SIGTERM, then SIGKILL, a few seconds
 * each. A pid that now belongs to some other program is left alone.
 */
export async function stopOrphan(pidFile: string, isOurs: (commandLine: string) => boolean): Promise<boolean> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0].trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return false;
  const cmd = commandLine(pid);
  if (!cmd || !isOurs(cmd)) return false;
  for (const [signal, ms] of [['SIGINT', 8_000], ['SIGTERM', 3_000], ['SIGKILL', 2_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return true;
    }
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && alive(pid)) await new Promise((r) => setTimeout(r, 50));
    if (!alive(pid)) return true;
  }
  return true;
}
