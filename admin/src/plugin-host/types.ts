import type { UiPluginModule as DefinedUiPlugin } from '@atrium/sdk/ui';

export type { UiPluginRoute } from '@atrium/sdk/ui';

// What a plugin bundle's default export may be: the SDK's own type (what defineUiPlugin makes),
// every part optional, because the shell receives whatever a bundle exports and checks it before
// use (host.ts) — a bundle built against an older SDK may lack parts.
export type UiPluginModule = Partial<DefinedUiPlugin>;
