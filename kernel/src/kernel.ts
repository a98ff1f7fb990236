import path from 'node:path';
import { ServiceBroker, type ServiceSchema } from 'moleculer';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { asFunction, asValue, createContainer, InjectionMode } from 'awilix';
import type { AtriumConfig } from '@atrium/config';
import type { PluginDefinition } from '@atrium/sdk';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './db/embedded-postgres.ts';
import { ensureDatabaseAndRoles, type DatabaseUrls } from './db/roles.ts';
import { runMigrations, tablesMissingRls, type MigrationSet } from './db/migrator.ts';
import { foreignKeysWithoutTenant, unsafeForeignKeysMessage } from './db/tenant-foreign-keys.ts';
import { KERNEL_MIGRATIONS } from './db/kernel.migrations.ts';
import { Database } from './db/database.ts';
import { startLocalRedis, type RedisHandle } from './redis/redis-launcher.ts';
import { embeddedPorts } from './process/embedded-ports.ts';
import { PluginRegistry, matchPattern } from './plugins/plugin-registry.ts';
import { kernelTranslator } from './i18n/kernel-translator.ts';
import { discoverPlugins } from './plugins/plugin-loader.ts';
import { EnablementGate } from './plugins/enablement-gate.ts';
import { SecretBox } from './plugins/secret-box.ts';
import { compilePluginService } from './plugins/service-compiler.ts';
import { AbilityService } from './rbac/ability.service.ts';
import { KERNEL_SUBJECTS } from './rbac/builtin-roles.ts';
import { unenforceableGrants } from './rbac/rule-conditions.ts';
import { AjvValidator } from './validation/ajv-validator.ts';
import { TokenService } from './auth/token.service.ts';
import { SESSIONS_REVOKED_EVENT } from './auth/sessions.ts';
import { Mailer } from './auth/mailer.ts';
import { mailService } from './services/mail.service.ts';
import { RateLimiter } from './http/rate-limiter.ts';
import { JobQueues } from './jobs/job-queues.ts';
import { LocalFileStore } from './files/file-store.ts';
import { OutboundPolicy } from './outside/outbound.ts';
import { startOutsideCallRecovery } from './outside/outside-calls.ts';
import { createPipelineMiddleware } from './pipeline/pipeline.middleware.ts';
import { platformSecret } from './secrets.ts';
import type { KernelDeps } from './kernel-deps.ts';
import { gatewayService } from './services/gateway.service.ts';
import { authService } from './services/auth.service.ts';
import { tenantsService } from './services/tenants.service.ts';
import { rbacService } from './services/rbac.service.ts';
import { pluginsService } from './services/plugins.service.ts';
import { auditService } from './services/audit.service.ts';
import { eventsService } from './services/events.service.ts';
import { jobsService } from './services/jobs.service.ts';
import { filesService } from './services/files.service.ts';
import { devicesService } from './services/devices.service.ts';
import { pluginSystemService } from './services/plugin-system.service.ts';

export const KERNEL_VERSION = '0.1.0';

/** How long one shutdown step may take before the node goes on without it (see `stopAll`). */
const STEP_MS = 4_000;

/** A log call for a repeating error (a reconnect loop): the first at once, then one every 30 s saying how many came meanwhile. */
function everyThirtySeconds<E>(log: (e: E, repeats: number) => void): (e: E) => void {
  let last = 0;
  let repeats = 0;
  return (e) => {
    if (Date.now() - last < 30_000) return void repeats++;
    log(e, repeats);
    last = Date.now();
    repeats = 0;
  };
}

export type KernelOptions = {
  config: AtriumConfig;
  /** Where relative paths (data dir, plugin dirs, admin build) resolve from. */
  rootDir?: string;
  /** Plugins given in-process (tests); added to the discovered ones. With a dir, its UI is served. */
  plugins?: (PluginDefinition | { definition: PluginDefinition; dir: string })[];
  /** Discover plugins from config.plugins.dirs/packages (default true). */
  discover?: boolean;
  /** Use this database (owner URL) instead of config/embedded; `databaseName` is created if missing. */
  ownerUrl?: string;
  databaseName?: string;
  redisUrl?: string;
  logger?: Logger;
  /** Where the built admin is (default <rootDir>/admin/dist). */
  adminDist?: string;
};

export type Kernel = {
  broker: ServiceBroker;
  config: AtriumConfig;
  deps: KernelDeps;
  /** Base URL of this node's HTTP gateway, when it runs one. */
  url: string | null;
  databaseUrls: DatabaseUrls;
  stop(): Promise<void>;
};

