import type { JsonSchema, PluginInfo } from './providers.ts';

// A provider's settings form, driven by its manifest schema and the kernel's `secretFields`
// (PUT /api/plugins/:id/settings: secret fields are write-only — omitted keeps the stored value,
// the server never sends them back). Lists of secrets (rotation) are edited one per line.

export type FieldKind = 'select' | 'number' | 'text' | 'list' | 'boolean';
export interface SettingField {
  key: string;
  kind: FieldKind;
  secret: boolean;
  required: boolean;
  /** required, but already stored (secret) — may be left empty */
  stored: boolean;
  options?: string[];
  schema: JsonSchema;
}

const typeOf = (s: JsonSchema) => (Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type);

export function settingFields(p: Pick<PluginInfo, 'settingsSchema' | 'secretFields' | 'secretsSet'>): SettingField[] {
  const props = p.settingsSchema?.properties ?? {};
  const req = new Set(p.settingsSchema?.required ?? []);
  return Object.entries(props).map(([key, s]) => {
    const t = typeOf(s);
    const kind: FieldKind = s.enum ? 'select' : t === 'integer' || t === 'number' ? 'number' : t === 'boolean' ? 'boolean' : t === 'array' ? 'list' : 'text';
    const secret = p.secretFields.includes(key);
    return { key, kind, secret, required: req.has(key), stored: secret && p.secretsSet.includes(key), options: s.enum?.map(String), schema: s };
  });
}

export type Model = Record<string, string | boolean>;

/** Form model: plain values shown, secrets always empty (write-only). */
export function toModel(fields: SettingField[], settings: Record<string, unknown>): Model {
  const m: Model = {};
  for (const f of fields) {
    const v = f.secret ? undefined : (settings[f.key] ?? f.schema.default);
    if (f.kind === 'boolean') m[f.key] = v === true;
    else if (f.kind === 'list') m[f.key] = Array.isArray(v) ? v.map(String).join('\n') : '';
    else m[f.key] = v === undefined || v === null ? '' : String(v);
  }
  return m;
}

const lines = (v: string) => v.split(/\r?\n/).map((x) => x.trim()).filter(Boolean);

export type FieldError = { code: 'required' | 'pattern' | 'minLength' | 'maxLength' | 'integer' | 'min' | 'max' | 'minItems' | 'maxItems'; n?: number };

/** Client-side check of one field against its schema (the server checks again). */
export function checkField(f: SettingField, value: string | boolean): FieldError | null {
  if (f.kind === 'boolean') return null;
  const v = String(value ?? '').trim();
  if (!v) return f.required && !f.stored ? { code: 'required' } : null;
  const s = f.schema;
  if (f.kind === 'number') {
    if (!/^-?\d+(\.\d+)?$/.test(v) || (typeOf(s) === 'integer' && !/^-?\d+$/.test(v))) return { code: 'integer' };
    const n = Number(v);
    if (s.minimum !== undefined && n < s.minimum) return { code: 'min', n: s.minimum };
    if (s.maximum !== undefined && n > s.maximum) return { code: 'max', n: s.maximum };
    return null;
  }
  const items = f.kind === 'list' ? lines(v) : [v];
  if (f.kind === 'list') {
    if (s.minItems !== undefined && items.length < s.minItems) return { code: 'minItems', n: s.minItems };
    if (s.maxItems !== undefined && items.length > s.maxItems) return { code: 'maxItems', n: s.maxItems };
  }
  const is = f.kind === 'list' ? (s.items ?? {}) : s;
  for (const it of items) {
    if (is.minLength !== undefined && it.length < is.minLength) return { code: 'minLength', n: is.minLength };
    if (is.maxLength !== undefined && it.length > is.maxLength) return { code: 'maxLength', n: is.maxLength };
    if (is.pattern && !new RegExp(is.pattern, 'u').test(it)) return { code: 'pattern' };
  }
  return null;
}

/** Body of PUT /api/plugins/:id/settings: plain fields as typed values; secrets only when typed. */
export function toPayload(fields: SettingField[], m: Model): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const raw = m[f.key];
    if (f.kind === 'boolean') {
      out[f.key] = raw === true;
      continue;
    }
    const v = String(raw ?? '').trim();
    if (!v) continue; // plain: unset; secret: keep the stored value
    if (f.kind === 'number') out[f.key] = Number(v);
    else if (f.kind === 'list') out[f.key] = lines(v);
    else out[f.key] = v;
  }
  return out;
}
