import { describe, expect, it } from 'vitest';
import { splitText } from './text-split.ts';

describe('splitText', () => {
  it('keeps a short text whole and drops an empty one', () => {
    expect(splitText('  hello  ', 10)).toEqual(['hello']);
    expect(splitText('   ', 10)).toEqual([]);
  });

  it('breaks at the best boundary in the second half of a part: paragraph, line, sentence, word', () => {
    const para = `${'a'.repeat(30)}\n\n${'b'.repeat(30)}`;
    expect(splitText(para, 40)).toEqual(['a'.repeat(30), 'b'.repeat(30)]);
    const sentences = 'Первое предложение. Второе предложение подлиннее.';
    expect(splitText(sentences, 30)).toEqual(['Первое предложение.', 'Второе предложение подлиннее.']);
    expect(splitText('one two three four five six', 12)).toEqual(['one two', 'three four', 'five six']);
  });

  it('every part fits, and no text is lost', () => {
    const text = Array.from({ length: 500 }, (_, i) => `слово${i}`).join(' ');
    const parts = splitText(text, 4096 / 16, { maxParts: 100 });
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(256);
    expect(parts.join(' ')).toBe(text);
  });

  it('never cuts inside a grapheme (emoji with modifiers, combining accents)', () => {
    const family = '👨‍👩‍👧‍👦';
    const text = family.repeat(10);
    const parts = splitText(text, 25);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(25);
      expect(p.length % family.length).toBe(0);
    }
    expect(parts.join('')).toBe(text);
    const accented = 'е́'.repeat(20);
    for (const p of splitText(accented, 7)) expect(p.length % 2).toBe(0);
  });

  it('cuts a text that needs more than maxParts and marks the cut', () => {
    const parts = splitText('x'.repeat(100), 10, { maxParts: 3 });
    expect(parts).toHaveLength(3);
    expect(parts[2]!.endsWith('…')).toBe(true);
    expect(parts[2]!.length).toBeLessThanOrEqual(10);
    expect(() => splitText('x', 0)).toThrow(RangeError);
  });
});
