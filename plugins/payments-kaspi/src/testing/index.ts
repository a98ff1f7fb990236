export * from './fake-kaspi.server.ts';
