import path from 'node:path';
import { scaffoldPlugin } from './scaffold.ts';
import { verifyPlugin } from './verify.ts';
import { packPlugin } from './pack.ts';

const HELP = `atrium-plugin — scaffold, lint and package Atrium plugins

  atrium-plugin create <id> [--dir <path>] [--entity <Name>]   new plugin package (default dir: plugins/<id>)
  atrium-plugin verify [dir]                                  lint manifest, imports, migrations (exit 1 on errors)
  atrium-plugin pack [dir] [--out <dir>]                      verify, compile to dist/, npm pack
`;

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export async function main(args: string[]): Promise<number> {
  const [cmd, ...rest] = args;
  const positional = rest.filter((a, i) => !a.startsWith('--') && !rest[i - 1]?.startsWith('--'));
  switch (cmd) {
    case 'create': {
      const id = positional[0];
      if (!id) {
        console.error('usage: atrium-plugin create <id>');
        return 2;
      }
      const dir = flag(rest, '--dir') ?? path.join('plugins', id);
      const files = scaffoldPlugin({ id, dir, entity: flag(rest, '--entity') });
      console.log(`Created plugin "${id}" in ${dir}:\n${files.map((f) => `  ${f}`).join('\n')}\n\nNext: cd ${dir} && npx vitest run`);
      return 0;
    }
    case 'verify': {
      const findings = verifyPlugin(positional[0] ?? '.');
      for (const f of findings) console.log(`${f.level === 'error' ? 'error  ' : 'warning'} ${f.file}: ${f.message}`);
      const errors = findings.filter((f) => f.level === 'error').length;
      console.log(errors ? `${errors} error(s)` : `ok${findings.length ? ` (${findings.length} warning(s))` : ''}`);
      return errors ? 1 : 0;
    }
    case 'pack': {
      const file = packPlugin(positional[0] ?? '.', flag(rest, '--out'));
      console.log(`packed ${file}`);
      return 0;
    }
    default:
      console.log(HELP);
      return cmd && cmd !== 'help' && cmd !== '--help' ? 2 : 0;
  }
}
