import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { validateManifest, type PluginDefinition } from '@atrium/sdk';

export type DiscoveredPlugin = { definition: PluginDefinition; dir: string };

/**
 * Finds plugin packages: sub-folders of the configured directories and named npm packages,
 * each with an `atrium.plugin.json`. The manifest is validated before any plugin code is imported,
 * and the code's own manifest must be the same file (no drift between package and runtime).
 */
export async function discoverPlugins(opts: { dirs: string[]; packages: string[]; root: string }): Promise<DiscoveredPlugin[]> {
  const candidates: string[] = [];
  for (const d of opts.dirs) {
    const abs = path.resolve(opts.root, d);
    if (!fs.existsSync(abs)) continue;
    for (const name of fs.readdirSync(abs).sort()) {
      const dir = path.join(abs, name);
      if (fs.existsSync(path.join(dir, 'atrium.plugin.json'))) candidates.push(dir);
    }
  }
  const req = createRequire(path.join(opts.root, 'package.json'));
  for (const pkg of opts.packages) {
    candidates.push(path.dirname(req.resolve(`${pkg}/package.json`)));
  }
  const out: DiscoveredPlugin[] = [];
  for (const dir of candidates) out.push(await loadPluginFromDir(dir));
  return out;
}

export async function loadPluginFromDir(dir: string): Promise<DiscoveredPlugin> {
  const manifestPath = path.join(dir, 'atrium.plugin.json');
  const manifest = validateManifest(JSON.parse(fs.readFileSync(manifestPath, 'utf8')));
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const entryRel = pkg.exports?.['.'] ?? pkg.main ?? 'src/index.ts';
  const entry = typeof entryRel === 'string' ? entryRel : (entryRel.import ?? entryRel.default);
  const mod = await import(pathToFileURL(path.join(dir, entry)).href);
  const definition: PluginDefinition = mod.default ?? mod.plugin;
  if (!definition?.manifest) throw new Error(`Plugin at ${dir} does not default-export definePlugin({...})`);
  // its words would be silently missing: errors and settings in English for everyone
  if (fs.existsSync(path.join(dir, 'messages', 'en.json')) && !definition.messages) throw new Error(`Plugin at ${dir} has messages/*.json but definePlugin() got no \`messages\`: import them in its entry (docs/plugin-guide.md, "Words")`);
  if (definition.manifest.id !== manifest.id || definition.manifest.version !== manifest.version) {
    throw new Error(`Plugin at ${dir}: code manifest (${definition.manifest.id}@${definition.manifest.version}) differs from atrium.plugin.json (${manifest.id}@${manifest.version})`);
  }
  return { definition: { ...definition, manifest }, dir };
}
