import crypto from 'node:crypto';
import type { Context } from 'moleculer';
import { subject as caslSubject, type MongoAbility } from '@casl/ability';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { ForbiddenError, type DeviceClient, type DeviceJob, type DeviceJobOptions, type Logger, type RequestContext, type RequestUser } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { accessibleWhere, permittedFields } from '../rbac/ability.factory.ts';
import { rulesSql } from '../rbac/rules-sql.ts';
import { conditionFields } from '../rbac/condition-catalog.ts';
import { loadPluginSettings } from '../plugins/plugin-settings.ts';
import { loadTenantProfile, TENANT_PROFILE_KEY } from '../tenants/tenant-profile.ts';
import { deferredQuery, preparedQuery } from '../db/prepared.ts';
import { setWorkerUnits } from '../plugins/plugin-workers.ts';
import { isLocale, PSEUDO_LOCALE, type RenderLocale } from '@atrium/sdk/i18n';

const asLocale = (l: unknown): RenderLocale => (isLocale(l) || l === PSEUDO_LOCALE ? l : 'en');
import { outboundFetch } from '../outside/outbound-fetch.ts';
import { runOutsideCall } from '../outside/outside-calls.ts';
import { finishStatement } from './pipeline.middleware.ts';

export type AuditNote = { diff?: { before: unknown; after: unknown }; target?: string; skip?: boolean };
/**
 * What a handler asked for beyond its own writes. Events wait in `outbox` and are written together
 * with the audit entry and the idempotency record in one statement at the end of the transaction
 * (one round trip instead of one per event); `outbox` is absent outside a transaction.
 */
export type OutboxRow = { eventId: string; name: string; payload: Record<string, unknown>; userId: string | null; delivered?: boolean };
export type PendingWork = { events: number; outbox?: OutboxRow[]; jobs: { name: string; data: Record<string, unknown>; delayMs?: number; jobId?: string }[]; audit: AuditNote; afterCommit: (() => void)[] };

export type RequestContextOptions = {
  pluginId: string;
  tenantId: string;
  user: RequestUser | null;
  em: SqlEntityManager;
  ability: MongoAbility;
  pending: PendingWork;
  /** Whether `em` is a transaction's (then `transaction`, `fetch` and `outside` throw). */
  inTransaction: boolean;
  /** When the caller gives up (Date.now() value), or null: bounds transactions and outside calls. */
  deadline: number | null;
};

