/** Size budgets of the admin (issue 3): builds the shell and the notes UI, then measures gzip KB. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { BenchResult } from './bench-env.ts';

const root = path.resolve(import.meta.dirname, '..');

export default async function run(): Promise<BenchResult[]> {
  for (const args of [['run', 'build', '-w', 'admin'], ['run', 'build:ui', '-w', 'plugins/notes']]) {
    const r = spawnSync('npm', args, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed: ${r.stderr.slice(-500)}`);
  }
  const r = spawnSync(path.join(root, 'node_modules/.bin/node'), ['scripts/measure-size.mjs'], { cwd: path.join(root, 'admin'), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`measure-size failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as BenchResult);
}
