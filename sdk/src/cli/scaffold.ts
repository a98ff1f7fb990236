import fs from 'node:fs';
import path from 'node:path';
import { SDK_VERSION } from '../version.ts';
import { LOCALES } from '../i18n/locales.ts';

const pascal = (s: string) => s.split('-').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const singular = (s: string) => (s.endsWith('ies') ? `${s.slice(0, -3)}y` : s.endsWith('s') ? s.slice(0, -1) : s);

/**
 * Writes a new plugin package: one entity with a migration (RLS included), a CRUD service with
 * permissions, a published event, default grants and a test through createTestKernel — the same
 * shape as plugins/notes. It passes its own test as generated.
 */
export function scaffoldPlugin(opts: { id: string; dir: string; entity?: string }): string[] {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(opts.id)) throw new Error(`Plugin id "${opts.id}" must be kebab-case (e.g. "recipes", "gift-cards")`);
  const root = path.resolve(opts.dir);
  if (fs.existsSync(root) && fs.readdirSync(root).length) throw new Error(`${root} is not empty`);
  const id = opts.id;
  const schema = id.replace(/-/g, '_');
  const item = opts.entity ?? pascal(singular(id.split('-').pop()!));
  const table = item.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  const subject = `${id}.${item}`;
  const plural = `${item[0].toLowerCase()}${item.slice(1)}s`;
  const restBase = `${table.replace(/_/g, '-')}s`;
  const sdkRange = `^${SDK_VERSION.split('.')[0]}.0.0`;
  const files: Record<string, string> = {
    'package.json': JSON.stringify({
      name: `atrium-plugin-${id}`,
      version: '0.1.0',
      description: `${pascal(id)} plugin for Atrium`,
      type: 'module',
      exports: { '.': './src/index.ts' },
      files: ['src', 'dist', 'ui/dist', 'messages', 'atrium.plugin.json'],
      scripts: { test: 'vitest run', verify: 'atrium-plugin verify .', pack: 'atrium-plugin pack .' },
      peerDependencies: { '@atrium/sdk': sdkRange },
    }, null, 2) + '\n',
    'atrium.plugin.json': JSON.stringify({
      id,
      version: '0.1.0',
      // the same words in every language until you translate them (docs/plugin-guide.md, "Words")
      displayName: Object.fromEntries(LOCALES.map((l) => [l, pascal(id)])),
      description: Object.fromEntries(LOCALES.map((l) => [l, `Manage ${plural}`])),
      engines: { sdk: sdkRange },
      permissions: {
        // the fields role conditions may test; the service applies them (accessibleWhere, authorize with the row)
        subjects: [{ subject, actions: ['read', 'create', 'update', 'delete'], conditions: { id: 'uuid', createdBy: 'uuid' } }],
        grants: {
          staff: [{ action: ['read', 'create'], subject }, { action: ['update', 'delete'], subject, conditions: { createdBy: '${user.id}' } }],
          manager: [{ action: 'manage', subject }],
        },
      },
      events: { publishes: [`${id}.${table.replace(/_/g, '-')}.created.v1`] },
      data: { owns: [`${schema}.${table}`], onPurge: { export: true } },
    }, null, 2) + '\n',
    'tsconfig.json': JSON.stringify({ compilerOptions: { target: 'ES2024', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: true, resolveJsonModule: true, allowImportingTsExtensions: true, rewriteRelativeImportExtensions: true, erasableSyntaxOnly: true, verbatimModuleSyntax: true, noEmit: true, types: ['node'] }, include: ['src', 'test'] }, null, 2) + '\n',
    'vitest.config.ts': `import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 } });\n`,
    [`src/entities/${table.replace(/_/g, '-')}.ts`]: `import { defineEntity, p, tenantFilter, tenantIdProperty, uuidPrimaryKey } from '@atrium/sdk';

export const ${item} = defineEntity({
  name: '${item}',
  schema: '${schema}',
  tableName: '${table}',
  properties: {
    id: uuidPrimaryKey(),
    tenantId: tenantIdProperty(),
    name: p.string().length(200),
    createdBy: p.uuid(),
    createdAt: p.datetime().onCreate(() => new Date()),
    version: p.integer().version(),
  },
  filters: tenantFilter as any,
});
`,
    [`src/migrations/0001-create-${table.replace(/_/g, '-')}.ts`]: `import { tenantRls, type Migration } from '@atrium/sdk';

export const create${item}: Migration = {
  name: '0001-create-${table.replace(/_/g, '-')}',
  up: \`
create table ${schema}.${table} (
  id uuid primary key,
  tenant_id uuid not null,
  name varchar(200) not null check (length(name) between 1 and 200),
  created_by uuid not null,
  created_at timestamptz not null default now(),
  version integer not null default 1
);
create index ${table}_tenant_created_idx on ${schema}.${table} (tenant_id, created_at desc);
\${tenantRls('${schema}.${table}')}
\`,
};
`,
    'src/events.ts': `export const ${table.toUpperCase()}_CREATED = '${id}.${table.replace(/_/g, '-')}.created.v1';\n`,
    [`src/services/${restBase}.service.ts`]: `import { defineAction, defineService, NotFoundError, Type } from '@atrium/sdk';
import { ${item} } from '../entities/${table.replace(/_/g, '-')}.ts';
import { ${table.toUpperCase()}_CREATED } from '../events.ts';

const SUBJECT = '${subject}';

export const ${plural}Service = defineService({
  name: '${plural}',
  rest: '${restBase}',
  actions: {
    list: defineAction({
      rest: 'GET /',
      permission: ['read', SUBJECT],
      params: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        q: Type.Optional(Type.String({ maxLength: 200 })),
      }, { additionalProperties: false }),
      async handler(ctx) {
        const { limit = 20, offset = 0, q } = ctx.params;
        const where: any = { $and: [ctx.accessibleWhere('read', SUBJECT), ...(q ? [{ name: { $ilike: \`%\${q}%\` } }] : [])] };
        const [items, total] = await ctx.em.findAndCount(${item}, where, { limit, offset, orderBy: { createdAt: 'desc', id: 'asc' } as any });
        return { items, total };
      },
    }),
    create: defineAction({
      rest: 'POST /',
      permission: ['create', SUBJECT],
      status: 201,
      idempotent: true,
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      async handler(ctx) {
        const row = ctx.em.create(${item}, { name: ctx.params.name, createdBy: ctx.user!.id } as any);
        await ctx.em.flush();
        await ctx.emit(${table.toUpperCase()}_CREATED, { id: row.id, name: row.name });
        return row;
      },
    }),
    remove: defineAction({
      rest: 'DELETE /:id',
      permission: ['delete', SUBJECT],
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      async handler(ctx) {
        const row = await ctx.em.findOne(${item}, { id: ctx.params.id });
        if (!row) throw new NotFoundError('${item} not found', { subject: SUBJECT });
        ctx.authorize('delete', SUBJECT, { ...row });
        ctx.em.remove(row);
        await ctx.em.flush();
        return { ok: true };
      },
    }),
  },
});
`,
    'src/index.ts': `import { definePlugin } from '@atrium/sdk';
import manifest from '../atrium.plugin.json' with { type: 'json' };
import en from '../messages/en.json' with { type: 'json' };
import kk from '../messages/kk.json' with { type: 'json' };
import ru from '../messages/ru.json' with { type: 'json' };
import uk from '../messages/uk.json' with { type: 'json' };
import { ${item} } from './entities/${table.replace(/_/g, '-')}.ts';
import { create${item} } from './migrations/0001-create-${table.replace(/_/g, '-')}.ts';
import { ${plural}Service } from './services/${restBase}.service.ts';

export default definePlugin({
  manifest: manifest as any,
  messages: { en, ru, uk, kk },
  entities: [${item}],
  migrations: [create${item}],
  services: [${plural}Service],
});
`,
    [`test/${id}.test.ts`]: `import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import plugin from '../src/index.ts';

let tk: TestKernel;
beforeAll(async () => {
  tk = await createTestKernel({ plugins: [plugin], tenants: [{ name: 'Demo', owner: 'owner@demo.test', enable: ['${id}'], users: [{ email: 'staff@demo.test', roles: ['staff'] }] }, { name: 'Other', owner: 'owner@other.test', enable: ['${id}'] }] });
});
afterAll(() => tk?.stop());

it('creates and lists ${plural}', async () => {
  const owner = await tk.as('owner@demo.test');
  const created = await owner.post('/api/${id}/${restBase}', { name: 'First' });
  expect(created.status).toBe(201);
  const list = await owner.get('/api/${id}/${restBase}');
  expect(list.body.total).toBe(1);
  expect(list.body.items[0].name).toBe('First');
});

it('rejects bad input with the field named', async () => {
  const owner = await tk.as('owner@demo.test');
  const r = await owner.post('/api/${id}/${restBase}', { name: '' });
  expect(r.status).toBe(400);
  expect(r.body.error.fields[0].field).toBe('name');
});

it('keeps tenants apart', async () => {
  const other = await tk.as('owner@other.test');
  expect((await other.get('/api/${id}/${restBase}')).body.total).toBe(0);
});

it('lets staff delete only their own', async () => {
  const owner = await tk.as('owner@demo.test');
  const staff = await tk.as('staff@demo.test');
  const mine = await owner.post('/api/${id}/${restBase}', { name: 'Owner made' });
  expect((await staff.delete(\`/api/${id}/${restBase}/\${mine.body.id}\`)).status).toBe(403);
});
`,
    // one catalog per language: the subject's name for the roles screen, your error codes, settings titles
    ...Object.fromEntries(LOCALES.map((l) => [`messages/${l}.json`, JSON.stringify({
      permissions: { subjects: { [subject]: { name: `${item}s`, description: `${item}s of the team` } } },
    }, null, 2) + '\n'])),
    'README.md': `# ${pascal(id)} — an Atrium plugin\n\nScaffolded with \`atrium-plugin create ${id}\`. See the Atrium plugin guide (docs/plugin-guide.md).\n\n\`\`\`sh\nnpx vitest run        # tests against a real kernel (embedded PostgreSQL + redis-server)\nnpx atrium-plugin verify .\nnpx atrium-plugin pack .\n\`\`\`\n`,
  };
  const written: string[] = [];
  for (const [rel, content] of Object.entries(files)) {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    written.push(rel);
  }
  return written;
}
