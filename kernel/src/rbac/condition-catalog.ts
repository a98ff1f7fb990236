import { conditionFieldsOf, type ConditionFields } from '@atrium/sdk';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';
import { KERNEL_SUBJECTS } from './builtin-roles.ts';

/**
 * Every subject's condition fields (the kernel's and the installed plugins' manifests): what a rule
 * on that subject may test, with the column each field lives in. Built once per registry.
 */
const built = new WeakMap<PluginRegistry, { size: number; map: Map<string, ConditionFields> }>();

export function conditionFields(registry: PluginRegistry, subject: string): ConditionFields | undefined {
  const plugins = registry.list();
  let entry = built.get(registry);
  if (!entry || entry.size !== plugins.length) {
    const map = new Map<string, ConditionFields>();
    for (const s of KERNEL_SUBJECTS) if (s.conditions) map.set(s.subject, conditionFieldsOf(s.conditions));
    for (const p of plugins) for (const s of p.manifest.permissions?.subjects ?? []) if (s.conditions) map.set(s.subject, conditionFieldsOf(s.conditions));
    entry = { size: plugins.length, map };
    built.set(registry, entry);
  }
  return entry.map.get(subject);
}
