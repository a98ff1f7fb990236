// Size budget numbers for `npm run bench` (issue 3): prints JSON lines
//   admin.shell.js.gzip     KB of gzipped JS the login page loads on first visit (the entry
//                           and every chunk it imports statically or preloads, plus the login page)
//   admin.plugin.bundle.gzip KB of gzipped JS of plugins/notes/ui/dist/index.js
// Reads build output; run `npm run build -w admin` (and the notes UI build) first.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const admin = fileURLToPath(new URL('..', import.meta.url));
const dist = join(admin, 'dist');
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

// Follow static imports from the entry (the modulepreload list is the same set, but walking the
// graph also catches chunks without a preload link).
const seen = new Set();
function walk(rel) {
  if (seen.has(rel)) return;
  seen.add(rel);
  const src = readFileSync(join(dist, rel), 'utf8');
  for (const m of src.matchAll(/(?:import|export)\s*(?:[^'"()]*?from\s*)?["'](\.\/[^"']+\.js)["']/g)) {
    walk(join(rel, '..', m[1]).replace(/^\.\//, ''));
  }
}
for (const m of html.matchAll(/<script type="module"[^>]*src="\.\/([^"]+)"/g)) walk(m[1]);
// the login route's lazy chunk (+ its static imports) is loaded before first paint of /#/login
const manifestChunks = [...html.matchAll(/href="\.\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
manifestChunks.forEach(walk);
const entrySrc = [...seen].map((f) => readFileSync(join(dist, f), 'utf8')).join('\n');
const login = entrySrc.match(/assets\/LoginPage-[\w-]+\.js/)?.[0] ?? [...entrySrc.matchAll(/"\.\/(LoginPage-[\w-]+\.js)"/g)].map((m) => 'assets/' + m[1])[0];
if (login) walk(login);

const shellKB = [...seen].reduce((n, f) => n + gz(join(dist, f)), 0) / 1024;
console.log(JSON.stringify({ metric: 'admin.shell.js.gzip', value: +shellKB.toFixed(1), unit: 'KB', goal: 250, files: seen.size, includesLoginPage: !!login }));

const notes = join(admin, '..', 'plugins', 'notes', 'ui', 'dist', 'index.js');
if (existsSync(notes)) {
  console.log(JSON.stringify({ metric: 'admin.plugin.bundle.gzip', plugin: 'notes', value: +(gz(notes) / 1024).toFixed(1), unit: 'KB', goal: 10 }));
} else {
  console.log(JSON.stringify({ metric: 'admin.plugin.bundle.gzip', plugin: 'notes', skipped: 'plugins/notes/ui/dist/index.js not built' }));
}
