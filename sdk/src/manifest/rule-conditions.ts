import type { FieldError } from '../errors.ts';
import { isUuid } from '../uuid.ts';
import type { ConditionFieldDeclarations } from './manifest.schema.ts';

/**
 * Which rule conditions a subject can enforce, and the check a role's rules must pass before they
 * are stored. A subject declares its condition fields in the manifest
 * (`permissions.subjects[].conditions`, e.g. `{ "id": "uuid", "soldBy": "uuid" }`); the plugin
 * applies them on every route that reads, changes or deletes the subject's rows (ctx.rulesSql /
 * ctx.accessibleWhere / ctx.authorize with the row). A rule that uses any other field, an operator
 * SQL cannot evaluate the same way, a value of the wrong type, or conditions on what cannot be
 * checked against a stored row (`create`, and `manage`, which includes it) would be stored and
 * silently ignored somewhere — so it is refused, naming the field.
 */

export type ConditionFieldType = 'uuid' | 'string' | 'integer' | 'number' | 'boolean' | 'timestamp' | 'date';
export type ConditionField = { type: ConditionFieldType; column: string };
export type ConditionFields = Readonly<Record<string, ConditionField>>;

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** The manifest's declaration with every field's column filled in (default: the name in snake_case). */
export function conditionFieldsOf(decl: ConditionFieldDeclarations | undefined): ConditionFields {
  const out: Record<string, ConditionField> = {};
  for (const [field, d] of Object.entries(decl ?? {})) {
    out[field] = typeof d === 'string' ? { type: d as ConditionFieldType, column: snake(field) } : { type: d.type as ConditionFieldType, column: d.column ?? snake(field) };
  }
  return out;
}

/**
 * The operators a condition may use: those CASL's `createMongoAbility` evaluates in memory (can(),
 * authorize()) exactly as ctx.rulesSql / ctx.accessibleWhere do in SQL. CASL 7 treats `$or`, `$and`,
 * `$nor` and `$not` as field names (they never match), and `$exists` is true for a stored null —
 * so they are refused. Alternatives: several rules (CASL ORs them), several fields in one rule
 * (AND), an inverted rule or `$ne`/`$nin` (NOT). A comparison (`$lt`…) never matches an empty
 * (null) value in SQL; test `null` itself with `{ field: null }` or `{ $ne: null }`.
 */
export const FIELD_OPERATORS = ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin'] as const;
const ORDERED_TYPES: ConditionFieldType[] = ['integer', 'number', 'timestamp', 'date', 'string'];

/** Actions whose rules may not carry conditions: a row being created has no stored fields to test. */
const UNCONDITIONAL_ACTIONS = ['create', 'manage'];
const MAX_LIST = 200;

/** `${user.id}`-style placeholders and the type of what they become (ability.factory interpolates them). */
const PLACEHOLDER_TYPES: Record<string, ConditionFieldType> = { '${user.id}': 'uuid', '${tenant.id}': 'uuid', '${user.email}': 'string' };

export type RuleLike = { action: string | string[]; subject: string | string[]; conditions?: Record<string, unknown>; inverted?: boolean };

/** What is wrong with a condition's value, worded by the platform catalog (`fields.<code>`). */
type ValueProblem = { code: 'unknownPlaceholder' | 'placeholderType' | 'conditionValue'; params: Record<string, unknown>; message: string };

function valueProblem(type: ConditionFieldType, v: unknown): ValueProblem | null {
  if (v === null) return null;
  if (typeof v === 'string' && v.includes('${')) {
    const t = PLACEHOLDER_TYPES[v];
    if (!t) return { code: 'unknownPlaceholder', params: { placeholder: v }, message: `${v} is not a known placeholder (${Object.keys(PLACEHOLDER_TYPES).join(', ')})` };
    return t === type || (type === 'string' && t === 'uuid') ? null : { code: 'placeholderType', params: { placeholder: v, type }, message: `${v} is a ${t}, the field is a ${type}` };
  }
  const wrong = (message: string): ValueProblem => ({ code: 'conditionValue', params: { type }, message });
  switch (type) {
    case 'uuid': return isUuid(v) ? null : wrong('must be a UUID');
    case 'string': return typeof v === 'string' && v.length <= 500 ? null : wrong('must be text (at most 500 characters)');
    case 'integer': return Number.isSafeInteger(v) ? null : wrong('must be a whole number');
    case 'number': return typeof v === 'number' && Number.isFinite(v) ? null : wrong('must be a number');
    case 'boolean': return typeof v === 'boolean' ? null : wrong('must be true or false');
    case 'timestamp':
    case 'date': return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? null : wrong(`must be an ISO ${type === 'date' ? 'date (2025-01-31)' : 'date-time'}`);
  }
}
const problemAt = (field: string, p: ValueProblem): FieldError => ({ field, code: p.code, params: p.params, message: p.message });

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Problems with rules' conditions, each naming its field (`rules.0.conditions.soldBy`). `fieldsOf`
 * answers a subject's condition fields, or undefined for a subject that declares none.
 */
