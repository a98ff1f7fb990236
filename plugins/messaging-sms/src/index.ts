// The SMS channel plugin (default export) and its protocol layer (named exports: Twilio, the generic
// gateway contract, the adapter; the fakes are under ./testing).
export { default } from './plugin.ts';
export * from './twilio.ts';
export * from './gateway.ts';
export * from './sms.adapter.ts';
