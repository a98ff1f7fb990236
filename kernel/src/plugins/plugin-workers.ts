import crypto from 'node:crypto';
import type { ServiceBroker } from 'moleculer';
import type { WorkerContext, WorkerDefinition } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';

// Plugin workers: long-running loops per unit of work (a channel account's long polling, an IMAP
// IDLE connection) that must run on exactly one node of the cluster.
//
// Desired state: `ctx.workers.set(worker, keys)` stores the tenant's units in a Redis hash per
// (plugin, worker), field = tenant id, value = JSON array of keys. Every node that runs the plugin
// has a supervisor that reads the hashes every few seconds (and at once when a set changes), takes
// a lease (SET NX PX) for each wanted unit nobody holds, renews the leases it holds, and aborts a
// unit whose lease it lost, whose key left the set, or whose tenant disabled the plugin. A unit
// that ends (returns or throws) is started again after a back-off while it is still wanted.

const LEASE_MS = 30_000;
const TICK_MS = 3_000;
const RENEW_LUA = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_LUA = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
export const WORKERS_CHANGED_EVENT = 'atrium.workers.changed';

const hashKey = (deps: KernelDeps, pluginId: string, worker: string) => `${deps.keyPrefix}:workers:${pluginId}:${worker}`;
const leaseKey = (deps: KernelDeps, pluginId: string, worker: string, tenantId: string, key: string) =>
  `${deps.keyPrefix}:worker-lease:${pluginId}:${worker}:${tenantId}:${crypto.createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

/** Replaces a tenant's units of one worker; every node's supervisor looks again at once. */
export async function setWorkerUnits(deps: KernelDeps, pluginId: string, worker: string, tenantId: string, keys: string[]): Promise<void> {
  const h = hashKey(deps, pluginId, worker);
  if (keys.length) await deps.redis.hset(h, tenantId, JSON.stringify(keys));
  else await deps.redis.hdel(h, tenantId);
  deps.broker.broadcast(WORKERS_CHANGED_EVENT, { pluginId });
}

type Running = { tenantId: string; key: string; controller: AbortController; token: string; done: Promise<void> };

/** One per plugin per node (started by the plugin's `$system` service). */
export class WorkerSupervisor {
  private readonly deps: () => KernelDeps;
  private readonly broker: ServiceBroker;
  private readonly pluginId: string;
  private readonly workers: Record<string, WorkerDefinition>;
  private readonly running = new Map<string, Running>();
  /** unit → when it may start again after ending (back-off doubles per failure, at most a minute) */
  private readonly backoff = new Map<string, { until: number; ms: number }>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(deps: () => KernelDeps, broker: ServiceBroker, pluginId: string, workers: Record<string, WorkerDefinition>) {
    this.deps = deps;
    this.broker = broker;
    this.pluginId = pluginId;
    this.workers = workers;
  }

  start(): void {
    this.timer = setInterval(() => this.poke(), TICK_MS);
    this.timer.unref();
    this.poke();
  }

  /** Looks at the desired state now (a set changed); a tick already running is followed by another. */
  poke(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((e) => this.deps().logger.warn({ err: e, pluginId: this.pluginId }, 'worker supervisor tick failed'))
      .finally(() => {
        this.ticking = null;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    const all = [...this.running.values()];
    for (const r of all) r.controller.abort();
    // a unit gets a few seconds to notice its signal; its lease expires by itself otherwise
    await Promise.race([Promise.all(all.map((r) => r.done)), new Promise((r) => setTimeout(r, 5_000).unref())]);
  }

  private async tick(): Promise<void> {
    const d = this.deps();
    const wanted = new Map<string, { worker: string; tenantId: string; key: string }>();
    for (const worker of Object.keys(this.workers)) {
      const all = await d.redis.hgetall(hashKey(d, this.pluginId, worker));
      for (const [tenantId, json] of Object.entries(all)) {
        let keys: unknown = [];
        try {
          keys = JSON.parse(json);
        } catch {}
        for (const key of Array.isArray(keys) ? keys : []) wanted.set(unitId(worker, tenantId, String(key)), { worker, tenantId, key: String(key) });
      }
    }
    // keep or stop what runs here
    for (const [id, r] of this.running) {
      const w = wanted.get(id);
      const keep = !!w && (await d.gate.isEnabled(r.tenantId, this.pluginId)) && (await this.renew(id, r));
      if (!keep) r.controller.abort();
    }
    // start what nobody runs
    for (const [id, u] of wanted) {
      if (this.stopped || this.running.has(id)) continue;
      const b = this.backoff.get(id);
      if (b && b.until > Date.now()) continue;
      if (!(await d.gate.isEnabled(u.tenantId, this.pluginId))) continue;
      const token = `${this.broker.nodeID}:${crypto.randomUUID()}`;
      const got = await d.redis.set(leaseKey(d, this.pluginId, u.worker, u.tenantId, u.key), token, 'PX', LEASE_MS, 'NX');
      if (got === 'OK') this.launch(id, u.worker, u.tenantId, u.key, token);
    }
  }

  private async renew(id: string, r: Running): Promise<boolean> {
    const d = this.deps();
    const [worker] = id.split('\u0000');
    return (await d.redis.eval(RENEW_LUA, 1, leaseKey(d, this.pluginId, worker!, r.tenantId, r.key), r.token, String(LEASE_MS))) === 1;
  }

  private launch(id: string, worker: string, tenantId: string, key: string, token: string): void {
    const d = this.deps();
    const controller = new AbortController();
    const logger = d.logger.child({ plugin: this.pluginId, worker, tenantId, unit: key });
    const ctx: WorkerContext = {
      tenantId,
      pluginId: this.pluginId,
      key,
      signal: controller.signal,
      logger,
      call: (action, params = {}) => {
        if (!action.startsWith(`${this.pluginId}.`) && !d.registry.mayCall(this.pluginId, action)) {
          return Promise.reject(new Error(`Plugin "${this.pluginId}" may not call "${action}": add it to "calls" in atrium.plugin.json`));
        }
        return this.broker.call(action, params, { meta: { system: true, tenantId, callerPlugin: this.pluginId, requestId: `worker:${worker}:${crypto.randomUUID()}` } }) as Promise<any>;
      },
    };
    const started = Date.now();
    const done = (async () => {
      try {
        await this.workers[worker]!.run(ctx);
        this.ended(id, Date.now() - started, null);
      } catch (e) {
        if (!controller.signal.aborted) logger.warn({ err: e }, 'worker unit failed; it will be started again');
        this.ended(id, Date.now() - started, e);
      } finally {
        this.running.delete(id);
        await d.redis.eval(RELEASE_LUA, 1, leaseKey(d, this.pluginId, worker, tenantId, key), token).catch(() => {});
      }
    })();
    this.running.set(id, { tenantId, key, controller, token, done });
  }

  /** A unit that ran a while restarts soon; one that keeps failing at once backs off (2 s … 60 s). */
  private ended(id: string, ranMs: number, error: unknown): void {
    const prev = this.backoff.get(id);
    const ms = ranMs > 60_000 && !error ? 1_000 : Math.min(60_000, Math.max(2_000, (prev?.ms ?? 1_000) * 2));
    this.backoff.set(id, { until: Date.now() + ms, ms });
  }
}

const unitId = (worker: string, tenantId: string, key: string) => `${worker}\u0000${tenantId}\u0000${key}`;
