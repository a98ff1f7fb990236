import type { Component } from 'vue';

// What a plugin bundle's default export looks like (made by defineUiPlugin in @atrium/sdk/ui).
// Duplicated structurally from sdk/ui/index.ts so the shell does not depend on the SDK's build;
// test/plugin-module.test.ts keeps the two honest.
export interface UiPluginRoute {
  /** Relative to the plugin's base path `/<pluginId>`: '' is the plugin's home, ':id' a detail page. */
  path: string;
  component: Component;
  name?: string;
  meta?: Record<string, unknown>;
}
export interface UiPluginModule {
  __atrium?: 'ui-plugin@1';
  routes?: UiPluginRoute[];
  components?: Record<string, Component>;
  messages?: Record<string, Record<string, unknown>>;
}
