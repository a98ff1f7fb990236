import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('npx atrium-agent --virtual prints the test page and a receipt with no kernel and no hardware', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-cli-'));
  const bin = fileURLToPath(new URL('../../bin/atrium-agent.js', import.meta.url));
  const child = spawn(process.execPath, [bin, '--virtual', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  try {
    await expect.poll(() => (out.match(/: done/g) ?? []).length, { timeout: 20_000, interval: 100 }).toBe(2);
    expect(out).toContain('Қазақстан: әріп ғана');
    expect(out).toContain('virtual drawer kicked on pin 2');
    expect(fs.statSync(path.join(dataDir, 'credential.json')).mode & 0o777).toBe(0o600);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 30_000);
