// The pseudo-locale (`qps`): English with every Latin letter accented and each message wrapped in
// ⟦ ⟧. Readable enough to click through, and machine-checkable: after removing the bracketed parts,
// a screen must hold no Latin word (see `untranslatedWords`).

const ACCENTED: Record<string, string> = {
  a: 'á', b: 'ƀ', c: 'ç', d: 'ð', e: 'é', f: 'ƒ', g: 'ĝ', h: 'ĥ', i: 'í', j: 'ĵ', k: 'ķ', l: 'ĺ', m: 'ɱ',
  n: 'ñ', o: 'ó', p: 'þ', q: 'ǫ', r: 'ŕ', s: 'š', t: 'ţ', u: 'ú', v: 'ṽ', w: 'ŵ', x: 'ẋ', y: 'ý', z: 'ž',
  A: 'Á', B: 'Ɓ', C: 'Ç', D: 'Ð', E: 'É', F: 'Ƒ', G: 'Ĝ', H: 'Ĥ', I: 'Í', J: 'Ĵ', K: 'Ķ', L: 'Ĺ', M: 'Ṁ',
  N: 'Ñ', O: 'Ó', P: 'Þ', Q: 'Ǫ', R: 'Ŕ', S: 'Š', T: 'Ţ', U: 'Ú', V: 'Ṽ', W: 'Ŵ', X: 'Ẋ', Y: 'Ý', Z: 'Ž',
};
export const PSEUDO_OPEN = '⟦';
export const PSEUDO_CLOSE = '⟧';

const accent = (s: string) => s.replace(/[A-Za-z]/g, (c) => ACCENTED[c] ?? c);

/** A finished text (already formatted) in the pseudo-locale. */
export function pseudoText(text: string): string {
  return text ? `${PSEUDO_OPEN}${accent(text)}${PSEUDO_CLOSE}` : text;
}

/**
 * A vue-i18n message template in the pseudo-locale: letters outside `{placeholders}` and linked
 * keys (`@:key`) are accented, and each plural branch (`a | b`) is wrapped on its own so the
 * brackets survive vue-i18n choosing one.
 */
export function pseudoTemplate(template: string): string {
  return template
    .split(' | ')
    .map((branch) => {
      let out = '';
      let depth = 0;
      for (let i = 0; i < branch.length; i++) {
        const c = branch[i]!;
        if (c === '{') depth++;
        if (c === '}') depth = Math.max(0, depth - 1);
        if (depth === 0 && c === '@' && branch[i + 1] === ':') {
          const m = /^@:[\w.-]+/.exec(branch.slice(i))!;
          out += m[0];
          i += m[0].length - 1;
          continue;
        }
        out += depth ? c : accent(c);
      }
      return out ? PSEUDO_OPEN + out + PSEUDO_CLOSE : out;
    })
    .join(' | ');
}

/** Every string leaf of a nested message object, through `fn`. */
export function mapMessages<T>(messages: T, fn: (s: string) => string): T {
  if (typeof messages === 'string') return fn(messages) as T;
  if (Array.isArray(messages)) return messages.map((m) => mapMessages(m, fn)) as T;
  if (messages && typeof messages === 'object') {
    return Object.fromEntries(Object.entries(messages).map(([k, v]) => [k, mapMessages(v, fn)])) as T;
  }
  return messages;
}

/**
 * The Latin words of a text shown in the pseudo-locale that did not come from a catalog: what is
 * left after the ⟦…⟧ parts are cut out (innermost first), minus what `allowed` accepts (e-mail
 * addresses, codes, brand names — data, not words).
 */
export function untranslatedWords(text: string, allowed: (word: string) => boolean = () => false): string[] {
  let rest = text;
  for (let prev = ''; prev !== rest; ) {
    prev = rest;
    rest = rest.replace(/⟦[^⟦⟧]*⟧/g, ' ');
  }
  return (rest.match(/[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]/g) ?? []).filter((w) => !allowed(w));
}
