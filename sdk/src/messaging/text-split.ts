export interface SplitOptions {
  /** The most parts a text may become; beyond it the rest is cut and the last part ends with "…". Default 10. */
  maxParts?: number;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The end (exclusive) of the longest run of whole graphemes starting at 0 whose UTF-16 length is ≤ max. */
function graphemeCut(text: string, max: number): number {
  let end = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  // one grapheme longer than the whole limit (a long emoji sequence): cut at a code point
  if (end === 0) {
    end = max;
    const c = text.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end--;
  }
  return end;
}

/** The best place to end a part within text[0..limit): a paragraph, a line, a sentence, a word. */
function breakAt(text: string, limit: number): number {
  const window = text.slice(0, limit);
  // don't make tiny first parts: a break is good only in the second half of the window
  const min = Math.floor(limit / 2);
  for (const re of [/\n\s*\n/g, /\n/g, /[.!?…。](?=\s)/g, /[,;:](?=\s)/g, /\s/g]) {
    let best = -1;
    for (const m of window.matchAll(re)) {
      const end = m.index! + (re.source.startsWith('\\s') || re.source.startsWith('\\n') ? 0 : m[0].length);
      if (end >= min) best = end;
    }
    if (best > 0) return best;
  }
  return graphemeCut(text, limit);
}

/**
 * Splits a text into parts of at most `max` UTF-16 code units each (how Telegram and most APIs
 * count), at paragraph, line, sentence or word boundaries when there is one in the second half of
 * a part, and never inside a grapheme (a letter with its accents, an emoji with its modifiers).
 * Whitespace at a break is dropped. An empty text is no parts.
 */
export function splitText(text: string, max: number, opts: SplitOptions = {}): string[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`splitText: max must be a positive integer (${max})`);
  const maxParts = opts.maxParts ?? 10;
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    if (rest.length <= max) {
      parts.push(rest);
      break;
    }
    if (parts.length === maxParts - 1) {
      const cut = graphemeCut(rest, max - 1);
      parts.push(`${rest.slice(0, cut).trimEnd()}…`);
      break;
    }
    const end = breakAt(rest, max);
    parts.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(end).trimStart();
  }
  return parts.filter((p) => p.length > 0);
}
