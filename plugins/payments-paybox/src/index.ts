// FreedomPay/PayBox provider plugin (default export) and its protocol layer (named exports).
export { default } from './plugin.ts';
export * from './paybox.signature.ts';
export * from './paybox.xml.ts';
export * from './paybox.money.ts';
export * from './paybox.client.ts';
export * from './paybox.provider.ts';
