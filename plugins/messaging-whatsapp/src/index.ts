// The WhatsApp channel plugin (default export) and its protocol layer (named exports: the Cloud API
// and WAHA clients and webhook normalisation, the adapter; the fakes are under ./testing).
export { default } from './plugin.ts';
export * from './cloud.ts';
export * from './waha.ts';
export * from './whatsapp.adapter.ts';
