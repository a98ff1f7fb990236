#!/usr/bin/env node
// The CLI is TypeScript run by Node 24's type stripping (the repo's node_modules/.bin/node).
import('../src/cli/main.ts').then((m) => m.main(process.argv.slice(2))).then((code) => process.exit(code ?? 0), (e) => {
  console.error(e?.message ?? e);
  process.exit(1);
});
