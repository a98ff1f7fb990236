import { defineConfig } from 'vitest/config';

// Unit tests of the shell's logic (no browser). Browser tests live in e2e/ and run as node scripts.
export default defineConfig({
  define: { __VUE_I18N_FULL_INSTALL__: true, __VUE_I18N_LEGACY_API__: false, __INTLIFY_PROD_DEVTOOLS__: false },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
