import type { MongoAbility } from '@casl/ability';
import { rulesToAST } from '@casl/ability/extra';
import { ForbiddenError, type ConditionFields, type RulesSql, type RulesSqlOptions } from '@atrium/sdk';

/** A node of the AST CASL builds from the rules (`@ucast/mongo2js` conditions). */
type Node = { operator: string; field?: string; value: unknown };

const COMPARE: Record<string, [string, string]> = { lt: ['<', '>='], lte: ['<=', '>'], gt: ['>', '<='], gte: ['>=', '<'] };

/**
 * The caller's rules for (action, subject) as one SQL condition for hand-written queries — what
 * `accessibleWhere` is for MikroORM. CASL's `rulesToAST` gives the rules as one condition (a rule
 * matches unless a later `cannot` does; inverted rules become NOT); this renders it with each
 * field's column from the subject's declaration (`permissions.subjects[].conditions`).
 *
 * No rule → `false`; a rule without conditions that nothing overrides → `true`. Negations are pushed
 * down to the comparisons (De Morgan) and written so that a NULL column counts as "does not match"
 * — as CASL sees a missing value — instead of turning the whole condition unknown, while the
 * positive comparisons stay plain `col = ?`/`col in (…)` that an index can serve.
 *
 * Values are bind parameters: `?` (to compose with `sqlWhere()`, `numbered()` and `em.execute`) or
 * `$n` from `firstParam` (for a statement written with `$1…` for `ctx.sql`). Columns come from code
 * (the manifest or `columns`), never from the rule.
 */
export function rulesSql(ability: MongoAbility, action: string, subject: string, fields: ConditionFields | undefined, opts: RulesSqlOptions = {}): RulesSql {
  const ast = rulesToAST(ability, action, subject) as Node | null;
  if (ast === null) return { sql: 'false', params: [] };
  const params: unknown[] = [];
  const bind = (v: unknown) => {
    params.push(v);
    return opts.firstParam ? `$${opts.firstParam + params.length - 1}` : '?';
  };
  const column = (field: string): string => {
    if (opts.columns && Object.hasOwn(opts.columns, field)) return opts.columns[field]!;
    const f = fields && Object.hasOwn(fields, field) ? fields[field] : undefined;
    // stored before the check existed (or written by hand): refuse rather than ignore it
    if (!f) throw new ForbiddenError(`A permission rule on ${subject} tests "${field}", which ${subject} cannot enforce: an administrator must change the role`, 'RULE_NOT_ENFORCEABLE', { subject });
    return opts.alias ? `${opts.alias}.${f.column}` : f.column;
  };

  const list = (c: string, values: unknown[], negate: boolean): string => {
    const plain = values.filter((v) => v !== null && v !== undefined);
    const withNull = plain.length !== values.length;
    const inList = plain.length ? `${c} ${negate ? 'not in' : 'in'} (${plain.map(bind).join(', ')})` : null;
    if (!negate) return inList && withNull ? `(${inList} or ${c} is null)` : inList ?? (withNull ? `${c} is null` : 'false');
    // not (c in L or c is null?): a NULL column matches exactly when null is not in the list
    if (!inList) return withNull ? `${c} is not null` : 'true';
    return withNull ? `(${c} is not null and ${inList})` : `(${c} is null or ${inList})`;
  };

  const leaf = (n: Node, negate: boolean): string => {
    const c = column(n.field!);
    const v = n.value;
    switch (n.operator) {
      case 'eq':
        if (v === null || v === undefined) return `${c} is ${negate ? 'not ' : ''}null`;
        return negate ? `(${c} is null or ${c} <> ${bind(v)})` : `${c} = ${bind(v)}`;
      case 'ne':
        return leaf({ ...n, operator: 'eq' }, !negate);
      case 'in':
      case 'nin':
        return list(c, Array.isArray(v) ? v : [v], negate !== (n.operator === 'nin'));
      case 'lt':
      case 'lte':
      case 'gt':
      case 'gte': {
        const [op, opposite] = COMPARE[n.operator]!;
        return negate ? `(${c} is null or ${c} ${opposite} ${bind(v)})` : `${c} ${op} ${bind(v)}`;
      }
      default:
        throw new ForbiddenError(`A permission rule on ${subject} uses "${n.operator}", which cannot be enforced: an administrator must change the role`, 'RULE_NOT_ENFORCEABLE', { subject });
    }
  };

  const render = (n: Node, negate: boolean): string => {
    if (n.operator === 'not') return render((n.value as Node[])[0]!, !negate);
    if (n.operator === 'and' || n.operator === 'or') {
      const parts = (n.value as Node[]).map((x) => render(x, negate));
      // De Morgan: under a NOT, and ↔ or; an empty 'and' is true, an empty 'or' false
      const joiner = (n.operator === 'and') !== negate ? ' and ' : ' or ';
      if (!parts.length) return joiner === ' and ' ? 'true' : 'false';
      return parts.length === 1 ? parts[0]! : `(${parts.join(joiner)})`;
    }
    return leaf(n, negate);
  };

  const sql = render(ast, false);
  // every part is self-contained (a comparison or parenthesised); the whole is too, for `and`-ing
  return { sql: sql === 'true' || sql === 'false' ? sql : `(${sql})`, params };
}
