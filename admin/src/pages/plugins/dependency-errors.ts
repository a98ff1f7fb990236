import { isApiError } from '../../api/errors.ts';
import type { PluginInfo } from '../../api/types.ts';
import { i18n, localized } from '../../i18n/index.ts';

// Turns the kernel's 409 answers into a sentence a shop owner understands:
// DEPENDENCY_MISSING (enable these first) and DEPENDENTS_ENABLED (these still use it).
export function explainDependencyError(e: unknown, plugin: PluginInfo, catalog: PluginInfo[]): string | null {
  if (!isApiError(e) || e.status !== 409) return null;
  const ids = Array.isArray(e.details.plugins) ? (e.details.plugins as string[]) : [];
  const names = ids.map((id) => localized(catalog.find((p) => p.id === id)?.displayName, id));
  const list = new Intl.ListFormat(i18n.global.locale.value, { type: 'conjunction' }).format(names);
  const name = localized(plugin.displayName, plugin.id);
  if (e.code === 'DEPENDENCY_MISSING') return i18n.global.t('plugins.depMissing', { name, list });
  if (e.code === 'DEPENDENTS_ENABLED') return i18n.global.t('plugins.dependentsEnabled', { name, list });
  return null;
}
