import fs from 'node:fs';
import path from 'node:path';
import type { PluginManifest } from '../manifest/manifest.schema.ts';
import { platformMessages } from '../i18n/index.ts';
import { catalogKeys, type MessageCatalog } from '../i18n/catalog.ts';
import { LOCALES } from '../i18n/locales.ts';
import { messageArguments } from '../i18n/message-format.ts';
import { collectErrorCodes, loadTypeScript, serverSources, untranslatedCodes } from './error-codes.ts';

type Report = (file: string, message: string) => void;

/**
 * The "Words" rules of docs/plugin-guide.md: every word a plugin shows exists in en, ru, uk and kk.
 * `messages/<locale>.json` have the same keys and arguments; the manifest's names, descriptions and
 * menu labels, every setting's title (and enum labels), every permission subject and action, every
 * role of its own, and every error code its server code throws have words in all four (its own
 * catalog or the platform's).
 */
export function verifyWords(root: string, manifest: PluginManifest, err: Report, warn: Report): void {
  const dir = path.join(root, 'messages');
  const catalogs: Partial<Record<string, MessageCatalog>> = {};
  for (const l of LOCALES) {
    const file = path.join(dir, `${l}.json`);
    if (!fs.existsSync(file)) continue;
    try {
      catalogs[l] = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      err(`messages/${l}.json`, `is not valid JSON: ${(e as Error).message}`);
    }
  }
  const present = Object.keys(catalogs);
  if (present.length) {
    for (const l of LOCALES) if (!catalogs[l]) err(`messages/${l}.json`, 'missing: every catalog exists in en, ru, uk and kk');
    const en = catalogKeys(catalogs.en);
    for (const l of LOCALES.filter((x) => x !== 'en' && catalogs[x])) {
      const other = catalogKeys(catalogs[l]);
      for (const k of en.keys()) if (!other.has(k)) err(`messages/${l}.json`, `${k} is missing (it is in en.json)`);
      for (const k of other.keys()) if (!en.has(k)) err(`messages/${l}.json`, `${k} is not in en.json`);
      for (const [k, v] of en) {
        const o = other.get(k);
        if (o !== undefined && messageArguments(o).join() !== messageArguments(v).join()) err(`messages/${l}.json`, `${k} uses {${messageArguments(o).join(', ')}}, en.json {${messageArguments(v).join(', ')}}`);
      }
      const same = [...en].filter(([k, v]) => other.get(k) === v && /[a-z]{3}/.test(v)).length;
      if (en.size >= 4 && same / en.size > 0.5) warn(`messages/${l}.json`, `${same} of ${en.size} texts are the English ones: translate them`);
    }
    // the runtime gets the catalogs from definePlugin({ messages }), imported from these files
    const imported = serverSources(path.join(root, 'src')).some((f) => /['"]\.\.\/messages\/en\.json['"]/.test(fs.readFileSync(f, 'utf8')));
    if (!imported) err('src/index.ts', 'messages/*.json exist but no source imports them: pass definePlugin({ messages: { en, ru, uk, kk } })');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    if (Array.isArray(pkg.files) && !pkg.files.some((f: string) => f.replace(/^\.\//, '').replace(/\/$/, '') === 'messages')) err('package.json', '"files" must include "messages" (the catalogs ship with the package)');
  }

  const has = (l: string, ...p: string[]) => {
    for (const c of [catalogs[l], platformMessages[l as 'en']]) {
      let node: unknown = c;
      for (const k of p) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined;
      if (typeof node === 'string' && node) return true;
    }
    return false;
  };
  for (const l of LOCALES) {
    if (!manifest.displayName[l]) err('atrium.plugin.json', `displayName.${l} is missing`);
    if (manifest.description && !manifest.description[l]) err('atrium.plugin.json', `description.${l} is missing`);
    for (const c of manifest.ui?.contributions ?? []) if (c.label && !c.label[l]) err('atrium.plugin.json', `ui.contributions "${c.id}": label.${l} is missing`);
    const settings = (manifest.settings?.schema as { properties?: Record<string, { enum?: unknown[] }> } | undefined)?.properties ?? {};
    for (const [key, s] of Object.entries(settings)) {
      if (!has(l, 'settings', key, 'title')) err(`messages/${l}.json`, `settings.${key}.title is missing`);
      for (const v of s.enum ?? []) if (!has(l, 'settings', key, 'enum', String(v))) err(`messages/${l}.json`, `settings.${key}.enum.${String(v)} is missing`);
    }
    for (const s of manifest.permissions?.subjects ?? []) {
      if (!has(l, 'permissions', 'subjects', s.subject, 'name')) err(`messages/${l}.json`, `permissions.subjects["${s.subject}"].name is missing`);
      for (const a of s.actions) if (!has(l, 'permissions', 'actions', `${s.subject}:${a}`) && !has(l, 'permissions', 'actions', a)) err(`messages/${l}.json`, `permissions.actions.${a} is missing`);
    }
    for (const role of Object.keys(manifest.permissions?.grants ?? {})) if (!has(l, 'roles', role)) err(`messages/${l}.json`, `roles.${role} is missing`);
  }

  let ts;
  try {
    ts = loadTypeScript(root);
  } catch (e) {
    warn('src', `error codes not checked: ${(e as Error).message}`);
    return;
  }
  const { codes, problems } = collectErrorCodes(serverSources(path.join(root, 'src')), ts, root);
  for (const p of problems) err(`${p.file}:${p.line}`, p.message);
  const seen = new Set<string>();
  for (const m of untranslatedCodes(codes, [catalogs, platformMessages])) {
    const key = `${m.locale}:${m.code}`;
    if (seen.has(key)) continue;
    seen.add(key);
    err(`messages/${m.locale}.json`, `${m.kind === 'field' ? 'fields' : 'errors'}.${m.code} is missing (thrown at ${m.file}:${m.line})`);
  }
}
