import { createMongoAbility, type MongoAbility } from '@casl/ability';
import { unpackRules, type PackRule } from '@casl/ability/extra';
import type { RawRuleOf } from '@casl/ability';

// One ability instance for the whole app, shared with plugin bundles through @casl/vue's
// useAbility(). It is only ever updated in place, so every component's can() re-evaluates.
export type AppAbility = MongoAbility;
export const ability: AppAbility = createMongoAbility([]);

/** The kernel sends rules packed with packRules(); it may also send them unpacked. */
export function toRules(rules: unknown[]): RawRuleOf<AppAbility>[] {
  if (rules.length && Array.isArray(rules[0])) {
    return unpackRules(rules as PackRule<RawRuleOf<AppAbility>>[]);
  }
  return rules as RawRuleOf<AppAbility>[];
}

export function setRules(rules: unknown[]) {
  ability.update(toRules(rules));
}
