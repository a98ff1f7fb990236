import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectErrorCodes, loadTypeScript, serverSources, untranslatedCodes } from '../../sdk/src/cli/error-codes.ts';
import { platformMessages } from '@atrium/sdk/i18n';

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
    for (const c of ['VALIDATION_FAILED', 'LAST_OWNER', 'INVITATION_INVALID', 'NOT_FOUND', 'unknownSubject', 'required']) expect(names, c).toContain(c);
    const missing = untranslatedCodes([{ code: 'NO_SUCH_CODE_ANYWHERE', kind: 'error', file: 'x.ts', line: 1 }], [platformMessages]);
    expect(missing.map((m) => m.locale)).toEqual(['en', 'ru', 'uk', 'kk']);
  });
});
