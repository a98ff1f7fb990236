import { defineConfig } from 'vitest/config';

// One root config for every workspace: tests live beside the code they test.
// The global setup starts one embedded PostgreSQL (and checks Redis) for the whole run;
// each test kernel gets its own database cloned from a migrated template.
export default defineConfig({
  test: {
    include: [
      'config/**/*.test.ts',
      'sdk/**/*.test.ts',
      'kernel/**/*.test.ts',
      'devices/**/*.test.ts',
      'plugins/*/src/**/*.test.ts',
      'plugins/*/test/**/*.test.ts',
      'scripts/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['./scripts/vitest.global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // as the platform runs (npm start): a key called __proto__ can never reach Object.prototype
    execArgv: ['--disable-proto=throw'],
  },
});
