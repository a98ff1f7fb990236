import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['scripts/ci-selfcheck/failing.check.ts'],
    globalSetup: ['./scripts/vitest.global-setup.ts'],
    pool: 'forks',
  },
});
