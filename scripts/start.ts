/**
 * `npm start`: one Atrium node on the embedded default — embedded PostgreSQL and a local
 * redis-server in ATRIUM_DATA_DIR (default .atrium/), the API and the admin on ATRIUM_HTTP_PORT
 * (default 8080). Set ATRIUM_PROFILE=distributed and the URLs to join a cluster instead.
 */
import path from 'node:path';
import { loadConfig, ConfigError } from '@atrium/config';
import { startKernel } from '@atrium/kernel';

const root = path.resolve(import.meta.dirname, '..');

let config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`Atrium cannot start: ${e.message}`);
    process.exit(2);
  }
  throw e;
}

const kernel = await startKernel({ config, rootDir: root }).catch((e) => {
  console.error(`Atrium failed to start: ${e?.stack ?? e}`);
  process.exit(1);
});

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

let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping Atrium…');
    await kernel.stop();
    console.log('Stopped cleanly.');
    process.exit(0);
  });
}
