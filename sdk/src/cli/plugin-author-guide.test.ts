import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { scaffoldPlugin } from './scaffold.ts';
import { verifyPlugin } from './verify.ts';
import { packPlugin } from './pack.ts';
import { createTestKernel } from '../testing/index.ts';

/**
 * Follows docs/plugin-guide.md the way a third-party author would: create → verify → the
 * plugin's own tests → pack → install the packed artifact → enable → call it over HTTP.
 */
const repo = path.resolve(import.meta.dirname, '../../..');
const work = path.join(repo, '.test-data', `guide-${crypto.randomBytes(4).toString('hex')}`);
const pluginDir = path.join(work, 'plugins', 'recipes');
const cli = (args: string[]) => spawnSync(path.join(repo, 'node_modules/.bin/node'), [path.join(repo, 'sdk/bin/atrium-plugin.js'), ...args], { cwd: work, encoding: 'utf8' });

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('plugin author guide', () => {
  it('1. create scaffolds a plugin package', () => {
    fs.mkdirSync(work, { recursive: true });
    const r = cli(['create', 'recipes', '--dir', 'plugins/recipes']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Created plugin "recipes"');
    for (const f of ['atrium.plugin.json', 'src/index.ts', 'src/entities/recipe.ts', 'src/migrations/0001-create-recipe.ts', 'src/services/recipes.service.ts', 'test/recipes.test.ts']) {
      expect(fs.existsSync(path.join(pluginDir, f)), f).toBe(true);
    }
    expect(() => scaffoldPlugin({ id: 'Bad_Id', dir: path.join(work, 'x') })).toThrow(/kebab-case/);
  });

  it('2. verify passes on the scaffold and catches what the kernel would refuse', () => {
    const r = cli(['verify', 'plugins/recipes']);
    expect(r.status, r.stdout).toBe(0);
    // a migration without RLS and a kernel import are errors
    const mig = path.join(pluginDir, 'src/migrations/0001-create-recipe.ts');
    const good = fs.readFileSync(mig, 'utf8');
    fs.writeFileSync(mig, good.replace(/\$\{tenantRls\([^)]*\)\}/, ''));
    fs.writeFileSync(path.join(pluginDir, 'src/sneaky.ts'), "import { startKernel } from '@atrium/kernel';\nexport { startKernel };\n");
    const bad = verifyPlugin(pluginDir).filter((f) => f.level === 'error').map((f) => f.message);
    expect(bad.some((m) => /no row level security/.test(m))).toBe(true);
    expect(bad.some((m) => /plugins import only @atrium\/sdk/.test(m))).toBe(true);
    fs.writeFileSync(mig, good);
    fs.rmSync(path.join(pluginDir, 'src/sneaky.ts'));
    expect(verifyPlugin(pluginDir).filter((f) => f.level === 'error')).toEqual([]);
  });

  it('2b. verify wants every error code the plugin throws, and every word, in en, ru, uk and kk', () => {
    const extra = path.join(pluginDir, 'src/burnt.ts');
    fs.writeFileSync(extra, "import { ConflictError } from '@atrium/sdk';\nexport const burnt = () => { throw new ConflictError('The recipe is burnt', 'RECIPE_BURNT', { minutes: 5 }); };\n");
    const errors = () => verifyPlugin(pluginDir).filter((f) => f.level === 'error').map((f) => `${f.file}: ${f.message}`);
    expect(errors()).toEqual(['en', 'ru', 'uk', 'kk'].map((l) => expect.stringMatching(new RegExp(`^messages/${l}.json: errors.RECIPE_BURNT is missing`))));
    const catalog = (l: string) => path.join(pluginDir, `messages/${l}.json`);
    const words: Record<string, string> = { en: 'Burnt after {minutes} minutes', ru: 'Сгорело через {minutes} мин', uk: 'Згоріло за {minutes} хв', kk: '{minutes} минуттан кейін күйіп кетті' };
    const before = Object.fromEntries(Object.keys(words).map((l) => [l, fs.readFileSync(catalog(l), 'utf8')]));
    for (const [l, text] of Object.entries(words)) fs.writeFileSync(catalog(l), JSON.stringify({ ...JSON.parse(before[l]!), errors: { RECIPE_BURNT: text } }));
    expect(errors()).toEqual([]);
    // the same arguments in every language
    fs.writeFileSync(catalog('kk'), JSON.stringify({ ...JSON.parse(before.kk!), errors: { RECIPE_BURNT: 'Күйіп кетті' } }));
    expect(errors()).toEqual(['messages/kk.json: errors.RECIPE_BURNT uses {}, en.json {minutes}']);
    for (const l of Object.keys(words)) fs.writeFileSync(catalog(l), before[l]!);
    fs.rmSync(extra);
    expect(errors()).toEqual([]);
  });

  it('3. the scaffolded plugin passes its own tests', () => {
    const r = spawnSync(path.join(repo, 'node_modules/.bin/vitest'), ['run', '--root', pluginDir], { cwd: pluginDir, encoding: 'utf8', env: process.env });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/4 passed/);
  }, 120_000);

  it('4. pack builds a tarball of compiled JavaScript that a kernel loads, enables and serves', async () => {
    const tarball = packPlugin(pluginDir, work);
    expect(fs.existsSync(tarball)).toBe(true);
    const installed = path.join(work, 'installed');
    fs.mkdirSync(installed);
    expect(spawnSync('tar', ['xzf', tarball, '-C', installed]).status).toBe(0);
    const pkgDir = path.join(installed, 'package');
    expect(fs.existsSync(path.join(pkgDir, 'dist/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(pkgDir, 'src'))).toBe(false);
    const tk = await createTestKernel({ plugins: [pkgDir], tenants: [{ name: 'Kitchen', owner: 'chef@kitchen.test' }] });
    try {
      const chef = await tk.as('chef@kitchen.test');
      expect((await chef.get('/api/recipes/recipes')).body.error.code).toBe('PLUGIN_DISABLED');
      expect((await chef.post('/api/plugins/recipes/enable')).status).toBe(200);
      const created = await chef.post('/api/recipes/recipes', { name: 'Borscht' });
      expect(created.status).toBe(201);
      expect((await chef.get('/api/recipes/recipes')).body.items.map((r: any) => r.name)).toEqual(['Borscht']);
    } finally {
      await tk.stop();
    }
  }, 120_000);
});
