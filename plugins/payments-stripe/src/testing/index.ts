export * from './fake-stripe.server.ts';
