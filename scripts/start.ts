/**
 * `npm start`: one Atrium node on the embedded default — embedded PostgreSQL and a local
 * redis-server in ATRIUM_DATA_DIR (default .atrium/), the API and the admin on ATRIUM_HTTP_PORT
 * (default 8080). Set ATRIUM_PROFILE=distributed and the URLs to join a cluster instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadConfig, ConfigError } from '@atrium/config';
import { guardProcess, startKernel } from '@atrium/kernel';

const root = path.resolve(import.meta.dirname, '..');
guardProcess(); // no request, metric or plugin error ends the process (and __proto__ is off, as with --disable-proto=throw)

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`Atrium cannot start: ${e.message}`);
    process.exit(2);
  }
  throw e;
}

ensureUiBuilt();

/**
 * Stop means stopped, within a bounded time: the first SIGINT/SIGTERM/SIGHUP (Ctrl-C, systemd,
 * `docker stop`, a closing terminal — often sent to the whole process group) stops the node: its
 * work first, then its private PostgreSQL and redis-server, which are their own process groups and
 * so wait for it (steps that hang on a server already gone are left behind after a few seconds,
 * kernel.ts). The process exits only once they are gone, or after STOP_MS whatever happened; a
 * second signal exits at once. A node killed outright (kill -9) takes its servers with it
 * (parent-death signal), and the next start stops any it left behind (their pid files).
 */
const STOP_MS = 30_000;
let kernel: Awaited<ReturnType<typeof startKernel>> | null = null;
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    if (stopping) {
      console.log('Stopping at once.');
      process.exit(1);
    }
    stopping = true;
    console.log('\nStopping Atrium…');
    setTimeout(() => {
      console.error(`Atrium did not stop within ${STOP_MS / 1000} s; exiting.`);
      process.exit(1);
    }, STOP_MS).unref();
    // a signal during startup: stop as soon as the start has got far enough to be stopped
    if (kernel) void stop();
  });
}

async function stop(): Promise<never> {
  await kernel!.stop().catch((e) => console.error(`Stopping failed: ${e?.message ?? e}`));
  console.log('Stopped.');
  process.exit(0);
}

kernel = await startKernel({ config, rootDir: root }).catch((e) => {
  console.error(stopping ? "Stopped." : `Atrium failed to start: ${process.env.ATRIUM_LOG_LEVEL === "debug" ? e?.stack : (e?.message ?? e)}`);
  process.exit(stopping ? 0 : 1);
});
if (stopping) await stop();

const shown = `http://localhost:${config.http.port}`;
const [{ n }] = await kernel.deps.db.systemQuery<{ n: number }>('select count(*)::int as n from kernel."user"');
console.log(`\n  Atrium is running (${config.profile}, node ${kernel.broker.nodeID})`);
if (kernel.url) {
  console.log(`  Admin:    ${shown}/`);
  console.log(`  API docs: ${shown}/api/docs`);
  console.log(`  Health:   ${shown}/api/health`);
}
console.log(`  Data:     ${path.resolve(root, config.dataDir)}`);
if (n === 0 && kernel.url) {
  console.log(`\n  First start: create the first tenant and its owner at`);
  console.log(`    ${shown}/#/signup`);
  console.log(`  or: curl -X POST ${shown}/api/auth/signup -H 'content-type: application/json' \\`);
  console.log(`        -d '{"tenantName":"My shop","email":"you@example.com","password":"at-least-8-chars"}'`);
}
console.log('\n  Ctrl-C to stop.\n');

/**
 * The admin shell and the plugins' UI bundles are built on first start (a fresh clone has no
 * dist/), so `npm install && npm start` gives a working admin in the browser. Later starts reuse
 * the build; delete a dist/ (or run `npm run build -w admin`) after changing UI code.
 */
function ensureUiBuilt(): void {
  if (process.env.ATRIUM_SKIP_UI_BUILD === '1' || (config.profile === 'distributed' && !process.env.ATRIUM_BUILD_UI)) return;
  const run = (label: string, args: string[]) => {
    console.log(`  Building ${label} (first start only)…`);
    const r = spawnSync('npm', args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) console.error(`  Building ${label} failed (exit ${r.status}); the API still starts.`);
  };
  if (!fs.existsSync(path.join(root, 'admin/dist/index.html'))) run('the admin', ['run', 'build', '-w', 'admin']);
  for (const dir of fs.readdirSync(path.join(root, 'plugins'))) {
    const pkgFile = path.join(root, 'plugins', dir, 'package.json');
    const manifestFile = path.join(root, 'plugins', dir, 'atrium.plugin.json');
    if (!fs.existsSync(pkgFile) || !fs.existsSync(manifestFile)) continue;
    const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8'));
    const entry = JSON.parse(fs.readFileSync(manifestFile, 'utf8')).ui?.entry;
    if (pkg.scripts?.['build:ui'] && entry && !fs.existsSync(path.join(root, 'plugins', dir, entry))) run(`the ${dir} UI`, ['run', 'build:ui', '-w', `plugins/${dir}`]);
  }
}