/** Builds the object handed to plugin handlers: everything they may touch, nothing more. */
export function buildRequestContext(deps: KernelDeps, ctx: Context<any, any>, opts: RequestContextOptions): RequestContext {
  const { pluginId, tenantId, user, em, ability, pending, inTransaction, deadline } = opts;
  const meta = ctx.meta as Record<string, any>;
  const manifest = deps.registry.get(pluginId)?.manifest;
  // the kernel's own work (jobs, event deliveries) passes every check, as it passes the action's permission and row rules
  const system = meta.system === true && !user;
  const can = (action: string, subject: string, object?: Record<string, unknown>, field?: string) =>
    system || (object ? ability.can(action, subjectOf(subject, object) as any, field) : ability.can(action, subject, field));
  const notInTransaction = (what: string) => {
    if (inTransaction) throw new Error(`ctx.${what} in ${pluginId} while a transaction is open: it is for handlers declared "transaction: false" (and not inside ctx.transaction)`);
  };
  const self: RequestContext = {
    tenantId,
    user,
    pluginId,
    callerPlugin: typeof meta.callerPlugin === 'string' ? meta.callerPlugin : null,
    requestId: meta.requestId ?? ctx.requestID ?? crypto.randomUUID(),
    locale: meta.locale ?? 'en',
    t: (key, params, locale) => deps.translator.text(asLocale(locale ?? meta.locale), key.split('.'), params, pluginId) ?? key,
    em,
    sql: (text, params) => preparedQuery(em, text, params),
    sqlDeferred: (text, params) => deferredQuery(em, text, params),
    ability,
    logger: lazyLogger(() => deps.logger.child({ plugin: pluginId, tenantId, requestId: meta.requestId })),
    can,
    authorize(action, subject, object, field) {
      if (!can(action, subject, object, field)) throw new ForbiddenError(`You may not ${action} this ${subject.split('.').pop()}`, 'FORBIDDEN', { action, subject });
    },
    accessibleWhere: (action, subject) => (system ? {} : accessibleWhere(ability, action, subject)),
    // the kernel's own work (jobs, deliveries) runs as no user and is not bound by anyone's rules
    rulesSql: (action, subject, o) => (system ? { sql: 'true', params: [] } : rulesSql(ability, action, subject, conditionFields(deps.registry, subject), o)),
    permittedFields: (action, subject) => (system ? undefined : permittedFields(ability, action, subject)),
    async emit(event, payload) {
      if (pluginId !== 'kernel' && !(manifest?.events?.publishes ?? []).includes(event)) {
        throw new Error(`Plugin "${pluginId}" emits "${event}", which its manifest does not declare in events.publishes`);
      }
      if (!pending.outbox) throw new Error('ctx.emit needs the action\'s transaction: this action was declared with transaction: false');
      // serialised now: later changes to the payload object must not change the event
      // an event no plugin subscribes to is stored as delivered: the relay has nothing to do for it
      const delivered = deps.registry.subscribersOf(event).length === 0;
      pending.outbox.push({ eventId: crypto.randomUUID(), name: event, payload: JSON.parse(JSON.stringify(payload)), userId: user?.id ?? null, ...(delivered ? { delivered } : {}) });
      pending.events++;
    },
    async call(action, params = {}) {
      if (pluginId !== 'kernel' && !deps.registry.mayCall(pluginId, action)) {
        throw new ForbiddenError(`Plugin "${pluginId}" may not call "${action}": add it to "calls" in atrium.plugin.json`, 'CALL_NOT_ALLOWED', { plugin: pluginId, target: action });
      }
      return ctx.call(action, params, { meta: { callerPlugin: pluginId } }) as Promise<any>;
    },
    async settings<T>() {
      return (await deps.gate.settings(tenantId, pluginId, () => loadPluginSettings(deps, em, tenantId, pluginId))) as T;
    },
    async tenant() {
      return (await deps.gate.settings(tenantId, TENANT_PROFILE_KEY, () => loadTenantProfile(deps, em, tenantId) as Promise<any>)) as any;
    },
    jobs: {
      async enqueue(name, data = {}, o = {}) {
        if (pluginId !== 'kernel' && !deps.registry.get(pluginId)?.definition.jobs?.[name]) {
          throw new Error(`Plugin "${pluginId}" has no job "${name}"`);
        }
        pending.jobs.push({ name, data, delayMs: o.delayMs, jobId: o.jobId });
      },
    },
    secrets: {
      seal: (value) => deps.secrets.sealFor(pluginId, tenantId, value),
      open(sealed) {
        try {
          return deps.secrets.openFor(pluginId, tenantId, sealed);
        } catch {
          throw new Error(`ctx.secrets.open: not data sealed by plugin "${pluginId}" for this tenant`);
        }
      },
    },
    push(message) {
      if (typeof message?.type !== 'string' || (pluginId !== 'kernel' && !message.type.startsWith(`${pluginId}.`))) {
        throw new Error(`ctx.push: the message type must start with "${pluginId}."`);
      }
      const copy = JSON.parse(JSON.stringify(message));
      pending.afterCommit.push(() => deps.broker.broadcast('atrium.ui.push', { tenantId, message: copy }));
    },
    workers: {
      set(worker, keys) {
        if (!deps.registry.get(pluginId)?.definition.workers?.[worker]) throw new Error(`Plugin "${pluginId}" has no worker "${worker}"`);
        const list = [...new Set(keys.map(String))];
        pending.afterCommit.push(() => void setWorkerUnits(deps, pluginId, worker, tenantId, list).catch((e) => deps.logger.error({ err: e, pluginId, worker }, 'could not record worker units')));
      },
    },
    status(code) {
      if (!Number.isInteger(code) || code < 200 || code > 299) throw new Error(`ctx.status(${code}): a success status (2xx) only; throw a typed error for failures`);
      meta.$statusCode = code;
    },
    devices: deviceClient(ctx, { pluginId, tenantId, user, requestId: meta.requestId ?? ctx.requestID, locale: meta.locale, requestKey: meta.idempotencyKey }),
    audit: {
      diff(before, after) {
        pending.audit.diff = { before, after };
      },
      target(id) {
        pending.audit.target = id;
      },
      skip() {
        pending.audit.skip = true;
      },
    },
    transaction(fn) {
      notInTransaction('transaction');
      return runShortTransaction(deps, ctx, opts, fn);
    },
    fetch: (input, init) => outboundFetch(deps, { pluginId, tenantId, deadline, inTransaction }, input, init),
    outside(call, input) {
      notInTransaction('outside');
      return runOutsideCall(deps, self, deadline, call, input, (fn) => runShortTransaction(deps, ctx, { ...opts, deadline: null }, fn));
    },
  };
  return self;
}

