import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { atriumPluginViteConfig, listChunks } from './vite.ts';

/**
 * The plugin UI build (`@atrium/sdk/ui/vite`): one entry the shell imports, lazily loaded parts as
 * content-hashed chunks beside it, listed in the entry's `atriumChunks` export; a chunk that would
 * import the entry back (a second copy of the plugin under another URL) fails the build.
 */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-ui-build-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function plugin(name: string, files: Record<string, string>): string {
  const root = path.join(tmp, name);
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
  return root;
}

async function buildUi(root: string) {
  await build({ ...atriumPluginViteConfig({ pluginId: 'demo', entry: 'ui/src/index.ts', root }), configFile: false, logLevel: 'silent' });
  const dist = path.join(root, 'ui/dist');
  const read = (f: string) => fs.readFileSync(path.join(dist, f), 'utf8');
  const list = read('index.js').match(/export const atriumChunks = (.*);\n$/)?.[1];
  return { dist, files: fs.readdirSync(dist).sort(), read, chunks: list ? JSON.parse(list) : null };
}

describe('@atrium/sdk/ui/vite', () => {
  it('a dynamic import becomes a hashed chunk beside index.js, listed in atriumChunks; the entry does not contain it', async () => {
    const root = plugin('lazy', {
      'ui/src/index.ts': `import { ref } from 'vue';
export const count = ref(0);
export async function scan() { const m = await import('./heavy.ts'); return m.decode('x'); }
export default { __atrium: 'ui-plugin@1', routes: [], components: {}, messages: {} };`,
      'ui/src/heavy.ts': `export const TABLE = ${JSON.stringify(Array.from({ length: 200 }, (_, i) => `HEAVY-READER-${i}`))};
export function decode(s: string) { return TABLE.indexOf(s); }`,
    });
    const out = await buildUi(root);
    const chunks = out.files.filter((f) => f !== 'index.js' && f.endsWith('.js'));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatch(/^heavy-[\w-]{8}\.js$/);
    const entry = out.read('index.js');
    expect(entry).not.toContain('HEAVY-READER-7');
    expect(out.read(chunks[0])).toContain('HEAVY-READER-7');
    expect(entry).toContain(`import("./${chunks[0]}")`);
    // vue stays the shell's (import map)
    expect(entry).toMatch(/from\s*"vue"/);
    expect(out.chunks).toEqual({ eager: [], lazy: chunks });

    // the same sources build to the same chunk name (content hash)
    expect((await buildUi(root)).files).toEqual(out.files);
  });

  it('a plugin without dynamic imports is still one file, with an empty chunk list', async () => {
    const out = await buildUi(plugin('single', { 'ui/src/index.ts': `export default { __atrium: 'ui-plugin@1', routes: [] };` }));
    expect(out.files).toEqual(['index.js']);
    expect(out.chunks).toEqual({ eager: [], lazy: [] });
  });

  it('code the entry shares with a lazy part is its own chunk, listed as eager (cached with the entry)', async () => {
    const out = await buildUi(plugin('shared', {
      'ui/src/index.ts': `import { shared } from './shared.ts';
export async function later() { return (await import('./lazy.ts')).run(); }
export default { __atrium: 'ui-plugin@1', routes: [], value: shared() };`,
      'ui/src/shared.ts': `export const state = { n: 0 }; export function shared() { return ++state.n; }`,
      'ui/src/lazy.ts': `import { shared } from './shared.ts'; export function run() { return shared() + 1; }`,
    }));
    expect(out.chunks.eager).toHaveLength(1);
    expect(out.chunks.eager[0]).toMatch(/^shared-/);
    expect(out.chunks.lazy).toHaveLength(1);
    expect(out.chunks.lazy[0]).toMatch(/^lazy-/);
    // the lazy part reaches the shared state through the shared chunk, never through index.js
    expect(out.read(out.chunks.lazy[0])).toContain(`./${out.chunks.eager[0]}`);
    expect(out.read(out.chunks.lazy[0])).not.toContain('index.js');
  });

  it('refuses a chunk that imports the entry back (another URL than index.js?v=…: a second copy of the plugin)', () => {
    const chunk = (fileName: string, o: Partial<{ isEntry: boolean; imports: string[]; dynamicImports: string[] }> = {}) =>
      ({ type: 'chunk', fileName, name: fileName, isEntry: false, imports: [], dynamicImports: [], exports: [], code: '', ...o });
    const entry = chunk('index.js', { isEntry: true, dynamicImports: ['lazy-1.js'] });
    expect(() => listChunks({ 'index.js': entry, 'lazy-1.js': chunk('lazy-1.js', { imports: ['index.js'] }) })).toThrow(/lazy-1\.js .*imports index\.js/);
    const ok = chunk('index.js', { isEntry: true, imports: ['a-1.js'], dynamicImports: ['b-1.js'] });
    expect(listChunks({ 'index.js': ok, 'a-1.js': chunk('a-1.js', { imports: ['c-1.js'] }), 'b-1.js': chunk('b-1.js', { imports: ['a-1.js'] }), 'c-1.js': chunk('c-1.js') }))
      .toEqual({ eager: ['a-1.js', 'c-1.js'], lazy: ['b-1.js'] });
    expect(ok.code).toContain('export const atriumChunks = {"eager":["a-1.js","c-1.js"],"lazy":["b-1.js"]};');
  });
});
