#!/usr/bin/env -S node --disable-proto=throw
// --disable-proto=throw: a key called __proto__ in what the agent parses can never reach Object.prototype.
// Launches the TypeScript agent with Node's native type stripping (Node >= 22.18 / 24).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`atrium-agent needs Node 24 (found ${process.versions.node}); run it through npx or the bundled node.\n`);
  process.exit(1);
}
await import('../src/agent/cli.ts');
