import { createMongoAbility, type MongoAbility, type RawRuleOf } from '@casl/ability';
import { rulesToCondition, permittedFieldsOf } from '@casl/ability/extra';
import { ForbiddenError, ValidationError, type FieldError } from '@atrium/sdk';

export type StoredRule = {
  action: string | string[];
  subject: string | string[];
  fields?: string[];
  conditions?: Record<string, unknown>;
  inverted?: boolean;
  reason?: string;
};

/** Operators a rule may use: CASL's Mongo operators that MikroORM also understands, so a rule
 * means the same thing in memory (can()) and in SQL (accessibleWhere()). */
const ALLOWED_OPERATORS = new Set(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$exists', '$and', '$or', '$not']);

export function validateRuleConditions(rules: StoredRule[]): void {
  const problems: FieldError[] = [];
  const walk = (node: unknown, path: string) => {
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k.startsWith('$') && !ALLOWED_OPERATORS.has(k)) problems.push({ field: `${path}.${k}`, code: 'conditionOperator', params: { operator: k }, message: `operator ${k} is not supported in permission conditions` });
      walk(v, `${path}.${k}`);
    }
  };
  rules.forEach((r, i) => walk(r.conditions, `rules.${i}.conditions`));
  if (problems.length) throw new ValidationError('Invalid permission rule', problems);
}

/** Replaces `${user.id}`-style placeholders in stored conditions with the caller's values. */
export function interpolateRules(rules: StoredRule[], vars: { user: { id: string; email: string }; tenant: { id: string } }): StoredRule[] {
  const json = JSON.stringify(rules);
  const out = json.replace(/\$\{(user|tenant)\.([a-zA-Z]+)\}/g, (_m, obj: 'user' | 'tenant', key: string) => {
    const v = (vars[obj] as Record<string, string>)[key];
    if (v === undefined) throw new ValidationError(`Unknown placeholder \${${obj}.${key}} in permission rule`, [{ field: '(rules)', code: 'unknownPlaceholder', params: { placeholder: `\${${obj}.${key}}` } }]);
    return JSON.stringify(v).slice(1, -1);
  });
  return JSON.parse(out);
}

export function buildAbility(rules: StoredRule[]): MongoAbility {
  return createMongoAbility(rules as RawRuleOf<MongoAbility>[]);
}

/**
 * Translates the caller's rules for (action, subject) into a MikroORM where-condition so that
 * lists are filtered in SQL, not after loading. Throws Forbidden when no rule allows anything.
 */
export function accessibleWhere(ability: MongoAbility, action: string, subject: string): Record<string, unknown> {
  const rules = ability.rulesFor(action, subject);
  const where = rulesToCondition(
    rules,
    (rule) => (rule.inverted ? { $not: rule.conditions ?? {} } : (rule.conditions ?? {})),
    {
      and: (conditions: unknown[]) => ({ $and: conditions }),
      or: (conditions: unknown[]) => ({ $or: conditions }),
      empty: () => ({}),
    },
  );
  if (where === null) throw new ForbiddenError(`You may not ${action} ${subject}`, 'FORBIDDEN', { action, subject });
  return where as Record<string, unknown>;
}

export function permittedFields(ability: MongoAbility, action: string, subject: string): string[] | undefined {
  const rules = ability.rulesFor(action, subject);
  if (rules.every((r) => !r.fields)) return undefined;
  return permittedFieldsOf(ability, action, subject, { fieldsFrom: (r) => r.fields ?? ['*'] }).filter((f) => f !== '*');
}
