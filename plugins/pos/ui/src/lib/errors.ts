import { isApiError } from '@atrium/sdk/ui';

/**
 * A server error's field messages keyed the way forms name their inputs: `lines.0.qtyMilli`,
 * whether the server said `lines.0.qtyMilli` (validation), `lines/0/qtyMilli` or `/price` (business
 * rules), in `error.fields` or in a 422's `details.fields` / `details.field`. So an input shows the
 * real reason ("wrong check digit (expected 7)") under itself instead of a toast of developer text.
 */
export function fieldErrors(e: unknown): Record<string, string> {
  if (!isApiError(e)) return {};
  const out: Record<string, string> = {};
  const put = (field: unknown, message: unknown) => {
    if (typeof field !== 'string' || !field) return;
    const key = field.replace(/^\//, '').replace(/\//g, '.').replace(/\[(\d+)\]/g, '.$1');
    out[key] ??= typeof message === 'string' && message ? message : e.message;
  };
  for (const f of e.fields ?? []) put(f.field, f.message);
  const d = (e.details ?? {}) as { fields?: unknown; field?: unknown };
  if (Array.isArray(d.fields)) for (const f of d.fields as { field?: unknown; message?: unknown }[]) put(f?.field, f?.message);
  if (typeof d.field === 'string') put(d.field, e.message);
  return out;
}

/** The message for a form input named `name`, or for any field under it (`lines.0` → `lines.0.qtyMilli`). */
export function errorFor(errors: Record<string, string>, name: string): string | undefined {
  if (errors[name]) return errors[name];
  const k = Object.keys(errors).find((f) => f.startsWith(`${name}.`));
  return k ? errors[k] : undefined;
}