const KERNEL_SERVICES: Record<string, (deps: () => KernelDeps, o: { adminDist?: string }) => ServiceSchema> = {
  gateway: (deps, o) => gatewayService(deps, { adminDist: o.adminDist, version: KERNEL_VERSION }),
  auth: authService,
  tenants: tenantsService,
  rbac: rbacService,
  plugins: pluginsService,
  audit: auditService,
  events: eventsService,
  jobs: jobsService,
  files: filesService,
  devices: (deps) => devicesService(deps),
  mail: mailService,
};

/** Whether this node runs `name` given ATRIUM_SERVICES patterns (`*`, `kernel.*`, `gateway`, `notes.*`). */
export function runsService(patterns: string[], name: string, kernel: boolean): boolean {
  return patterns.some((p) => matchPattern(p, name) || (kernel && matchPattern(p, `kernel.${name}`)));
}

export async function startKernel(opts: KernelOptions): Promise<Kernel> {
  const config = opts.config;
  const root = opts.rootDir ?? process.cwd();
  const dataDir = path.resolve(root, config.dataDir);
  const logger = opts.logger ?? pino({ level: config.log.level, base: { node: config.nodeId } });
  // Shutdown steps, run last-first. Each is given STEP_MS and then left behind (a step that waits on
  // a server that already died — Redis killed with the rest of the process group — must not hold
  // the node up forever), except the private servers' own stops, which escalate to SIGKILL
  // themselves: those must finish, so that no server outlives the node.
  const cleanups: { name: string; run: () => Promise<unknown>; own?: boolean }[] = [];
  let stopped: Promise<void> | null = null;
  const stopAll = () => (stopped ??= (async () => {
    for (const c of [...cleanups].reverse()) {
      const t = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const limit = c.own ? null : new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), STEP_MS)));
      const done = c.run().then(() => 'ok' as const, (e) => (logger.warn({ err: e, step: c.name }, 'shutdown step failed'), 'failed' as const));
      const outcome = await (limit ? Promise.race([done, limit]) : done);
      clearTimeout(timer);
      if (outcome === 'late') logger.warn({ step: c.name, ms: STEP_MS }, 'shutdown step did not finish in time; going on');
      logger.debug({ step: c.name, ms: Date.now() - t }, 'shutdown step');
    }
  })());

  try {
    const secret = platformSecret(config.auth.jwtSecret, dataDir);

    // 1. PostgreSQL: external URL, or the embedded server in the data dir
    let ownerUrl = opts.ownerUrl ?? config.database.url;
    let pgHandle: EmbeddedPostgresHandle | null = null;
    let redisUrl = opts.redisUrl ?? config.redis.url;
    // ports of the private servers: as set, or chosen once per data directory (two nodes, two sets)
    const ports = await embeddedPorts(dataDir, { postgres: config.database.embeddedPort, redis: config.redis.embeddedPort }, [...(ownerUrl ? [] : ['postgres' as const]), ...(redisUrl ? [] : ['redis' as const])]);
    if (!ownerUrl) {
      pgHandle = await startEmbeddedPostgres({ dir: path.join(dataDir, 'pg'), port: ports.postgres!, log: (l) => logger.debug({ pg: l }) });
      cleanups.push({ name: 'postgres', run: () => pgHandle!.stop(), own: true });
      ownerUrl = pgHandle.url;
    }
    const urls = await ensureDatabaseAndRoles(ownerUrl, secret, opts.databaseName ?? (pgHandle ? 'atrium' : undefined));
    if (config.database.appUrl) urls.app = config.database.appUrl;
    if (config.database.systemUrl) urls.system = config.database.systemUrl;

    // 2. Redis: external URL, or a private redis-server
    if (!redisUrl) {
      const r: RedisHandle = await startLocalRedis({ dir: path.join(dataDir, 'redis'), port: ports.redis!, log: (m) => logger.info(m) });
      cleanups.push({ name: 'redis-server', run: () => r.stop(), own: true });
      redisUrl = r.url;
    }
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false });
    redis.on('error', everyThirtySeconds((e: Error, repeats) => logger.warn({ err: e.message, repeats }, 'redis connection error')));
    cleanups.push({ name: 'redis client', run: async () => redis.disconnect() });

    // 3. Plugins: load every definition, migrate, refuse tables without RLS
    const registry = new PluginRegistry();
    if (opts.discover !== false) {
      for (const p of await discoverPlugins({ dirs: config.plugins.dirs, packages: config.plugins.packages, root })) registry.add(p.definition, p.dir);
    }
    for (const p of opts.plugins ?? []) {
      const { definition, dir } = 'definition' in p ? p : { definition: p, dir: undefined };
      if (!registry.get(definition.manifest.id)) registry.add(definition, dir);
    }
    const ordered = registry.ordered();
    // a default grant whose conditions no route would apply must not be installed into any tenant
    const unenforceable = unenforceableGrants(registry);
    if (unenforceable.length) throw new Error(`Plugin default grants with conditions their subjects cannot enforce: ${unenforceable.join('; ')} — declare the fields in permissions.subjects[].conditions (and apply them), or drop the conditions`);
    const sets: MigrationSet[] = [
      { owner: 'kernel', schema: 'kernel', version: KERNEL_VERSION, migrations: KERNEL_MIGRATIONS },
      ...ordered.map((p) => ({ owner: p.id, schema: p.schema, version: p.manifest.version, migrations: p.definition.migrations ?? [] })),
    ];
    await runMigrations(urls.owner, sets, (m) => logger.info(m), { acceptChanged: config.database.acceptChangedMigrations });
    for (const p of ordered) {
      const bad = await tablesMissingRls(urls.owner, p.schema);
      if (bad.length) throw new Error(`Plugin "${p.id}" has tenant tables without row level security: ${bad.join(', ')} — add tenantRls('<table>') to its migration`);
      const unsafe = await foreignKeysWithoutTenant(urls.owner, p.schema);
      if (unsafe.length) throw new Error(unsafeForeignKeysMessage(p.id, unsafe));
    }

    const db = await Database.connect(urls, ordered.flatMap((p) => p.definition.entities ?? []), config.database.poolMax, {
      tenantMaxConnections: config.database.tenantMaxConnections,
      tenantQueueTimeoutMs: config.database.tenantQueueTimeoutMs,
      statementTimeoutMs: config.database.statementTimeoutMs,
    });
    cleanups.push({ name: 'database pools', run: () => db.close() });
    await recordInstall(db, registry);

    // 4. Broker and the kernel's own wiring (awilix)
    const broker = new ServiceBroker({
      nodeID: config.nodeId ?? `atrium-${process.pid}`,
      namespace: `atrium`,
      // the launcher owns signals: it stops the broker, databases and redis in order
      skipProcessEventRegistration: true,
      transporter: config.transporter ? ({ type: 'NATS', options: { url: config.transporter } } as any) : null,
      logger: false,
      // announce new services at once: an event sent to a just-started node must not be dropped
      transit: { serviceChangedDebounceTime: 0 } as any,
      registry: { strategy: 'RoundRobin', preferLocal: true },
      requestTimeout: 10_000,
      // a node that dies without saying goodbye is dropped after 3 missed heartbeats (3 s)
      heartbeatInterval: 1,
      heartbeatTimeout: 3,
      // retries only where the caller allows them (the gateway: reads and Idempotency-Key writes)
      retryPolicy: { enabled: true, retries: 0, delay: 100, maxDelay: 1000, factor: 2, check: (err: any) => ['SERVICE_NOT_AVAILABLE', 'SERVICE_NOT_FOUND', 'REQUEST_TIMEOUT', 'REQUEST_REJECTED'].includes(err?.type) || err?.code === 'ECONNREFUSED' },
      middlewares: [createPipelineMiddleware(() => container.cradle as KernelDeps)],
      errorHandler(err: any) {
        throw err;
      },
    } as any);
    const keyPrefix = `${config.redis.keyPrefix}:${opts.databaseName ?? 'atrium'}`;
    const queues = new JobQueues(redisUrl, keyPrefix, (pluginId, name) => registry.get(pluginId)?.definition.jobs?.[name]?.maxAttempts);
    cleanups.push({ name: 'job queues', run: () => queues.close() });

    const container = createContainer({ injectionMode: InjectionMode.PROXY, strict: true });
    container.register({
      config: asValue(config),
      logger: asValue(logger),
      db: asValue(db),
      redis: asValue(redis),
      registry: asValue(registry),
      broker: asValue(broker),
      queues: asValue(queues),
      gate: asFunction(({ db }) => new EnablementGate(db)).singleton(),
      abilities: asFunction(({ db }) => new AbilityService(db)).singleton(),
      validator: asFunction(() => new AjvValidator()).singleton(),
      tokens: asFunction(({ config }) => new TokenService(secret, config.auth.accessTokenTtlSeconds)).singleton(),
      mailer: asFunction(({ config, logger }) => new Mailer(config.smtp.url, config.smtp.from, logger)).singleton(),
      keyPrefix: asValue(keyPrefix),
      rateLimiter: asFunction(({ redis }) => new RateLimiter(redis, keyPrefix)).singleton(),
      secrets: asFunction(() => new SecretBox(secret)).singleton(),
      files: asFunction(({ config }) => new LocalFileStore(path.join(path.resolve(root, config.dataDir), 'files'))).singleton(),
      pokeOutbox: asValue(() => broker.broadcastLocal('atrium.outbox.poke')),
      translator: asValue(kernelTranslator(registry)),
      outbound: asFunction(({ config, registry }) => new OutboundPolicy(config, registry)).singleton(),
    });
    const deps = () => container.cradle as KernelDeps;

    // Every node keeps its caches honest, whatever services it runs.
    broker.createService({
      name: 'kernel-cache',
      events: {
        'atrium.plugins.changed'(ctx: any) {
          deps().gate.invalidate(ctx.params.tenantId);
          deps().abilities.invalidate(ctx.params.tenantId);
        },
        'atrium.rbac.changed'(ctx: any) {
          deps().abilities.invalidate(ctx.params.tenantId);
        },
        'atrium.plugins.settings'(ctx: any) {
          deps().gate.invalidateSettings(ctx.params.tenantId, ctx.params.pluginId);
        },
        [SESSIONS_REVOKED_EVENT](ctx: any) {
          deps().tokens.revoke(ctx.params.sessions);
        },
      },
    });

    const patterns = config.services;
    // a node that verifies access tokens also polls for revoked sessions (a broadcast it missed)
    if (runsService(patterns, 'gateway', true)) {
      const revoked = deps().tokens.revoked;
      await revoked.start(db, (e) => logger.warn({ err: e }, 'cannot read revoked sessions (broadcasts still apply); retrying every 2 s'), () => logger.info('reading revoked sessions again'));
      cleanups.push({ name: 'revoked sessions poll', run: async () => revoked.stop() });
    }
    const systemServices: string[] = [];
    const adminDist = opts.adminDist ?? path.resolve(root, 'admin/dist');
    for (const [name, factory] of Object.entries(KERNEL_SERVICES)) {
      if (runsService(patterns, name, true)) broker.createService(factory(deps, { adminDist }));
    }
    for (const p of ordered) {
      const names = (p.definition.services ?? []).map((s) => `${p.id}.${s.name}`);
      if (!names.some((n) => runsService(patterns, n, false)) && !runsService(patterns, `${p.id}.$system`, false)) continue;
      for (const s of p.definition.services ?? []) {
        if (runsService(patterns, `${p.id}.${s.name}`, false)) broker.createService(compilePluginService(p.id, s));
      }
      broker.createService(pluginSystemService(deps, p.definition));
      if (p.definition.outsideCalls?.length) systemServices.push(p.id);
    }

    await broker.start();
    cleanups.push({ name: 'broker', run: () => broker.stop() });
    // outside calls a crash left without an answer, for the plugins whose services run here
    const stopRecovery = startOutsideCallRecovery(deps(), broker, systemServices, config.outbound.recoverIntervalMs);
    cleanups.push({ name: 'outside-call recovery', run: async () => stopRecovery() });
    const gw = broker.getLocalService('gateway') as any;
    const url = gw ? `http://127.0.0.1:${gw.port}` : null;
    logger.info({ node: broker.nodeID, url, plugins: ordered.map((p) => `${p.id}@${p.manifest.version}`) }, 'Atrium node started');
    return { broker, config, deps: deps(), url, databaseUrls: urls, stop: stopAll };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** Platform install records and the permission catalog, refreshed at every boot. */
async function recordInstall(db: Database, registry: PluginRegistry): Promise<void> {
  for (const p of registry.list()) {
    await db.systemQuery(`insert into kernel.plugin_install (plugin_id, version, state) values ($1, $2, 'installed')
      on conflict (plugin_id) do update set version = excluded.version, state = 'installed', error = null, updated_at = now()`, [p.id, p.manifest.version]);
  }
  await db.systemQuery('delete from kernel.permission_catalog');
  const subjects = [
    ...KERNEL_SUBJECTS.map((s) => ({ plugin: 'kernel', ...s, fields: null as string[] | null })),
    ...registry.list().flatMap((p) => (p.manifest.permissions?.subjects ?? []).map((s) => ({ plugin: p.id, subject: s.subject, actions: s.actions, fields: s.fields ?? null }))),
  ];
  for (const s of subjects) {
    await db.systemQuery('insert into kernel.permission_catalog (plugin_id, subject, actions, fields) values ($1, $2, $3, $4) on conflict (subject) do nothing', [s.plugin, s.subject, s.actions, s.fields]);
  }
}
