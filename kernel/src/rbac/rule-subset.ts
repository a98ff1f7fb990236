import { createMongoAbility, type MongoAbility, type RawRuleOf } from '@casl/ability';
import type { StoredRule } from './ability.factory.ts';

/** A subject and its actions, as the permission catalog lists them (kernel + installed plugins). */
export type CatalogEntry = { subject: string; actions: readonly string[] };

/** A granted rule the granter does not hold, and one (action, subject) where it goes beyond them. */
export type UncoveredRule = { rule: number; action: string; subject: string; why: 'not-held' | 'conditions' | 'fields' | 'denied' };

type CaslRule = ReturnType<MongoAbility['possibleRulesFor']>[number];

/**
 * Which of `granted` (one role's rules, in their stored order) go beyond what `held` (the granter's
 * rules) allows. "Hold" is what CASL would answer: for every action, subject, object and field the
 * granted rules allow, the held rules allow it too — same or wider action (`manage`), same or wider
 * subject (`all`), conditions no narrower (the held rule's conditions are a part of the granted
 * rule's), fields a subset, and no `cannot` rule of the granter's that could cut into it.
 *
 * The check is sound, not complete: where it cannot prove a rule is held (two held rules that only
 * together cover it, operators it does not compare) it refuses — a granter can always ask an owner.
 *
 * Both sides are the stored templates: `${user.id}` on each side means "the member's own", so a
 * granter who may read their own lessons may give others their own lessons, not everyone's; a
 * literal id never matches a placeholder.
 *
 * Wildcards: `manage` and `all` also cover actions and subjects nobody has named yet (a plugin
 * installed tomorrow), so each is probed with a name that appears in no rule and no catalog.
 */
export function uncoveredRules(held: readonly StoredRule[], granted: readonly StoredRule[], catalog: readonly CatalogEntry[]): UncoveredRule[] {
  if (!granted.length) return [];
  const holder = createMongoAbility(held as RawRuleOf<MongoAbility>[]);
  const grant = createMongoAbility(granted as RawRuleOf<MongoAbility>[]);
  // the actions worth probing per subject: its catalog actions and every action a rule names for
  // it (or for all); any other action is reached only through `manage`, as the unnamed probe is
  const subjects = new Set<string>(catalog.map((c) => c.subject));
  const rules = [...held, ...granted];
  for (const r of rules) for (const s of [r.subject].flat()) subjects.add(s);
  subjects.delete('all');
  const anySubject = unusedName('any-subject', subjects);
  const anyAction = unusedName('any-action', new Set([...catalog.flatMap((c) => c.actions), ...rules.flatMap((r) => [r.action].flat())]));
  subjects.add(anySubject);
  const actionsOf = (subject: string) => {
    const named = new Set<string>(catalog.find((c) => c.subject === subject)?.actions ?? []);
    for (const r of rules) if ([r.subject].flat().some((s) => s === subject || s === 'all')) for (const a of [r.action].flat()) named.add(a);
    named.delete('manage');
    return [...named, anyAction];
  };

  const out = new Map<number, UncoveredRule>();
  for (const subject of subjects) {
    for (const action of actionsOf(subject)) {
      for (const r of grant.possibleRulesFor(action, subject)) {
        // highest priority first: an unconditional `cannot` hides every rule below it
        if (r.inverted) {
          if (isEmpty(r.conditions) && !r.fields) break;
          continue;
        }
        const index = granted.indexOf(r.origin as StoredRule);
        if (out.has(index)) continue;
        const why = coverage(r, holder.possibleRulesFor(action, subject));
        if (why) out.set(index, { rule: index, action: action === anyAction ? 'manage' : action, subject: subject === anySubject ? 'all' : subject, why });
      }
    }
  }
  return [...out.values()].sort((a, b) => a.rule - b.rule);
}

/**
 * Whether the held rules (for one action and subject) allow all that rule `r` allows. Every `cannot`
 * of the granter's that may overlap `r` counts, whatever its position: a user's roles are merged in
 * no guaranteed order, so a `cannot` in one role may sit above a `can` of another.
 */
function coverage(r: CaslRule, held: readonly CaslRule[]): UncoveredRule['why'] | null {
  if (held.some((h) => h.inverted && mayOverlap(h, r))) return 'denied';
  const allowing = held.filter((h) => !h.inverted);
  if (!allowing.length) return 'not-held';
  const byConditions = allowing.filter((h) => conditionsCover(h, r));
  if (!byConditions.length) return 'conditions';
  return byConditions.some((h) => fieldsCover(h, r)) ? null : 'fields';
}

/** The held rule's conditions are a part of the granted rule's (top-level keys are ANDed). */
function conditionsCover(h: CaslRule, r: CaslRule): boolean {
  if (isEmpty(h.conditions)) return true;
  if (isEmpty(r.conditions)) return false;
  const rc = r.conditions as Record<string, unknown>;
  return Object.entries(h.conditions as Record<string, unknown>).every(([k, v]) => Object.hasOwn(rc, k) && sameJson(v, rc[k]));
}

/** Every field the granted rule opens is open to the holder (a pattern only by the same pattern). */
function fieldsCover(h: CaslRule, r: CaslRule): boolean {
  if (!h.fields) return true;
  if (!r.fields) return false;
  return r.fields.every((f) => (f.includes('*') ? h.fields!.includes(f) : h.matchesField(f)));
}

/** Whether a `cannot` rule may forbid something `r` allows (false only when provably disjoint). */
function mayOverlap(h: CaslRule, r: CaslRule): boolean {
  // a `cannot` with fields forbids only those fields (never the object as a whole)
  if (h.fields && r.fields && !r.fields.some((f) => f.includes('*') || h.matchesField(f))) return false;
  if (isEmpty(h.conditions) || isEmpty(r.conditions)) return true;
  const rc = r.conditions as Record<string, unknown>;
  for (const [k, v] of Object.entries(h.conditions as Record<string, unknown>)) {
    if (Object.hasOwn(rc, k) && isLiteral(v) && isLiteral(rc[k]) && v !== rc[k]) return false;
  }
  return true;
}

/** A plain value with no placeholder: two different ones can never both match one field. */
function isLiteral(v: unknown): boolean {
  return v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && !v.includes('${'));
}

function isEmpty(c: unknown): boolean {
  return !c || (typeof c === 'object' && Object.keys(c).length === 0);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

function unusedName(base: string, taken: Set<string>): string {
  let name = `(${base})`;
  for (let i = 2; taken.has(name); i++) name = `(${base}-${i})`;
  return name;
}
