// Kaspi QR / payment-link protocol layer: pure modules, no platform dependency. The provider
// plugin (definePaymentProvider) will wrap these once the SDK lands; its poller drives pollStatus.
export * from './kaspi.idempotency.ts';
export * from './kaspi.client.ts';
