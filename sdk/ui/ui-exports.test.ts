import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPlugin } from '../src/cli/verify.ts';
import { KeyboardWedge, type WedgeKeyEvent } from './index.ts';

// Plugin UIs read keyboard-wedge scanners through @atrium/sdk/ui (plugins import only the SDK);
// the implementation is @atrium/devices/browser's, bundled into the plugin with the rest of sdk/ui.
describe('@atrium/sdk/ui: keyboard wedge', () => {
  it('decodes a scan from physical key codes under a Cyrillic layout, and leaves slow typing alone', () => {
    const scans: string[] = [];
    const wedge = new KeyboardWedge({ onScan: (c) => scans.push(c) });
    let t = 1000;
    const type = (codes: [string, string, boolean?][], gap: number) => {
      for (const [code, key, shiftKey] of codes) wedge.handle({ code, key, shiftKey, timeStamp: (t += gap) } satisfies WedgeKeyEvent);
      let prevented = false;
      wedge.handle({ code: 'Enter', key: 'Enter', timeStamp: (t += gap), preventDefault: () => { prevented = true; } });
      return prevented;
    };
    // "AB-12" typed by a scanner while the ЙЦУКЕН layout is active: keys say Ф, И, but codes say KeyA, KeyB
    expect(type([['KeyA', 'Ф', true], ['KeyB', 'И', true], ['Minus', '-'], ['Digit1', '1'], ['Digit2', '2']], 8)).toBe(true);
    expect(scans).toEqual(['AB-12']);
    // a person typing 4870 at 150 ms a key is not a scan
    expect(type([['Digit4', '4'], ['Digit8', '8'], ['Digit7', '7'], ['Digit0', '0']], 150)).toBe(false);
    expect(scans).toEqual(['AB-12']);
  });
});

describe('first-party plugins', () => {
  const root = path.resolve(import.meta.dirname, '../../plugins');
  const dirs = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'atrium.plugin.json')));
  it.each(dirs)('%s passes atrium-plugin verify (imports only @atrium/sdk, server and UI)', (d) => {
    const findings = verifyPlugin(path.join(root, d));
    expect(findings.filter((f) => f.level === 'error')).toEqual([]);
    // a released migration (migrations.lock.json) edited in place would stop the boot of every installation
    expect(findings.filter((f) => f.file === 'migrations.lock.json')).toEqual([]);
  });
});
