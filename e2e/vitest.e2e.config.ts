import { defineConfig } from 'vitest/config';

// Browser tests: Debian chromium driven by playwright-core against a real kernel that serves the
// built admin and the plugins' built UI bundles (scripts/test.ts builds them first).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    globalSetup: ['./scripts/vitest.global-setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    // as the platform runs (npm start): a key called __proto__ can never reach Object.prototype
    execArgv: ['--disable-proto=throw'],
  },
});
