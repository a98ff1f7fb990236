// FreedomPay/PayBox protocol layer: pure modules, no platform dependency. The provider plugin
// (definePaymentProvider) will wrap these once the SDK lands.
export * from './paybox.signature.ts';
export * from './paybox.xml.ts';
export * from './paybox.money.ts';
export * from './paybox.idempotency.ts';
export * from './paybox.client.ts';
