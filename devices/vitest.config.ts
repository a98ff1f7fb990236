import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The device bus needs no Postgres or Redis: this config runs its tests without the root
// global setup (`npx vitest run --config devices/vitest.config.ts`). The root config runs them too.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