export function ruleConditionProblems(rules: readonly RuleLike[], fieldsOf: (subject: string) => ConditionFields | undefined, path = 'rules'): FieldError[] {
  const problems: FieldError[] = [];
  rules.forEach((rule, i) => {
    const at = `${path}.${i}.conditions`;
    const c = rule.conditions;
    if (c === undefined || c === null) return;
    if (!isPlainObject(c)) return void problems.push({ field: at, code: 'notObject', message: 'must be an object' });
    if (!Object.keys(c).length) return;
    const actions = [rule.action].flat();
    const blocked = actions.filter((a) => UNCONDITIONAL_ACTIONS.includes(a));
    if (blocked.length) {
      problems.push({ field: at, code: 'conditionOnCreate', params: { actions: blocked }, message: `conditions cannot restrict ${blocked.join(', ')}: a row being created has no stored fields to check; give ${blocked.includes('manage') ? 'the actions one by one, and ' : ''}create in a rule without conditions` });
    }
    for (const subject of [rule.subject].flat()) {
      const fields = subject === 'all' ? undefined : fieldsOf(subject);
      if (!fields || !Object.keys(fields).length) {
        problems.push({ field: at, code: 'conditionsUnsupported', params: { subject }, message: `${subject} cannot enforce conditions: it declares no condition fields` });
        continue;
      }
      walkCondition(c, at, fields, subject, problems);
    }
  });
  // one message per field, even when a rule names several subjects
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.field + p.message) && !!seen.add(p.field + p.message));
}

function walkCondition(c: Record<string, unknown>, at: string, fields: ConditionFields, subject: string, out: FieldError[]): void {
  for (const [key, value] of Object.entries(c)) {
    const here = `${at}.${key}`;
    if (key.startsWith('$')) {
      out.push({ field: here, code: 'conditionOperator', params: { operator: key }, message: `${key} is not supported in permission conditions: use several rules (any may match) or several fields in one rule (all must match)` });
      continue;
    }
    const field = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (!field) {
      out.push({ field: here, code: 'conditionField', params: { subject, value: key, allowed: Object.keys(fields) }, message: `${subject} cannot enforce conditions on "${key}"; it allows ${Object.keys(fields).join(', ')}` });
      continue;
    }
    fieldOperand(value, here, field, out);
  }
}

function fieldOperand(value: unknown, at: string, field: ConditionField, out: FieldError[]): void {
  if (!isPlainObject(value)) {
    const p = valueProblem(field.type, value);
    if (p) out.push(problemAt(at, p));
    return;
  }
  if (!Object.keys(value).length) return void out.push({ field: at, code: 'conditionEmpty', message: 'an empty operator object matches nothing predictable' });
  for (const [op, operand] of Object.entries(value)) {
    const here = `${at}.${op}`;
    if (!(FIELD_OPERATORS as readonly string[]).includes(op)) {
      out.push({ field: here, code: 'conditionOperator', params: { operator: op }, message: `operator ${op} is not supported in permission conditions (use ${FIELD_OPERATORS.join(', ')})` });
      continue;
    }
    if (op === '$in' || op === '$nin') {
      if (!Array.isArray(operand) || operand.length > MAX_LIST) out.push({ field: here, code: 'maxItems', params: { limit: MAX_LIST }, message: `must be a list of at most ${MAX_LIST} values` });
      else operand.forEach((v, j) => {
        const p = valueProblem(field.type, v);
        if (p) out.push(problemAt(`${here}.${j}`, p));
      });
    } else if (op === '$eq' || op === '$ne') {
      const p = valueProblem(field.type, operand);
      if (p) out.push(problemAt(here, p));
    } else if (!ORDERED_TYPES.includes(field.type)) {
      out.push({ field: here, code: 'conditionCompare', params: { type: field.type, operator: op }, message: `a ${field.type} cannot be compared with ${op}` });
    } else if (operand === null) {
      out.push({ field: here, code: 'conditionNull', message: 'cannot compare with null' });
    } else {
      const p = valueProblem(field.type, operand);
      if (p) out.push(problemAt(here, p));
    }
  }
}
