// Re-export Quasar's source modules (the same ones @quasar/vite-plugin rewrites the shell's
// `import { QBtn } from 'quasar'` to), so a plugin's QBtn is the shell's QBtn with the shell's $q.
export * from 'quasar/src/components.js';
export * from 'quasar/src/directives.js';
export * from 'quasar/src/plugins.js';
export * from 'quasar/src/composables.js';
export * from 'quasar/src/utils.js';
export { default as Quasar } from 'quasar/src/vue-plugin.js';