/**
 * `ctx.transaction(fn)` of a handler without a transaction: one short tenant transaction (RLS,
 * the request's deadline) in which `fn` gets a context like a transactional handler's. Its events
 * go to the outbox with its COMMIT; its jobs are enqueued and its after-commit hooks run once it
 * committed. Audit notes go to the action's own entry (written when the handler returns).
 */
async function runShortTransaction<T>(deps: KernelDeps, ctx: Context<any, any>, outer: RequestContextOptions, fn: (tx: RequestContext) => Promise<T>): Promise<T> {
  const pending: PendingWork = { events: 0, outbox: [], jobs: [], audit: outer.pending.audit, afterCommit: [] };
  const out = await deps.db.transaction({ tenantId: outer.tenantId, userId: outer.user?.id ?? null }, async (em, _first, end) => {
    const tx = buildRequestContext(deps, ctx, { ...outer, em, pending, inTransaction: true });
    const result = await fn(tx);
    await em.flush();
    end.finishWith(finishStatement({ outbox: pending.outbox!, tenantId: outer.tenantId, audit: null, idempotency: null }));
    return result;
  }, { deadline: outer.deadline });
  for (const f of pending.afterCommit) f();
  if (pending.outbox!.some((e) => !e.delivered)) deps.pokeOutbox();
  for (const j of pending.jobs) await deps.queues.enqueuePluginJob(outer.pluginId, j.name, outer.tenantId, j.data, { delayMs: j.delayMs, jobId: j.jobId });
  return out;
}

/**
 * A logger whose pino child is made on its first use: pino serialises a child's bindings when the
 * child is made, and most requests never log.
 */
function lazyLogger(make: () => Logger): Logger {
  let logger: Logger | null = null;
  const get = () => (logger ??= make());
  return {
    info: (...args) => get().info(...args),
    warn: (...args) => get().warn(...args),
    error: (...args) => get().error(...args),
    debug: (...args) => get().debug(...args),
  };
}

/** CASL needs to know an object's subject type; tag a copy (entities stay untouched). */
function subjectOf(type: string, object: Record<string, unknown>): Record<string, unknown> {
  return caslSubject(type, { ...object });
}

/**
 * `ctx.devices`: one `devices.submitJob` call per intent, as the same user (the `print` permission on
 * kernel.Device applies). A fresh broker call, not `ctx.call`, so the job's HTTP bits (status, replay
 * header, idempotency key) never leak into this request's meta. Without an explicit idempotency key,
 * the key is derived from this request's own Idempotency-Key (or id) and the call's position, so a
 * retried request prints once when its client retries with the same key.
 */
function deviceClient(
  ctx: Context<any, any>,
  o: { pluginId: string; tenantId: string; user: RequestUser | null; requestId?: string; locale?: string; requestKey?: string },
): DeviceClient {
  let n = 0;
  const submit = (kind: string, role: string, extra: Record<string, unknown>, opts: DeviceJobOptions = {}) => {
    n++;
    // a request's Idempotency-Key is the user's own (two users may pick the same one): so is the job's
    const key = opts.idempotencyKey ?? `${o.pluginId}:${o.requestKey ? `key:${o.user?.id ?? '-'}:${o.requestKey}` : `req:${o.requestId ?? crypto.randomUUID()}`}:${kind}:${role}:${n}`;
    const params = { kind, role, ...(opts.storeId ? { storeId: opts.storeId } : {}), ...extra };
    return ctx.broker.call('devices.submitJob', params, {
      meta: { user: o.user, tenantId: o.tenantId, requestId: o.requestId, locale: o.locale, callerPlugin: o.pluginId === 'kernel' ? undefined : o.pluginId, idempotencyKey: key },
    }) as Promise<DeviceJob>;
  };
  return {
    print: (role, document, opts) => submit('print-receipt', role, { document }, opts),
    openDrawer: (role, opts) => submit('open-drawer', role, opts?.pin ? { pin: opts.pin } : {}, opts),
    display: (role, lines, opts) => submit('display', role, { lines }, opts),
  };
}
