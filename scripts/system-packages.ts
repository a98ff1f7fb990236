import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** Debian packages the test suite needs, by the command that proves each is there. */
export const TEST_PACKAGES: { bin: string; pkg: string; why: string }[] = [
  { bin: 'redis-server', pkg: 'redis-server', why: 'BullMQ queues, rate limits' },
  { bin: 'nats-server', pkg: 'nats-server', why: 'multi-node transporter tests' },
  { bin: 'pgbench', pkg: 'postgresql-client-15', why: 'benchmark anchors' },
  { bin: 'chromium', pkg: 'chromium', why: 'browser tests (playwright-core)' },
  { bin: 'dovecot', pkg: 'dovecot-imapd', why: 'e-mail channel tests (a real IMAP server with IDLE)' },
];

export const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;

function debianLike(): boolean {
  try {
    return /^(ID|ID_LIKE)=.*(debian|ubuntu)/m.test(fs.readFileSync('/etc/os-release', 'utf8'));
  } catch {
    return false;
  }
}

/** Installs what is missing (Debian/Ubuntu as root), or says exactly what to install. */
export function ensureSystemPackages(wanted = TEST_PACKAGES): void {
  const missing = wanted.filter((p) => !has(p.bin));
  if (!missing.length) return;
  const names = missing.map((p) => p.pkg).join(' ');
  if (debianLike() && process.getuid?.() === 0) {
    console.log(`[atrium] installing Debian packages: ${names}`);
    const r = spawnSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${names}`], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`apt-get install ${names} failed`);
    return;
  }
  const lines = missing.map((p) => `  ${p.bin} (${p.why}) — Debian/Ubuntu package "${p.pkg}"`).join('\n');
  throw new Error(`Missing tools:\n${lines}\nInstall them, e.g.: sudo apt-get install ${names}`);
}
