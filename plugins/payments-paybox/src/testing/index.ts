export * from './fake-paybox.server.ts';
