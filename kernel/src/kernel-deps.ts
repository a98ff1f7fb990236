import type { ServiceBroker } from 'moleculer';
import type { Redis } from 'ioredis';
import type { AtriumConfig } from '@atrium/config';
import type { Database } from './db/database.ts';
import type { PluginRegistry } from './plugins/plugin-registry.ts';
import type { EnablementGate } from './plugins/enablement-gate.ts';
import type { AbilityService } from './rbac/ability.service.ts';
import type { AjvValidator } from './validation/ajv-validator.ts';
import type { TokenService } from './auth/token.service.ts';
import type { Mailer } from './auth/mailer.ts';
import type { RateLimiter } from './http/rate-limiter.ts';
import type { JobQueues } from './jobs/job-queues.ts';
import type { SecretBox } from './plugins/secret-box.ts';
import type { Logger } from 'pino';
import type { FileStore } from './files/file-store.ts';
import type { Translator } from '@atrium/sdk/i18n';
import type { OutboundPolicy } from './outside/outbound.ts';

/** The kernel's own dependencies, wired by awilix in startKernel (kernel.ts). Plugins never see this. */
export type KernelDeps = {
  config: AtriumConfig;
  logger: Logger;
  db: Database;
  redis: Redis;
  /** Prefix of this platform's Redis keys (`<redis.keyPrefix>:<database>`). */
  keyPrefix: string;
  registry: PluginRegistry;
  gate: EnablementGate;
  abilities: AbilityService;
  validator: AjvValidator;
  tokens: TokenService;
  mailer: Mailer;
  rateLimiter: RateLimiter;
  queues: JobQueues;
  secrets: SecretBox;
  files: FileStore;
  /** Words in the reader's language: the platform catalog plus every installed plugin's (errors, e-mails). */
  translator: Translator;
  broker: ServiceBroker;
  /** Where plugins may send requests (the operator's allowlist) and each tenant's share of outbound calls. */
  outbound: OutboundPolicy;
  /** Wakes the outbox relay after a commit that wrote events (in-process hint; polling is the fallback). */
  pokeOutbox: () => void;
};
