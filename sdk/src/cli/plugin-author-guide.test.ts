import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { scaffoldPlugin } from './scaffold.ts';
import { verifyPlugin } from './verify.ts';
import { packPlugin } from './pack.ts';
import { createTestKernel, waitFor } from '../testing/index.ts';

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
    // a foreign key between tenant tables without tenant_id (FK checks bypass RLS) is an error too
    const step = path.join(pluginDir, 'src/migrations/0002-step.ts');
    const table = (fk: string) => `export const m = { name: '0002-step', up: \`create table recipes.step (\n  tenant_id uuid not null,\n  id uuid not null,\n  recipe_id uuid not null,\n  ${fk}\n);\n\${'tenantRls'}('recipes.step')\` };\n`;
    fs.writeFileSync(step, table('foreign key (recipe_id) references recipes.recipe (id)').replace("${'tenantRls'}('recipes.step')", "${tenantRls('recipes.step')}"));
    expect(verifyPlugin(pluginDir).filter((f) => f.level === 'error').map((f) => f.message).join('\n')).toMatch(/recipes\.step: foreign key step_recipe_id_fkey \(recipe_id\) → recipes\.recipe leaves out tenant_id/);
    fs.writeFileSync(step, table('foreign key (tenant_id, recipe_id) references recipes.recipe (tenant_id, id)').replace("${'tenantRls'}('recipes.step')", "${tenantRls('recipes.step')}"));
    expect(verifyPlugin(pluginDir).filter((f) => f.level === 'error')).toEqual([]);
    fs.rmSync(step);
    // the global fetch is a warning: outside calls go through ctx.fetch
    const caller = path.join(pluginDir, 'src/caller.ts');
    fs.writeFileSync(caller, "export const ping = () => fetch('https://example.com');\n");
    expect(verifyPlugin(pluginDir).filter((f) => f.level === 'warning').map((f) => f.message).join('\n')).toMatch(/calls the global fetch: reach other services through ctx\.fetch/);
    fs.rmSync(caller);
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
    // the release recorded its migrations: an edited released one is a warning, and no second release
    const lock = JSON.parse(fs.readFileSync(path.join(pluginDir, 'migrations.lock.json'), 'utf8'));
    expect(Object.keys(lock.migrations)).toEqual(['0001-create-recipe']);
    const mig = path.join(pluginDir, 'src/migrations/0001-create-recipe.ts');
    const released = fs.readFileSync(mig, 'utf8');
    fs.writeFileSync(mig, released.replace('name varchar(200) not null', 'name varchar(300) not null'));
    expect(verifyPlugin(pluginDir).map((f) => f.message)).toContainEqual(expect.stringMatching(/migration "0001-create-recipe" changed after it was released in 0\.1\.0/));
    expect(() => packPlugin(pluginDir, work)).toThrow(/released migrations changed/);
    fs.writeFileSync(mig, released);
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

  it('5. outside calls: the guide\'s charge example, with its fake, ends with one charge after a lost answer', async () => {
    // the guide's own code blocks, glued into a plugin: if the guide drifts from the SDK, this fails
    const guide = fs.readFileSync(path.join(repo, 'docs/plugin-guide.md'), 'utf8');
    const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const callBlock = blocks.find((b) => b.includes('defineOutsideCall'))!;
    const [definition, inAction] = callBlock.split('// in an action declared `transaction: false`');
    const fakeBlock = blocks.find((b) => b.includes('class FakeCharges extends FakeHttpServer'))!;
    const [fakeClass, fakeUse] = fakeBlock.split(/\n(?=const fake = )/);
    const module = `
import { defineAction, defineOutsideCall, definePlugin, defineService, tenantRls, Type, UnprocessableError } from '@atrium/sdk';
import { createTestKernel, FakeHttpServer, jsonReply, type FakeRequest, type FakeReply } from '@atrium/sdk/testing';
type Charge = { id: string; amount: number };
let base = 'https://api.charges.example';
${definition}
export const plugin = definePlugin({
  manifest: { id: 'shop', version: '0.1.0', displayName: { en: 'Shop' }, engines: { sdk: '^1.0.0' }, outbound: { baseUrls: ['https://api.charges.example'] }, data: { owns: ['shop.charge'] } } as any,
  migrations: [{ name: '0001', up: \`create table shop.charge (tenant_id uuid not null, id uuid not null, amount int not null, status text not null, primary key (tenant_id, id)); \${tenantRls('shop.charge')}\` }],
  outsideCalls: [chargeCall],
  services: [defineService({ name: 'charges', actions: { create: defineAction({
    rest: 'POST /', permission: 'authenticated', transaction: false, status: 201,
    params: Type.Object({ id: Type.String({ format: 'uuid' }), amount: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
    async handler(ctx) {
      ${inAction}
    },
  }) } })],
});
${fakeClass}
export async function start() {
  ${fakeUse.replace('const tk = await createTestKernel({ plugins: [plugin], config: { outbound: { allow: { shop: [fake.baseUrl] } } } });', 'base = fake.baseUrl; const tk = await createTestKernel({ plugins: [plugin], config: { outbound: { allow: { shop: [fake.baseUrl] }, recoverIntervalMs: 200, timeoutMs: 2_000 } }, tenants: [{ name: "Shop", owner: "owner@shop.test", enable: ["shop"] }] });')}
  return { fake, tk };
}
`;
    expect(module).toContain('recoverIntervalMs: 200'); // the guide's test setup line was found and reused
    fs.mkdirSync(work, { recursive: true });
    const file = path.join(work, 'guide-outside-call.ts');
    fs.writeFileSync(file, module);
    const { start } = await import(file);
    const { fake, tk } = await start();
    try {
      const owner = await tk.as('owner@shop.test');
      const id = crypto.randomUUID();
      // the guide's `fake.dropAnswersNext(1)`: the charge is made, its answer lost
      const first = await owner.post('/api/shop/charges', { id, amount: 500 });
      expect(first.status).toBeGreaterThanOrEqual(500);
      const deadline = Date.now() + 30_000;
      let answer: any;
      while (Date.now() < deadline) {
        answer = await owner.post('/api/shop/charges', { id, amount: 500 });
        if (answer.status === 201) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(answer.body).toEqual({ id, status: 'paid' });
      expect(fake.charges.size).toBe(1);
    } finally {
      await tk.stop();
      await fake.close();
    }
  }, 120_000);

  it('6. channel adapters: the guide\'s Acme SMS adapter, manifest and fake run against the messaging core', async () => {
    // the guide's adapter, its manifest and its fake with the test setup, glued into a plugin
    const guide = fs.readFileSync(path.join(repo, 'docs/plugin-guide.md'), 'utf8');
    const blocks = [...guide.matchAll(/```(ts|json)\n([\s\S]*?)```/g)].map((m) => m[2]!);
    const adapterBlock = blocks.find((b) => b.includes('defineChannelAdapter({'))!;
    const manifestBlock = blocks.find((b) => b.includes('"id": "messaging-acme"'))!;
    const fakeBlock = blocks.find((b) => b.includes('class FakeAcme extends FakeHttpServer'))!;
    const [fakeClass, fakeUse] = fakeBlock.split(/\n(?=const acme = )/);
    expect([adapterBlock, manifestBlock, fakeClass, fakeUse].every(Boolean)).toBe(true);
    const module = `
${adapterBlock}
import { definePlugin } from '@atrium/sdk';
import { createTestKernel, FakeHttpServer, jsonReply, waitFor, type FakeRequest, type FakeReply } from '@atrium/sdk/testing';
import messaging from '@atrium/plugin-messaging';
const manifest = ${manifestBlock};
export const acmePlugin = definePlugin({ manifest: manifest as any, services: [acmeAdapter] });
${fakeClass}
export async function start() {
  ${fakeUse}
  return { acme, tk, owner, account, conversation };
}
`;
    fs.mkdirSync(work, { recursive: true });
    const file = path.join(work, 'guide-channel-adapter.ts');
    fs.writeFileSync(file, module);
    const { start } = await import(file);
    const { acme, tk, owner, account, conversation } = await start();
    try {
      // connect registered the webhook with a secret of the adapter's own, kept sealed by the core
      expect(account).toMatchObject({ status: 'connected', inbound: 'webhook', identity: { username: '+15550000001' } });
      expect(acme.webhook.url).toBe(account.webhookUrl);
      expect(JSON.stringify(account)).not.toContain(acme.apiKey);
      const db = new pg.Client({ connectionString: tk.databaseUrls.owner });
      await db.connect();
      const stored = (await db.query('select sealed from messaging.account where id = $1', [account.id]).finally(() => db.end())).rows[0];
      expect(stored.sealed).toEqual(expect.any(String));
      expect(stored.sealed).not.toContain(acme.webhook.secret);
      expect(stored.sealed).not.toContain(acme.apiKey);
      // the conversation came from the signed webhook; the reply reached Acme and came back delivered
      const messages = async () => (await owner.get(`/api/messaging/conversations/${conversation.id}/messages`)).body.items;
      const out = await waitFor('the delivered tick', async () => (await messages()).find((m: any) => m.direction === 'out' && m.status === 'delivered'));
      expect(out.text).toBe('Yes, come by at five');
      expect([...acme.sent.values()]).toEqual([{ id: 'msg_1', to: '+77011112233', text: 'Yes, come by at five' }]);
      // a redelivered webhook is stored once; a forged one is refused before anything is stored
      const again = await acme.userTexts('+77011112233', 'Thanks!', 'in_fixed');
      const twice = await acme.userTexts('+77011112233', 'Thanks!', 'in_fixed');
      expect([again.status, twice.status]).toEqual([200, 200]);
      const forged = await fetch(account.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-acme-signature': '00'.repeat(32) }, body: JSON.stringify({ type: 'message', id: 'in_forged', from: '+77011112233', text: 'forged' }) });
      expect(forged.status).toBe(401);
      const texts = (await messages()).filter((m: any) => m.direction === 'in').map((m: any) => m.text);
      expect(texts).toEqual(['Is my order ready?', 'Thanks!']);
    } finally {
      await tk.stop();
      await acme.close();
    }
  }, 120_000);
});
