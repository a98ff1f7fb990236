import type { PermissionEntry } from '../../api/types.ts';
import type { RuleRow } from './rule-rows.ts';

// The roles screen in plain words: per subject, which actions a role may do and on which records
// (its own — a condition on the subject's user field — or all of them). It reads and writes the
// same rows as the raw editor; rows it cannot say in these words (a "cannot", chosen fields, other
// conditions) are left as they are and stay visible to the experts' editor.
export type Scope = 'all' | 'own';
export interface MatrixLine {
  actions: string[];
  scope: Scope;
}

const OWN = '${user.id}';

/** The first declared condition field that holds a user id (soldBy, assigneeId…): what "own" tests. */
export function ownField(entry: PermissionEntry | undefined): string | undefined {
  return Object.entries(entry?.conditions ?? {}).find(([f, d]) => f !== 'id' && (typeof d === 'string' ? d : d.type) === 'uuid')?.[0];
}

function conditionsOf(row: RuleRow): Record<string, unknown> | null {
  if (!row.conditions.trim()) return null;
  try {
    return JSON.parse(row.conditions) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Whether the matrix can say this row: allowed, all fields, no conditions or exactly "own". */
function plain(row: RuleRow, own: string | undefined): Scope | null {
  if (row.inverted || row.fields.length) return null;
  if (!row.conditions.trim()) return 'all';
  const c = conditionsOf(row);
  return own && c && Object.keys(c).length === 1 && c[own] === OWN ? 'own' : null;
}

/** What the rows allow for one subject, in the matrix's words. */
export function matrixLine(rows: RuleRow[], entry: PermissionEntry): MatrixLine {
  const own = ownField(entry);
  const mine = rows.filter((r) => r.subject === entry.subject && plain(r, own) !== null);
  const actions = [...new Set(mine.flatMap((r) => r.actions))];
  return { actions, scope: mine.length && mine.every((r) => plain(r, own) === 'own') ? 'own' : 'all' };
}

/** The rows with one subject's plain rows replaced by what the matrix line says (one row, or none). */
export function applyMatrixLine(rows: RuleRow[], entry: PermissionEntry, line: MatrixLine): RuleRow[] {
  const own = ownField(entry);
  const kept = rows.filter((r) => !(r.subject === entry.subject && plain(r, own) !== null));
  if (!line.actions.length) return kept;
  const scoped = line.scope === 'own' && own;
  return [...kept, { subject: entry.subject, actions: [...line.actions], fields: [], conditions: scoped ? JSON.stringify({ [own]: OWN }) : '', inverted: false }];
}
