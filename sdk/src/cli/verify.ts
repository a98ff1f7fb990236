import fs from 'node:fs';
import path from 'node:path';
import { validateManifest, pluginSchemaName } from '../manifest/validate-manifest.ts';
import { verifyWords } from './verify-words.ts';
import { conditionFieldsOf } from '../manifest/rule-conditions.ts';
import { lockFindings } from './migration-lock.ts';

export type Finding = { level: 'error' | 'warning'; file: string; message: string };

function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : walk(p);
    return /\.(ts|js|mts|vue)$/.test(e.name) ? [p] : [];
  });
}

/**
 * Lints a plugin package the way the kernel will judge it, plus the rules only a linter can see:
 * SDK-only imports, RLS on every tenant table, manifest/package agreement, and every word in
 * en, ru, uk and kk (verify-words.ts).
 * SDK-only imports, RLS on every tenant table, manifest/package agreement, released migrations unchanged.
 */
export function verifyPlugin(dir: string): Finding[] {
  const root = path.resolve(dir);
  const out: Finding[] = [];
  const err = (file: string, message: string) => out.push({ level: 'error', file, message });
  const warn = (file: string, message: string) => out.push({ level: 'warning', file, message });
  const mPath = path.join(root, 'atrium.plugin.json');
  if (!fs.existsSync(mPath)) return [{ level: 'error', file: 'atrium.plugin.json', message: 'missing' }];
  let manifest;
  try {
    manifest = validateManifest(JSON.parse(fs.readFileSync(mPath, 'utf8')));
  } catch (e: any) {
    const problems: { field: string; message?: string }[] = e.data?.fields ?? [];
    for (const f of problems) err('atrium.plugin.json', `${f.field} ${f.message}`.trim());
    if (!problems.length) err('atrium.plugin.json', String(e.message));
    return out;
  }
  const pkgPath = path.join(root, 'package.json');
  if (!fs.existsSync(pkgPath)) err('package.json', 'missing');
  else {
    const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8'));
    if (pkg.version !== manifest.version) err('package.json', `version ${pkg.version} differs from the manifest's ${manifest.version}`);
    if (pkg.type !== 'module') err('package.json', '"type": "module" is required (the SDK is ESM only)');
    const deps = { ...pkg.dependencies, ...pkg.peerDependencies };
    for (const d of Object.keys(deps)) if (d.startsWith('@atrium/') && d !== '@atrium/sdk') err('package.json', `depends on ${d}: plugins may depend on @atrium/sdk only`);
    if (!deps['@atrium/sdk']) err('package.json', '@atrium/sdk must be a (peer) dependency');
  }
  const schema = pluginSchemaName(manifest.id);
  // the plugin's own package name (self-reference through its `exports`, e.g. a module shared by
  // its server and UI) is its own code, not the platform's
  const ownName: string | undefined = fs.existsSync(pkgPath) ? JSON.parse(fs.readFileSync(pkgPath, 'utf8')).name : undefined;
  for (const file of walk(path.join(root, 'src')).concat(walk(path.join(root, 'ui')))) {
    const rel = path.relative(root, file);
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
      const spec = m[1] ?? m[2];
      const own = !!ownName && (spec === ownName || spec.startsWith(`${ownName}/`));
      if (!own && /^@atrium\/(?!sdk(\/|$))/.test(spec)) err(rel, `imports ${spec}: plugins import only @atrium/sdk`);
      if (/^(\.\.\/)+.*(kernel|sdk)\/src/.test(spec)) err(rel, `reaches into ${spec}: use the package, not another package's src/`);
      if (/^(moleculer|@mikro-orm\/|pg$|ioredis|bullmq)/.test(spec)) warn(rel, `imports ${spec} directly: use what @atrium/sdk re-exports so versions stay in step`);
    }
    // outbound HTTP goes through ctx.fetch (allowlisted, bounded, never inside a transaction)
    if (rel.startsWith(`src${path.sep}`) && !/(^|\/)(testing|test)\/|\.test\.ts$/.test(rel) && /(^|[^.\w#$])fetch\(/m.test(text)) {
      warn(rel, 'calls the global fetch: reach other services through ctx.fetch (the operator\'s allowlist, the request\'s deadline, never inside a transaction) — see "Outside calls" in the plugin guide');
    }
    // every `create table` of a tenant table must come with RLS in the same migration
    for (const m of text.matchAll(/create table\s+([a-z_]+)\.([a-z_]+)\s*\(([\s\S]*?)\n\);/gi)) {
      const [, s, t, body] = m;
      if (s !== schema) err(rel, `creates ${s}.${t}: a plugin's tables live in its own schema "${schema}"`);
      if (/\btenant_id\b/.test(body) && !new RegExp(`tenantRls\\(['"\`]${s}\\.${t}['"\`]\\)|enable row level security`, 'i').test(text)) {
        err(rel, `${s}.${t} has tenant_id but no row level security: add \${tenantRls('${s}.${t}')}`);
      }
      if (!/\btenant_id\b/.test(body)) warn(rel, `${s}.${t} has no tenant_id: it is shared by all tenants`);
    }
  }
  // a condition field's column should exist in the plugin's tables (a typo would fail every query that applies the rule)
  const sources = walk(path.join(root, 'src')).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
  for (const fk of tenantForeignKeysWithoutTenant(sources)) {
    err(fk.file, `${fk.table}: foreign key ${fk.name} (${fk.columns.join(', ')}) → ${fk.references} leaves out tenant_id — a foreign key is checked without row level security, so it could point at another tenant's row (the kernel refuses to boot it): use foreign key (tenant_id, …) references ${fk.references} (tenant_id, …)`);
  }
  for (const [i, subj] of (manifest.permissions?.subjects ?? []).entries()) {
    for (const [field, f] of Object.entries(conditionFieldsOf(subj.conditions))) {
      if (!new RegExp(`\\b${f.column}\\b`).test(sources)) warn('atrium.plugin.json', `permissions.subjects.${i}.conditions.${field}: no migration mentions the column "${f.column}" (give its column: { "type": "${f.type}", "column": "…" })`);
    }
  }
  for (const t of manifest.data?.owns ?? []) {
    const found = walk(path.join(root, 'src')).some((f) => fs.readFileSync(f, 'utf8').includes(`create table ${t}`));
    if (!found) warn('atrium.plugin.json', `data.owns lists ${t}, but no migration creates it`);
  }
  verifyWords(root, manifest, err, warn);
  // released migrations (migrations.lock.json, written by pack) must not have changed
  out.push(...lockFindings(root));
  if (manifest.ui && !fs.existsSync(path.join(root, manifest.ui.entry))) warn('atrium.plugin.json', `ui.entry ${manifest.ui.entry} does not exist yet (build the UI first)`);
  return out;
}

type ParsedForeignKey = { file: string; table: string; name: string; columns: string[]; references: string; referencedColumns: string[] };

/**
 * The kernel's boot refusal (kernel/src/db/tenant-foreign-keys.ts), seen in the migrations' text:
 * foreign keys from one of the plugin's tenant tables to another that do not map tenant_id to
 * tenant_id — unless a later migration drops them (by their name, or PostgreSQL's default
 * `<table>_<columns>_fkey`).
 */
function tenantForeignKeysWithoutTenant(sql: string): ParsedForeignKey[] {
  const cols = (list: string) => list.split(',').map((c) => c.trim().replace(/"/g, '')).filter(Boolean);
  const tenantTables = new Set<string>();
  const keys: ParsedForeignKey[] = [];
  for (const m of sql.matchAll(/create table\s+([a-z_]+\.[a-z_]+)\s*\(([\s\S]*?)\n\);/gi)) {
    const [, table, body] = m;
    if (/\btenant_id\b/.test(body!)) tenantTables.add(table!);
    const short = table!.split('.')[1];
    for (const f of body!.matchAll(/(?:constraint\s+([a-z_0-9]+)\s+)?foreign key\s*\(([^)]*)\)\s*references\s+([a-z_]+\.[a-z_]+)\s*\(([^)]*)\)/gi)) {
      keys.push({ file: 'src', table: table!, name: f[1] ?? `${short}_${cols(f[2]!).join('_')}_fkey`, columns: cols(f[2]!), references: f[3]!, referencedColumns: cols(f[4]!) });
    }
    for (const f of body!.matchAll(/^\s*([a-z_0-9]+)\s+[a-z]+[^,\n]*?\breferences\s+([a-z_]+\.[a-z_]+)\s*\(([^)]*)\)/gim)) {
      keys.push({ file: 'src', table: table!, name: `${short}_${f[1]}_fkey`, columns: [f[1]!], references: f[2]!, referencedColumns: cols(f[3]!) });
    }
  }
  for (const f of sql.matchAll(/alter table\s+([a-z_]+\.[a-z_]+)\s+add\s+(?:constraint\s+([a-z_0-9]+)\s+)?foreign key\s*\(([^)]*)\)\s*references\s+([a-z_]+\.[a-z_]+)\s*\(([^)]*)\)/gi)) {
    keys.push({ file: 'src', table: f[1]!, name: f[2] ?? `${f[1]!.split('.')[1]}_${cols(f[3]!).join('_')}_fkey`, columns: cols(f[3]!), references: f[4]!, referencedColumns: cols(f[5]!) });
  }
  const dropped = new Set([...sql.matchAll(/drop constraint\s+(?:if exists\s+)?([a-z_0-9]+)/gi)].map((d) => d[1]!));
  return keys.filter((k) => tenantTables.has(k.table) && tenantTables.has(k.references) && !dropped.has(k.name)
    && !k.columns.some((c, i) => c === 'tenant_id' && k.referencedColumns[i] === 'tenant_id'));
}
