import type { RoleRule } from '../../api/types.ts';

// The editor works on rows with arrays and JSON text; the kernel stores CASL raw rules.
export interface RuleRow {
  subject: string;
  actions: string[];
  fields: string[];
  conditions: string; // JSON text, '' = none
  inverted: boolean;
}

const arr = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function toRows(rules: RoleRule[]): RuleRow[] {
  return rules.flatMap((r) =>
    arr(r.subject).map((subject) => ({
      subject,
      actions: arr(r.action),
      fields: r.fields ?? [],
      conditions: r.conditions ? JSON.stringify(r.conditions, null, 2) : '',
      inverted: !!r.inverted,
    })),
  );
}

export function toRules(rows: RuleRow[]): RoleRule[] {
  return rows
    .filter((r) => r.subject && r.actions.length)
    .map((r) => ({
      action: r.actions.length === 1 ? r.actions[0]! : r.actions,
      subject: r.subject,
      ...(r.fields.length ? { fields: r.fields } : {}),
      ...(r.conditions.trim() ? { conditions: JSON.parse(r.conditions) as Record<string, unknown> } : {}),
      ...(r.inverted ? { inverted: true } : {}),
    }));
}

export function validConditions(text: string): boolean {
  if (!text.trim()) return true;
  try {
    const v = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
