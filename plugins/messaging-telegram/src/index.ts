// The Telegram channel plugin (default export) and its protocol layer (named exports: the Bot API
// client, update normalisation, the adapter; the fake Bot API is under ./testing).
export { default } from './plugin.ts';
export * from './telegram.client.ts';
export * from './telegram.updates.ts';
export * from './telegram.adapter.ts';
