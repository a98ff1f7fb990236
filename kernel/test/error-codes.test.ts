import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectErrorCodes, loadTypeScript, serverSources, untranslatedCodes } from '../../sdk/src/cli/error-codes.ts';
import { catalogKeys, messageArguments, platformMessages } from '@atrium/sdk/i18n';

/**
 * Every error code the SDK, the kernel and each plugin can answer with has words in all four
 * languages — the platform's catalog for the SDK and kernel, the plugin's `messages/` (or the
 * platform's) for a plugin. Codes are collected from the source (sdk/src/cli/error-codes.ts), so a
 * new `throw` with a new code fails here until it is translated.
 */
const root = path.resolve(import.meta.dirname, '../..');
const ts = loadTypeScript(root);
const readCatalogs = (dir: string) =>
  Object.fromEntries(['en', 'ru', 'uk', 'kk'].filter((l) => fs.existsSync(path.join(dir, `${l}.json`))).map((l) => [l, JSON.parse(fs.readFileSync(path.join(dir, `${l}.json`), 'utf8'))]));
const describeMissing = (m: { code: string; kind: string; locale: string; file: string; line: number }[]) => m.map((x) => `${x.locale}: ${x.kind} ${x.code} (${x.file}:${x.line})`);

const packages = [
  { name: 'sdk + kernel', dirs: ['sdk/src', 'kernel/src'], catalogs: [platformMessages] },
  ...fs.readdirSync(path.join(root, 'plugins')).sort().filter((id) => fs.existsSync(path.join(root, 'plugins', id, 'atrium.plugin.json'))).map((id) => ({
    name: `plugin ${id}`,
    dirs: [`plugins/${id}/src`],
    catalogs: [readCatalogs(path.join(root, 'plugins', id, 'messages')), platformMessages],
  })),
];

describe('every error code is translated', () => {
  for (const pkg of packages) {
    it(`${pkg.name}: every code it throws has words in en, ru, uk and kk, and every problem has a code`, () => {
      const { codes, problems } = collectErrorCodes(pkg.dirs.flatMap((d) => serverSources(path.join(root, d))), ts, root);
      expect(problems.map((p) => `${p.file}:${p.line} ${p.message}`)).toEqual([]);
      expect(describeMissing(untranslatedCodes(codes, pkg.catalogs))).toEqual([]);
    }, 120_000);
  }

  it('the collector finds what it must (a guard against a check that passes by finding nothing)', () => {
    const { codes } = collectErrorCodes(serverSources(path.join(root, 'kernel/src')), ts, root);
    const names = new Set(codes.map((c) => c.code));
    const owners = ['OWNER_REQUIRED', 'LAST_OWNER', 'GRANT_EXCEEDS_OWN', 'ROLE_EXCEEDS_OWN', 'MEMBER_EXCEEDS_OWN'];
    const signIn = ['TOTP_LOCKED', 'TOTP_REUSED', 'TOTP_INVALID', 'SESSION_REVOKED', 'REFRESH_REUSED'];
    for (const c of ['VALIDATION_FAILED', 'INVITATION_INVALID', 'NOT_FOUND', 'unknownSubject', 'required', ...owners, ...signIn]) expect(names, c).toContain(c);
    // a plugin's owner-only action answers with the kernel's owner code (worded by the plugin for its routes)
    const stripe = collectErrorCodes(serverSources(path.join(root, 'plugins/payments-stripe/src')), ts, root).codes.map((c) => c.code);
    expect(stripe).toContain('OWNER_REQUIRED');
    expect(stripe).not.toContain('OWNER_ONLY');
    const missing = untranslatedCodes([{ code: 'NO_SUCH_CODE_ANYWHERE', kind: 'error', file: 'x.ts', line: 1 }], [platformMessages]);
    expect(missing.map((m) => m.locale)).toEqual(['en', 'ru', 'uk', 'kk']);
  });
});

describe('every plugin speaks all four languages', () => {
  for (const id of fs.readdirSync(path.join(root, 'plugins')).sort().filter((x) => fs.existsSync(path.join(root, 'plugins', x, 'atrium.plugin.json')))) {
    const dir = path.join(root, 'plugins', id);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'atrium.plugin.json'), 'utf8'));
    const catalogs = readCatalogs(path.join(dir, 'messages')) as Record<string, any>;

    it(`${id}: its catalogs have the same keys and arguments in en, ru, uk and kk`, () => {
      if (!Object.keys(catalogs).length) return;
      const en = catalogKeys(catalogs.en);
      for (const l of ['ru', 'uk', 'kk']) {
        const other = catalogKeys(catalogs[l]);
        expect([...other.keys()].sort(), l).toEqual([...en.keys()].sort());
        for (const [k, v] of en) expect(messageArguments(other.get(k) ?? ''), `${l} ${k}`).toEqual(messageArguments(v));
      }
    });

    it(`${id}: its name, description, menu items, settings, subjects and roles have words in every language`, () => {
      const missing: string[] = [];
      for (const l of ['en', 'ru', 'uk', 'kk']) {
        if (!manifest.displayName?.[l]) missing.push(`${l}: displayName`);
        if (manifest.description && !manifest.description[l]) missing.push(`${l}: description`);
        for (const c of manifest.ui?.contributions ?? []) if (c.label && !c.label[l]) missing.push(`${l}: ui ${c.id} label`);
        for (const key of Object.keys(manifest.settings?.schema?.properties ?? {})) if (!catalogs[l]?.settings?.[key]?.title) missing.push(`${l}: settings.${key}.title`);
        for (const s of manifest.permissions?.subjects ?? []) if (!catalogs[l]?.permissions?.subjects?.[s.subject]?.name) missing.push(`${l}: permissions.subjects.${s.subject}`);
        for (const role of Object.keys(manifest.permissions?.grants ?? {})) {
          if (!platformMessages[l as 'en'].roles?.[role] && !catalogs[l]?.roles?.[role]) missing.push(`${l}: roles.${role}`);
        }
        for (const s of manifest.permissions?.subjects ?? []) for (const a of s.actions) {
          const words = [catalogs[l]?.permissions?.actions, platformMessages[l as 'en'].permissions?.actions].some((m) => m?.[`${s.subject}:${a}`] ?? m?.[a]);
          if (!words) missing.push(`${l}: permissions.actions.${a} (${s.subject})`);
        }
      }
      expect(missing).toEqual([]);
    });
  }
});
