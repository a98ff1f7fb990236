/**
 * Values from JSON Schema (what the OpenAPI document carries) for the API fuzz: valid ones, as a
 * client that read the document would send, and invalid ones, as anything else would. Seeded:
 * the same seed makes the same requests.
 */
export type Rng = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function rngOf(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;
export const int = (rng: Rng, min: number, max: number) => min + Math.floor(rng() * (max - min + 1));

/** Ids seen in answers (and the victim's), offered where a schema wants an id. */
export type IdPool = { uuids: string[]; other: string[] };

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A string matching `pattern`, for the subset of regular expressions schemas use (anchors,
 * classes, escapes, groups, alternation, quantifiers); null when it cannot tell.
 */
export function sampleRegex(pattern: string, rng: Rng): string | null {
  let i = 0;
  const src = pattern;
  const cls = (): string[] => {
    // at '[' : returns the characters of the class
    i++;
    let negate = false;
    if (src[i] === '^') { negate = true; i++; }
    const chars: string[] = [];
    while (i < src.length && src[i] !== ']') {
      let c = src[i++]!;
      if (c === '\\') {
        const e = src[i++]!;
        chars.push(...(e === 'd' ? '0123456789'.split('') : e === 'w' ? (ALNUM + '_').split('') : e === 's' ? [' '] : [e]));
        continue;
      }
      if (src[i] === '-' && src[i + 1] && src[i + 1] !== ']') {
        const to = src[i + 1]!;
        i += 2;
        for (let x = c.charCodeAt(0); x <= to.charCodeAt(0); x++) chars.push(String.fromCharCode(x));
        continue;
      }
      chars.push(c);
    }
    i++;
    if (negate) return ALNUM.split('').filter((c) => !chars.includes(c));
    return chars;
  };
  const seq = (): string | null => {
    let out = '';
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      let atom: (() => string) | null = null;
      const c = src[i]!;
      if (c === '^' || c === '$') { i++; continue; }
      if (c === '(') {
        i++;
        if (src.startsWith('?:', i)) i += 2;
        const start = i;
        const alts: number[] = [start];
        let depth = 0;
        for (; i < src.length; i++) {
          if (src[i] === '\\') { i++; continue; }
          if (src[i] === '(') depth++;
          else if (src[i] === ')') { if (depth === 0) break; depth--; }
          else if (src[i] === '|' && depth === 0) alts.push(i + 1);
        }
        const end = i;
        i++;
        const groupSrc = src.slice(start, end);
        atom = () => {
          const parts = splitTop(groupSrc);
          return sampleRegex(pick(rng, parts), rng) ?? '';
        };
      } else if (c === '[') {
        const chars = cls();
        atom = () => (chars.length ? pick(rng, chars) : 'a');
      } else if (c === '\\') {
        const e = src[i + 1]!;
        i += 2;
        atom = () => (e === 'd' ? String(int(rng, 0, 9)) : e === 'w' ? pick(rng, ALNUM.split('')) : e === 's' ? ' ' : e);
      } else if (c === '.') {
        i++;
        atom = () => pick(rng, ALNUM.split(''));
      } else {
        i++;
        atom = () => c;
      }
      let min = 1;
      let max = 1;
      const q = src[i];
      if (q === '?') { min = 0; max = 1; i++; } else if (q === '*') { min = 0; max = 3; i++; } else if (q === '+') { min = 1; max = 3; i++; } else if (q === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
        if (!m) return null;
        min = Number(m[1]);
        max = m[2] ? (m[3] ? Number(m[3]) : min + 3) : min;
        i += m[0].length;
      }
      const n = int(rng, min, Math.min(max, min + 4));
      for (let k = 0; k < n; k++) out += atom();
    }
    return out;
  };
  try {
    const alts = splitTop(src);
    if (alts.length > 1) return sampleRegex(pick(rng, alts), rng);
    const s = seq();
    return s !== null && new RegExp(pattern).test(s) ? s : null;
  } catch {
    return null;
  }
}

function splitTop(src: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inClass = false;
  let last = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) { parts.push(src.slice(last, i)); last = i + 1; }
  }
  parts.push(src.slice(last));
  return parts;
}

export type SampleContext = { rng: Rng; ids: IdPool; text: () => string };

