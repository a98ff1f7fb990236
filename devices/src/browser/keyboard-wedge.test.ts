import { describe, expect, it } from 'vitest';
import { charForCode, KeyboardWedge, type WedgeKeyEvent } from './keyboard-wedge.ts';

// What a Russian ЙЦУКЕН layout puts in `key` for these physical keys.
const RU: Record<string, string> = { KeyA: 'ф', KeyB: 'и', KeyC: 'с', KeyD: 'в', KeyE: 'у', KeyQ: 'й', KeyW: 'ц', KeyZ: 'я', KeyX: 'ч' };

/** Synthetic keydowns for `text` as a scanner types it, with `key` as the Russian layout reports it. */
function typed(text: string, start: number, gapMs: number): WedgeKeyEvent[] {
  const events: WedgeKeyEvent[] = [];
  let t = start;
  for (const ch of text) {
    let code: string;
    if (/\d/.test(ch)) code = `Digit${ch}`;
    else if (/[a-z]/i.test(ch)) code = `Key${ch.toUpperCase()}`;
    else if (ch === '-') code = 'Minus';
    else throw new Error(ch);
    const shift = /[A-Z]/.test(ch);
    if (shift) events.push({ code: 'ShiftLeft', key: 'Shift', shiftKey: true, timeStamp: t });
    const ru = RU[code];
    events.push({ code, key: ru ? (shift ? ru.toUpperCase() : ru) : ch, shiftKey: shift, timeStamp: (t += gapMs) });
  }
  events.push({ code: 'Enter', key: 'Enter', timeStamp: t + gapMs });
  return events;
}

describe('keyboard wedge', () => {
  it('decodes scanner input by KeyboardEvent.code under a Russian layout', () => {
    const scans: string[] = [];
    const wedge = new KeyboardWedge({ onScan: (s) => scans.push(s) });
    const events = typed('ABC-123xz', 1000, 8);
    // The layout really did turn the letters into Cyrillic — the trap this helper exists for.
    expect(events.map((e) => e.key).filter((k) => k && k.length === 1).join('')).toBe('ФИС-123чя');
    let prevented = false;
    events.at(-1)!.preventDefault = () => { prevented = true; };
    for (const e of events) wedge.handle(e);
    expect(scans).toEqual(['ABC-123xz']);
    expect(prevented).toBe(true);
  });

  it('EAN-13 digits from the numeric row and the numpad', () => {
    const scans: string[] = [];
    const wedge = new KeyboardWedge({ onScan: (s) => scans.push(s) });
    for (const e of typed('4870001234567', 0, 5)) wedge.handle(e);
    let t = 500;
    for (const d of '96385074') wedge.handle({ code: `Numpad${d}`, key: d, timeStamp: (t += 4) });
    wedge.handle({ code: 'NumpadEnter', key: 'Enter', timeStamp: t + 4 });
    expect(scans).toEqual(['4870001234567', '96385074']);
  });

  it('a person typing (slow keys) is not a scan, and does not swallow Enter', () => {
    const scans: string[] = [];
    const wedge = new KeyboardWedge({ onScan: (s) => scans.push(s) });
    let prevented = false;
    const events = typed('123456', 0, 150);
    events.at(-1)!.preventDefault = () => { prevented = true; };
    for (const e of events) wedge.handle(e);
    expect(scans).toEqual([]);
    expect(prevented).toBe(false);
  });

  it('slow typing followed by a fast scan yields only the scan; short bursts are ignored', () => {
    const scans: string[] = [];
    const wedge = new KeyboardWedge({ onScan: (s) => scans.push(s), minLength: 4 });
    for (const e of typed('99', 0, 200).slice(0, -1)) wedge.handle(e); // person types "99", no Enter
    for (const e of typed('ABCD1', 2000, 10)) wedge.handle(e);
    for (const e of typed('12', 4000, 5)) wedge.handle(e);
    expect(scans).toEqual(['ABCD1']);
  });

  it('maps physical keys to US characters', () => {
    expect(charForCode('KeyQ')).toBe('q');
    expect(charForCode('KeyQ', true)).toBe('Q');
    expect(charForCode('Digit2', true)).toBe('@');
    expect(charForCode('Slash')).toBe('/');
    expect(charForCode('F5')).toBeUndefined();
  });
});
