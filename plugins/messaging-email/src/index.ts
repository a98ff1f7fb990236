// The e-mail channel plugin (default export) and its protocol layer (named exports: SMTP, IMAP,
// parsing, the adapter; a private Dovecot for tests is under ./testing).
export { default } from './plugin.ts';
export * from './mail-hosts.ts';
export * from './mail-parse.ts';
export * from './smtp.ts';
export * from './imap.ts';
export * from './email.adapter.ts';
