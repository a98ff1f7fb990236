import type { JsonSchema } from './types.ts';

/** One input of an account form, from the adapter's TypeBox schema. */
export type FormField = {
  key: string;
  kind: 'text' | 'number' | 'boolean' | 'select';
  required: boolean;
  secret: boolean;
  options: string[];
  pattern?: string;
  maxLength?: number;
  min?: number;
  max?: number;
  default?: unknown;
};

function enumOf(s: JsonSchema): string[] | null {
  if (Array.isArray(s.enum)) return s.enum.map(String);
  if (Array.isArray(s.anyOf) && s.anyOf.every((x) => 'const' in x)) return s.anyOf.map((x) => String(x.const));
  return null;
}

/** The fields of an object schema, in declaration order (plain ones, or secrets: write-only). */
export function fieldsOf(schema: JsonSchema | null | undefined, secret: boolean): FormField[] {
  const required = new Set(schema?.required ?? []);
  return Object.entries(schema?.properties ?? {}).map(([key, s]) => {
    const options = enumOf(s);
    const kind: FormField['kind'] = options ? 'select' : s.type === 'boolean' ? 'boolean' : s.type === 'integer' || s.type === 'number' ? 'number' : 'text';
    return {
      key, kind, required: required.has(key), secret, options: options ?? [],
      ...(s.pattern ? { pattern: s.pattern } : {}), ...(s.maxLength ? { maxLength: s.maxLength } : {}),
      ...(s.minimum !== undefined ? { min: s.minimum } : {}), ...(s.maximum !== undefined ? { max: s.maximum } : {}),
      ...(s.default !== undefined ? { default: s.default } : {}),
    };
  });
}

/** Problems the form can show before asking the server (which checks again): missing, pattern. */
export function fieldProblem(f: FormField, value: unknown, alreadySet: boolean): 'required' | 'pattern' | null {
  const empty = value === undefined || value === null || value === '';
  if (empty) return f.required && !(f.secret && alreadySet) ? 'required' : null;
  if (f.kind === 'text' && f.pattern && !new RegExp(f.pattern).test(String(value))) return 'pattern';
  return null;
}

/** Only what the person filled in: an empty secret keeps the stored one. */
export function formValues(fields: FormField[], values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.key];
    if (v === undefined || v === null || v === '') continue;
    out[f.key] = f.kind === 'number' ? Number(v) : v;
  }
  return out;
}
