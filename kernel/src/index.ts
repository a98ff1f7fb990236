export { startKernel, runsService, KERNEL_VERSION, type Kernel, type KernelOptions } from './kernel.ts';
export { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './db/embedded-postgres.ts';
export { ensureDatabaseAndRoles, APP_ROLE, SYSTEM_ROLE } from './db/roles.ts';
export { runMigrations } from './db/migrator.ts';
export { KERNEL_MIGRATIONS } from './db/kernel.migrations.ts';
export { startLocalRedis } from './redis/redis-launcher.ts';
export type { KernelDeps } from './kernel-deps.ts';
export { guardProcess, disableProtoAccessor } from './process-guard.ts';
