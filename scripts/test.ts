/**
 * `npm test`: installs the system tools the suite needs, runs every vitest test and every browser
 * test, and prints the closing line `N passed, N failed`. Exit code is non-zero on any failure.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureSystemPackages } from './system-packages.ts';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const passthrough = args.filter((a) => !a.startsWith('--only='));
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
const outDir = path.join(root, '.test-results');
// children (vitest's shim, npm, the agents tests spawn) must find Node 24 first, also when this
// script is started with node_modules/.bin/node directly instead of through npm
process.env.PATH = `${path.join(root, 'node_modules/.bin')}${path.delimiter}${process.env.PATH ?? ''}`;
fs.mkdirSync(outDir, { recursive: true });

ensureSystemPackages();

let passed = 0;
let failed = 0;
let skipped = 0;
let exit = 0;

function runVitest(label: string, extra: string[]): void {
  const json = path.join(outDir, `${label}.json`);
  fs.rmSync(json, { force: true });
  const r = spawnSync(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${json}`, ...extra], { stdio: 'inherit', cwd: root, env: process.env });
  if (r.status !== 0) exit = 1;
  if (!fs.existsSync(json)) {
    console.error(`[atrium] ${label}: vitest wrote no report (exit ${r.status}); counting as a failure`);
    failed++;
    exit = 1;
    return;
  }
  const rep = JSON.parse(fs.readFileSync(json, 'utf8'));
  passed += rep.numPassedTests;
  failed += rep.numFailedTests;
  skipped += rep.numPendingTests + (rep.numTodoTests ?? 0);
  // a suite that crashed before its tests ran counts as a failure, not as nothing
  const brokenSuites = rep.testResults.filter((t: any) => t.status === 'failed' && !t.assertionResults?.some((a: any) => a.status === 'failed')).length;
  failed += brokenSuites;
  if (rep.numFailedTests || brokenSuites) exit = 1;
}

if (!only || only === 'unit') runVitest('vitest', passthrough);
function build(label: string, args: string[]): boolean {
  console.log(`[atrium] building ${label}…`);
  const r = spawnSync('npm', args, { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`[atrium] build of ${label} failed`);
    failed++;
    exit = 1;
    return false;
  }
  return true;
}

if (!only || only === 'admin') runVitest('admin', ['--root', path.join(root, 'admin'), '--config', path.join(root, 'admin/vitest.config.ts'), ...passthrough]);
if (!only || only === 'e2e') {
  // browser tests run against the built admin and plugin UI bundles, served by a real kernel
  const e2eConfig = path.join(root, 'e2e/vitest.e2e.config.ts');
  // every plugin workspace with a `build:ui` script gets its bundle built (notes, payments, pos…)
  if (build('admin', ['run', 'build', '-w', 'admin']) && build('plugin UIs', ['run', 'build:ui', '--workspaces', '--if-present'])) {
    runVitest('e2e', ['--config', e2eConfig, ...passthrough]);
  }
}

console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(exit || (failed ? 1 : 0));
