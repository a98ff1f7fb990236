// Stripe provider plugin (default export) and its protocol layer (named exports: signature,
// form codec, schemas, REST client; the fake server is under ./testing).
export { default } from './plugin.ts';
export * from './stripe.signature.ts';
export * from './stripe.form.ts';
export * from './stripe.schemas.ts';
export * from './stripe.client.ts';
export * from './stripe.provider.ts';
