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
    // row rules: a default grant may test only declared condition fields; a declared field needs a column
    const manifestPath = path.join(pluginDir, 'atrium.plugin.json');
    const manifest = fs.readFileSync(manifestPath, 'utf8');
    const m = JSON.parse(manifest);
    m.permissions.grants.staff[1].conditions = { ownerId: '${user.id}' };
    m.permissions.subjects[0].conditions.sellerId = 'uuid';
    fs.writeFileSync(manifestPath, JSON.stringify(m));
    const findings = verifyPlugin(pluginDir);
    expect(findings.find((f) => f.level === 'error')?.message).toMatch(/permissions\.grants\.staff\.1\.conditions\.ownerId recipes\.Recipe cannot enforce conditions on "ownerId"/);
    m.permissions.grants.staff[1].conditions = { createdBy: '${user.id}' };
    fs.writeFileSync(manifestPath, JSON.stringify(m));
    expect(verifyPlugin(pluginDir).filter((f) => f.level === 'warning').map((f) => f.message)).toContainEqual(expect.stringMatching(/conditions\.sellerId: no migration mentions the column "seller_id"/));
    fs.writeFileSync(manifestPath, manifest);
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
