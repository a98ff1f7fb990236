// In dev the shell imports the pre-bundled 'quasar', so plugins must get that same copy.
export * from 'quasar';
