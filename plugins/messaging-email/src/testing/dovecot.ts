// A private Dovecot (Debian package `dovecot-imapd`, a real IMAP server with IDLE) for tests: its own
// config, users, maildirs and log in a temporary directory, listening on 127.0.0.1 only, plain IMAP
// with plain-text logins allowed (loopback). Dovecot drops privileges to its own system users, so
// it is started as root (as the test suite runs here and in CI); elsewhere it says what it needs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type Dovecot = {
  host: string;
  port: number;
  users: { user: string; password: string }[];
  /** The server's log so far (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
};

const which = (bin: string) => ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => path.join(d, bin)).find((p) => fs.existsSync(p)) ?? null;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForGreeting(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      let buf = '';
      s.on('data', (d) => {
        buf += d;
        if (buf.includes('* OK')) {
          s.destroy();
          resolve(true);
        }
      });
      s.on('error', () => resolve(false));
      setTimeout(() => {
        s.destroy();
        resolve(false);
      }, 1000);
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error('dovecot did not answer');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startDovecot(users: { user: string; password: string }[]): Promise<Dovecot> {
  const bin = which('dovecot');
  if (!bin) throw new Error('dovecot is not installed: Debian package "dovecot-imapd" (scripts/system-packages.ts installs it for npm test)');
  if (process.getuid?.() !== 0) throw new Error('a private dovecot for tests needs root (it drops privileges to its own users)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-dovecot-'));
  fs.chmodSync(dir, 0o755);
  for (const d of ['run', 'state', 'mail']) fs.mkdirSync(path.join(dir, d));
  const id = spawnSync('id', ['-u', 'dovecot'], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', 'dovecot'], { encoding: 'utf8' });
  fs.chownSync(path.join(dir, 'mail'), Number(id.stdout), Number(gid.stdout));
  fs.writeFileSync(path.join(dir, 'users'), users.map((u) => `${u.user}:{PLAIN}${u.password}`).join('\n') + '\n', { mode: 0o644 });
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(conf, `
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:${dir}/mail/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`);
  const child: ChildProcess = spawn(bin, ['-F', '-c', conf], { stdio: 'ignore' });
  const log = () => (fs.existsSync(path.join(dir, 'dovecot.log')) ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : '');
  try {
    await waitForGreeting(port, Date.now() + 15_000);
  } catch (e) {
    child.kill('SIGTERM');
    throw new Error(`${(e as Error).message}: ${log().slice(-1000)}`);
  }
  return {
    host: '127.0.0.1', port, users, log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
