/**
 * vue-tsc over every UI: the admin shell and each plugin's `ui/` (every `plugins/<id>/ui/tsconfig.json`),
 * two at a time. `npm run typecheck:ui`; `.ci/run` runs it in its typecheck step. Plugin UIs'
 * tsconfigs resolve from the root workspace and @atrium/sdk only, never from admin/node_modules.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const vueTsc = path.join(root, 'node_modules/.bin/vue-tsc');
const projects = [path.join(root, 'admin/tsconfig.json')];
for (const d of fs.readdirSync(path.join(root, 'plugins')).sort()) {
  const p = path.join(root, 'plugins', d, 'ui/tsconfig.json');
  if (fs.existsSync(p)) projects.push(p);
}

function check(project: string): Promise<{ project: string; ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(vueTsc, ['--noEmit', '-p', project], { cwd: path.dirname(project), env: process.env });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('close', (code) => resolve({ project: path.relative(root, project), ok: code === 0, out }));
  });
}

const queue = [...projects];
const results: Awaited<ReturnType<typeof check>>[] = [];
await Promise.all([0, 1].map(async () => {
  for (let p = queue.shift(); p; p = queue.shift()) results.push(await check(p));
}));
for (const r of results.sort((a, b) => a.project.localeCompare(b.project))) {
  console.log(`${r.ok ? 'ok    ' : 'FAILED'} ${r.project}`);
  if (!r.ok) console.log(r.out.trim().split('\n').map((l) => `  ${l}`).join('\n'));
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
