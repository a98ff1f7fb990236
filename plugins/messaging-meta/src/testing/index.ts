export { FakeMeta, type FakePage } from './fake-meta.server.ts';
