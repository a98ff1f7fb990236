import { AtriumError, ruleConditionProblems, type RuleLike } from '@atrium/sdk';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';
import { conditionFields } from './condition-catalog.ts';

/**
 * A rule is stored only if every route can enforce it: its conditions use fields the subject
 * declares (manifest `permissions.subjects[].conditions`, KERNEL_SUBJECTS), operators SQL evaluates
 * as CASL does, values of the declared types — and never restrict `create`/`manage`. Anything else
 * is a 422 naming the field (`rules.0.conditions.soldBy`), never a rule stored and ignored.
 */
export function assertEnforceableRules(registry: PluginRegistry, rules: readonly RuleLike[], path = 'rules'): void {
  const fields = ruleConditionProblems(rules, (s) => conditionFields(registry, s), path);
  if (fields.length) {
    throw new AtriumError(`These permission conditions cannot be enforced: ${fields.map((f) => `${f.field} ${f.message}`).join('; ')}`, 422, 'RULE_NOT_ENFORCEABLE', { fields });
  }
}

/**
 * Default grants (every plugin's manifest) that could not be enforced — checked at boot, with the
 * whole catalogue known, so a plugin cannot ship a role rule that would be stored and ignored.
 */
export function unenforceableGrants(registry: PluginRegistry): string[] {
  return registry.list().flatMap((p) =>
    Object.entries(p.manifest.permissions?.grants ?? {}).flatMap(([role, grants]) =>
      ruleConditionProblems(grants, (s) => conditionFields(registry, s), `${p.id}: permissions.grants.${role}`).map((f) => `${f.field} ${f.message}`)));
}
