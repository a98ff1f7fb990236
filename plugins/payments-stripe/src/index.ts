// Stripe protocol layer: pure modules, no platform dependency. The provider plugin
// (definePaymentProvider) will wrap these once the SDK lands.
export * from './stripe.signature.ts';
export * from './stripe.form.ts';
export * from './stripe.schemas.ts';
export * from './stripe.client.ts';
