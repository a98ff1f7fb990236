// Kaspi QR provider plugin (default export) and its protocol layer (named exports); the core's
// poller drives status checks.
export { default } from './plugin.ts';
export * from './kaspi.client.ts';
export * from './kaspi.provider.ts';
