// @casl/vue's abilitiesPlugin({ useGlobalProperties: true }) adds $can to templates.
export {};
declare module 'vue' {
  interface ComponentCustomProperties {
    $can: (action: string, subject: string, field?: string) => boolean;
  }
}
