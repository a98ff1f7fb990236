import { platformMessages, Translator } from '@atrium/sdk/i18n';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';

/** The kernel's words: the platform catalog plus each installed plugin's `messages` (looked up live, so tests adding plugins see theirs). */
export function kernelTranslator(registry: PluginRegistry): Translator {
  return new Translator(platformMessages, () =>
    registry.list().map((p) => ({ id: p.id, displayName: p.manifest.displayName, messages: p.definition.messages })),
  );
}
