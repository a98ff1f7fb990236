/**
 * Keyboard-wedge barcode scanners type the code as key presses. Reading `KeyboardEvent.key`
 * gives whatever the active layout maps those keys to — under a Russian layout "ABC123" arrives
 * as "ФИС123". `KeyboardEvent.code` names the physical key (KeyA, Digit1), which is what the
 * scanner meant, so this helper decodes from `code` and uses `shiftKey` for case.
 *
 * A scanner types much faster than a person: keys closer than `maxGapMs` apart, at least
 * `minLength` of them, ended by Enter (or Tab), make a scan. Slower sequences are left alone.
 * Framework-free: works with any object shaped like a KeyboardEvent, so it is unit-testable.
 */
export interface WedgeKeyEvent {
  code: string;
  key?: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
  timeStamp: number;
  preventDefault?: () => void;
}

export interface KeyboardWedgeOptions {
  /** Longest pause between two scanner keystrokes. Scanners: 5–30 ms; people: 80 ms and up. */
  maxGapMs?: number;
  minLength?: number;
  /** Codes that end a scan. */
  terminators?: string[];
  onScan: (barcode: string) => void;
}

const US_SHIFTED: Record<string, [string, string]> = {
  Minus: ['-', '_'], Equal: ['=', '+'], BracketLeft: ['[', '{'], BracketRight: [']', '}'],
  Backslash: ['\\', '|'], Semicolon: [';', ':'], Quote: ["'", '"'], Comma: [',', '<'],
  Period: ['.', '>'], Slash: ['/', '?'], Backquote: ['`', '~'], Space: [' ', ' '],
};
const DIGIT_SHIFTED = ')!@#$%^&*(';

/** The character a US-layout keyboard would produce for this physical key, or undefined. */
export function charForCode(code: string, shift = false): string | undefined {
  let m = /^Key([A-Z])$/.exec(code);
  if (m) return shift ? m[1] : m[1]!.toLowerCase();
  m = /^Digit(\d)$/.exec(code);
  if (m) return shift ? DIGIT_SHIFTED[Number(m[1])] : m[1];
  m = /^Numpad(\d)$/.exec(code);
  if (m) return m[1];
  if (code === 'NumpadSubtract') return '-';
  if (code === 'NumpadAdd') return '+';
  if (code === 'NumpadDecimal') return '.';
  if (code === 'NumpadDivide') return '/';
  if (code === 'NumpadMultiply') return '*';
  const pair = US_SHIFTED[code];
  return pair ? pair[shift ? 1 : 0] : undefined;
}

export class KeyboardWedge {
  private readonly maxGapMs: number;
  private readonly minLength: number;
  private readonly terminators: Set<string>;
  private readonly onScan: (barcode: string) => void;
  private buffer = '';
  private lastAt = -Infinity;

  constructor(opts: KeyboardWedgeOptions) {
    this.maxGapMs = opts.maxGapMs ?? 40;
    this.minLength = opts.minLength ?? 4;
    this.terminators = new Set(opts.terminators ?? ['Enter', 'NumpadEnter', 'Tab']);
    this.onScan = opts.onScan;
  }

  /** Feed every keydown. Returns the barcode when this event completed a scan. */
  handle(e: WedgeKeyEvent): string | undefined {
    if (e.ctrlKey || e.altKey || e.metaKey) { this.reset(); return undefined; }
    const gap = e.timeStamp - this.lastAt;
    if (this.terminators.has(e.code)) {
      const scanned = this.buffer.length >= this.minLength && gap <= this.maxGapMs ? this.buffer : undefined;
      this.reset();
      if (scanned) {
        // Keep the Enter from submitting the form the cursor happened to be in.
        e.preventDefault?.();
        this.onScan(scanned);
      }
      return scanned;
    }
    if (e.code.startsWith('Shift')) return undefined; // modifiers come between characters; they don't break timing
    const ch = charForCode(e.code, !!e.shiftKey);
    if (ch === undefined) { this.reset(); return undefined; }
    if (this.buffer && gap > this.maxGapMs) {
      // A pause: whatever was buffered was typed by a person. Start over from this key.
      this.buffer = '';
    }
    this.buffer += ch;
    this.lastAt = e.timeStamp;
    return undefined;
  }

  reset(): void {
    this.buffer = '';
    this.lastAt = -Infinity;
  }

  /** Listen on a DOM target (window or an input); returns the function that stops listening. */
  attach(target: { addEventListener(t: 'keydown', l: (e: KeyboardEvent) => void, o?: boolean): void; removeEventListener(t: 'keydown', l: (e: KeyboardEvent) => void, o?: boolean): void }): () => void {
    const listener = (e: KeyboardEvent) => { this.handle(e); };
    target.addEventListener('keydown', listener, true);
    return () => target.removeEventListener('keydown', listener, true);
  }
}