/** A value the schema accepts (as far as a JSON Schema can tell). */
export function validValue(schema: any, c: SampleContext, depth = 0): unknown {
  const { rng } = c;
  if (!schema || typeof schema !== 'object' || depth > 8) return null;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return pick(rng, schema.enum);
  const union = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(union)) {
    const nonNull = union.filter((s: any) => s?.type !== 'null');
    return validValue(pick(rng, nonNull.length && rng() < 0.9 ? nonNull : union), c, depth);
  }
  const type = Array.isArray(schema.type) ? pick(rng, schema.type.filter((t: string) => t !== 'null')) : schema.type;
  switch (type) {
    case 'string': {
      if (schema.format === 'uuid') return rng() < 0.8 && c.ids.uuids.length ? pick(rng, c.ids.uuids) : crypto.randomUUID();
      if (schema.format === 'email') return `fz${int(rng, 1, 99999)}@fuzz.test`;
      if (schema.format === 'date-time') return new Date(Date.now() + int(rng, -30, 30) * 86_400_000).toISOString();
      if (schema.format === 'date') return new Date(Date.now() + int(rng, -30, 30) * 86_400_000).toISOString().slice(0, 10);
      if (schema.format === 'uri') return 'http://127.0.0.1:9/fuzz';
      if (schema.pattern) {
        if (c.ids.other.length && rng() < 0.5) {
          const re = new RegExp(schema.pattern);
          const fits = c.ids.other.filter((x) => re.test(x));
          if (fits.length) return pick(rng, fits);
        }
        const s = sampleRegex(schema.pattern, rng);
        if (s !== null && (schema.maxLength === undefined || s.length <= schema.maxLength) && s.length >= (schema.minLength ?? 0)) return s;
      }
      let s = c.text();
      const min = schema.minLength ?? 0;
      const max = schema.maxLength ?? 60;
      while (s.length < min) s += 'x';
      return s.slice(0, Math.max(min, Math.min(max, s.length)));
    }
    case 'integer': {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : Math.max(min, 1000));
      return rng() < 0.2 ? pick(rng, [min, max]) : int(rng, min, Math.min(max, min + 10_000));
    }
    case 'number': {
      const min = schema.minimum ?? 0;
      const max = schema.maximum ?? min + 1000;
      return Math.round((min + rng() * (max - min)) * 100) / 100;
    }
    case 'boolean': return rng() < 0.5;
    case 'null': return null;
    case 'array': {
      const n = int(rng, schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, (schema.minItems ?? 0) + 3));
      return Array.from({ length: n }, () => validValue(schema.items ?? {}, c, depth + 1));
    }
    default: {
      if (type !== 'object' && !schema.properties) return c.text();
      const out: Record<string, unknown> = {};
      const required: string[] = schema.required ?? [];
      for (const [k, s] of Object.entries<any>(schema.properties ?? {})) {
        if (k.startsWith('$')) continue;
        if (required.includes(k) || rng() < 0.5) out[k] = validValue(s, c, depth + 1);
      }
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object' && rng() < 0.5) out[`k${int(rng, 1, 9)}`] = validValue(schema.additionalProperties, c, depth + 1);
      return out;
    }
  }
}

/** Hostile values: wrong types, boundaries, encodings and shapes that have broken servers. */
export const HOSTILE: ((rng: Rng) => unknown)[] = [
  () => null, () => 0, () => -1, () => 2 ** 53 + 1, () => 1e308, () => -1e308, () => 0.5, () => '', () => ' ', () => true,
  () => 'x'.repeat(100_000), () => 'nul\u0000byte', () => '\ud800', () => "' or 1=1 --", () => '../../etc/passwd', () => '%00%E0%A4%A',
  () => '<script>alert(1)</script>', () => '2026-02-30T25:61:61Z', () => '00000000-0000-0000-0000-000000000000', () => 'constructor', () => '__proto__',
  () => [], () => [[[[[]]]]], () => ({}), () => ({ __proto__x: 1 }), () => Array.from({ length: 2000 }, (_, i) => i), () => 'Ӛ'.repeat(300), () => '🙂'.repeat(100),
];

/** A body with one thing wrong with it. */
export function invalidBody(schema: any, c: SampleContext): unknown {
  const { rng } = c;
  const base = validValue(schema, c) as Record<string, unknown>;
  const props = Object.keys(schema?.properties ?? {}).filter((k) => !k.startsWith('$'));
  const kind = int(rng, 0, 7);
  if (kind === 0 || !props.length || !base || typeof base !== 'object') return pick(rng, HOSTILE)(rng);
  const k = pick(rng, props);
  switch (kind) {
    case 1: return { ...base, [k]: pick(rng, HOSTILE)(rng) };
    case 2: { const { [k]: _drop, ...rest } = base; return rest; }
    case 3: return { ...base, [`unknown_${int(rng, 1, 9)}`]: 1 };
    case 4: return JSON.parse(`{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}`);
    case 5: { let v: unknown = 1; for (let d = 0; d < int(rng, 20, 200); d++) v = { [k]: v }; return { ...base, [k]: v }; }
    case 6: return { ...base, [k]: validValue(schema.properties[k], c) && { nested: pick(rng, HOSTILE)(rng) } };
    default: return [base];
  }
}
