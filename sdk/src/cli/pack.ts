import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyPlugin } from './verify.ts';
import { LOCK_FILE, updateLock } from './migration-lock.ts';

/**
 * Builds a publishable tarball: verify, record the released migrations (migrations.lock.json), compile src/ to dist/ (Node does not strip types inside
 * node_modules, so a published plugin ships JavaScript), point `exports` at dist, `npm pack`.
 */
export function packPlugin(dir: string, outDir = dir): string {
  const root = path.resolve(dir);
  const errors = verifyPlugin(root).filter((f) => f.level === 'error');
  if (errors.length) throw new Error(`verify failed:\n${errors.map((e) => `  ${e.file}: ${e.message}`).join('\n')}`);
  // this is the release: its migrations are recorded as released (a changed released one stops it)
  updateLock(root, JSON.parse(fs.readFileSync(path.join(root, 'atrium.plugin.json'), 'utf8')).version);
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-pack-'));
  for (const entry of ['package.json', 'atrium.plugin.json', LOCK_FILE, 'README.md', 'src', 'ui/dist', 'messages']) {
    const from = path.join(root, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(stage, entry), { recursive: true, filter: (p) => !p.endsWith('.test.ts') });
  }
  fs.writeFileSync(path.join(stage, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2024', module: 'nodenext', moduleResolution: 'nodenext', rootDir: 'src', outDir: 'dist', declaration: true, skipLibCheck: true, resolveJsonModule: true, rewriteRelativeImportExtensions: true, allowImportingTsExtensions: true, strict: false, noCheck: true, types: [] },
    include: ['src'],
  }));
  // the manifest and catalog imports (../atrium.plugin.json, ../messages/en.json) must resolve from dist/ exactly as from src/
  const tscBin = path.join(path.dirname(require_resolve('typescript/package.json', root)), 'bin/tsc');
  const tsc = spawnSync(process.execPath, [tscBin, '-p', stage], { cwd: stage, encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  fs.rmSync(path.join(stage, 'src'), { recursive: true, force: true });
  fs.rmSync(path.join(stage, 'tsconfig.json'));
  const pkg = JSON.parse(fs.readFileSync(path.join(stage, 'package.json'), 'utf8'));
  pkg.exports = { '.': { types: './dist/index.d.ts', default: './dist/index.js' } };
  pkg.files = ['dist', 'ui/dist', 'messages', 'atrium.plugin.json', LOCK_FILE, 'README.md'];
  delete pkg.scripts;
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  const r = spawnSync('npm', ['pack', '--pack-destination', path.resolve(outDir), '--json'], { cwd: stage, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
  fs.rmSync(stage, { recursive: true, force: true });
  return path.join(path.resolve(outDir), info.filename);
}

function require_resolve(id: string, from: string): string {
  const { createRequire } = process.getBuiltinModule('node:module') as typeof import('node:module');
  for (const base of [from, import.meta.dirname]) {
    try {
      return createRequire(path.join(base, 'package.json')).resolve(id);
    } catch {}
  }
  throw new Error(`cannot find ${id}: install typescript in the plugin or beside it`);
}
