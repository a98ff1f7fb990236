// The Messenger / Instagram channel plugin (default export) and its protocol layer (named exports;
// the fake Graph API is under ./testing).
export { default } from './plugin.ts';
export * from './messenger.ts';
export * from './meta.adapter.ts';
