import crypto from 'node:crypto';
import type { Context, Middleware } from 'moleculer';
import { createMongoAbility, type MongoAbility } from '@casl/ability';
import { ForbiddenError, isUuid, NotFoundError, PluginDisabledError, UnauthorizedError, UnprocessableError, type RequestUser } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { PREFETCH, type ActionSpec, type PrefetchFn } from './action-spec.ts';
import { buildRequestContext, type OutboxRow, type PendingWork } from './request-context.ts';
import { claimOutside, freeOutside } from './idempotency-outside.ts';
import { isActiveTenant } from '../tenants/active-tenants.ts';
import { mapDbError } from './db-errors.ts';
import { resolveTenantFromRequest } from './tenant-from-request.ts';

/** Meta a request carries between nodes. Set by the gateway (from the verified JWT) or by the kernel for system work. */
export type AtriumMeta = {
  user?: RequestUser | null;
  tenantId?: string;
  system?: boolean;
  requestId?: string;
  idempotencyKey?: string;
  locale?: string;
  callerPlugin?: string;
  ip?: string;
  userAgent?: string;
  /**
   * When the caller gives up (a Date.now() value; the gateway sets its timeout): a transaction of
   * this request may not outlive it, and outside calls are cut at it. Travels to nested calls.
   */
  deadline?: number;
  /** Out: response headers/cookies/status the gateway should apply. */
  $responseHeaders?: Record<string, string>;
  $statusCode?: number;
  $setCookies?: string[];
};

const NO_ABILITY = createMongoAbility([]);

/** What `ctx.em` is in an action declared `transaction: false`: any use is a programming error. */
const NO_TRANSACTION_EM: any = new Proxy({}, {
  get(_t, prop) {
    if (prop === 'then') return undefined;
    throw new Error(`ctx.em.${String(prop)} used in an action declared "transaction: false"`);
  },
});

/**
 * The request pipeline, in this order, for every action that carries an `atrium` spec:
 * authenticate → resolve tenant → plugin-enabled gate → validate params → authorize (CASL) →
 * tenant transaction (filter + RLS) → handler → audit + outbox + idempotency record, same transaction.
 */
export function createPipelineMiddleware(deps: () => KernelDeps): Middleware {
  return {
    name: 'AtriumPipeline',
    localAction(next: (ctx: Context) => Promise<unknown>, action: any) {
      const spec: ActionSpec | undefined = action.atrium;
      if (!spec) return next;
      const validate = spec.params ? deps().validator.compile(spec.params) : null;
      const prefetch = action[PREFETCH] as PrefetchFn | undefined;

      return async function atriumPipeline(ctx: Context<any, AtriumMeta>) {
        const d = deps();
        const meta = ctx.meta;
        // 1. authenticate — the gateway verified the token; here we require what the action needs
        const isSystem = meta.system === true;
        if (spec.permission === 'system' && !isSystem) throw new ForbiddenError('Internal action', 'INTERNAL_ACTION');
        if (spec.permission === 'internal' && !isSystem && !meta.callerPlugin) throw new ForbiddenError('Internal action: only allowlisted plugins may call it', 'INTERNAL_ACTION');
        let user = meta.user ?? null;
        if (spec.permission !== 'public' && spec.permission !== 'internal' && !isSystem && !user) throw new UnauthorizedError();

        // 2. tenant — only ever from the token (or the kernel's own system call), never from params;
        // the one exception is a public webhook route that names its tenant in the path
        let tenantId = meta.tenantId;
        if (spec.tenantFromParam && spec.permission === 'public' && !user && !isSystem) {
          tenantId = await resolveTenantParam(d, (ctx.params ?? {})[spec.tenantFromParam]);
          meta.tenantId = tenantId;
        } else if (spec.tenantFromRequest && spec.permission === 'public' && !user && !isSystem) {
          // one public URL for every tenant: the plugin finds the tenant in the request (tenant-from-request.ts)
          const r = await resolveTenantFromRequest(d, action, ctx.params ?? {}, validate);
          if ('respond' in r) return r.respond;
          tenantId = meta.tenantId = r.tenantId;
        }
        if (spec.tenantScoped && !tenantId) throw new UnauthorizedError('No active tenant', 'NO_TENANT');

        // allowlist: a plugin calling another plugin's action must have declared it
        if (meta.callerPlugin && spec.pluginId && meta.callerPlugin !== spec.pluginId && !d.registry.mayCall(meta.callerPlugin, spec.fullName)) {
          throw new ForbiddenError(`Plugin "${meta.callerPlugin}" may not call "${spec.fullName}"`, 'CALL_NOT_ALLOWED', { plugin: meta.callerPlugin, target: spec.fullName });
        }

        // 3. plugin gate
        if (spec.pluginId && tenantId && spec.requiresEnablement !== false && !(await d.gate.isEnabled(tenantId, spec.pluginId))) {
          throw new PluginDisabledError(spec.pluginId);
        }

        // 4. validation (strict: unknown properties rejected)
        if (validate) validate(ctx.params ?? {});

        // 5. authorization
        let ability: MongoAbility = NO_ABILITY;
        // the user's roles as they are now, not as the token has them (ability.service.ts)
        if (user && tenantId) ({ ability, user } = await d.abilities.forRequest(tenantId, user));
        if (Array.isArray(spec.permission) && !isSystem) {
          const [act, subject] = spec.permission;
          if (!ability.can(act, subject)) throw new ForbiddenError(`You may not ${act} ${subject}`, 'FORBIDDEN', { action: act, subject });
        }

        if (!spec.tenantScoped) return next(ctx);
        const deadline = typeof meta.deadline === 'number' ? meta.deadline : null;

        if (!spec.transaction) {
          // no connection held: em/emit throw; a mutation is still audited, in its own short transaction
          const pending: PendingWork = { events: 0, jobs: [], audit: {}, afterCommit: [] };
          const scope = { tenantId: tenantId!, userId: user?.id ?? null };
          // Idempotency-Key: claimed before the handler, answered with its stored result on a retry (idempotency-outside.ts)
          const idemKey = spec.idempotent ? meta.idempotencyKey : undefined;
          const key = idemKey ? { userId: user?.id ?? NO_USER, action: spec.fullName, key: idemKey } : null;
          if (key) {
            if (key.key.length > 200) throw new UnprocessableError('Idempotency-Key must be at most 200 characters', 'IDEMPOTENCY_KEY_INVALID');
            const claim = await claimOutside(d, scope, { ...key, claimSql: CLAIM_KEY_SQL, hash: hashParams(ctx.params), deadline });
            if (claim.replayed) {
              meta.$responseHeaders = { ...(meta.$responseHeaders ?? {}), 'Idempotent-Replayed': 'true' };
              return claim.response;
            }
          }
          (ctx.locals as any).req = buildRequestContext(d, ctx, { pluginId: spec.pluginId ?? 'kernel', tenantId: tenantId!, user, em: NO_TRANSACTION_EM, ability, pending, inTransaction: false, deadline });
          let out: unknown;
          try {
            out = await next(ctx);
          } catch (e) {
            if (key) await freeOutside(d, scope, key).catch(() => undefined);
            throw e;
          }
          const plain = out === undefined ? null : JSON.parse(JSON.stringify(out));
          const audit = spec.mutates && !pending.audit.skip ? auditRow(spec, scope, meta, ctx.params, plain, pending) : null;
          if (audit || key) {
            // no deadline: the work is done (and committed in its own transactions) — its audit entry and answer must be written
            await d.db.transaction(scope, async (_em, _first, tx) => {
              tx.finishWith(finishStatement({ outbox: [], tenantId: tenantId!, audit, idempotency: key ? { ...key, response: plain } : null }));
            });
          }
          for (const fn of pending.afterCommit) fn();
          await enqueueJobs(d, spec.pluginId ?? 'kernel', tenantId!, pending.jobs);
          return plain;
        }

        // 6. one transaction: handler + audit + outbox + idempotency
        const pending: PendingWork = { events: 0, outbox: [], jobs: [], audit: {}, afterCommit: [] };
        const scope = { tenantId: tenantId!, userId: user?.id ?? null };
        const idemKey = spec.idempotent ? meta.idempotencyKey : undefined;
        // only GET routes are treated as reads; subscribers and jobs may rely on the final flush
        const readOnly = spec.rest?.method === 'GET' && !spec.mutates && !idemKey;
        let result: unknown;
        try {
          if (idemKey && idemKey.length > 200) throw new UnprocessableError('Idempotency-Key must be at most 200 characters', 'IDEMPOTENCY_KEY_INVALID', { limit: 200 });
          const hash = idemKey ? hashParams(ctx.params) : '';
          result = await d.db.transaction(scope, async (em, first, tx, prefetched) => {
            (ctx.locals as any).prefetched = prefetched;
            if (idemKey) {
              const replay = await claimIdempotencyKey(em, first, tenantId!, user?.id ?? NO_USER, spec.fullName, idemKey, hash);
              if (replay.replayed) {
                meta.$responseHeaders = { ...(meta.$responseHeaders ?? {}), 'Idempotent-Replayed': 'true' };
                return replay.response;
              }
            }
            (ctx.locals as any).req = buildRequestContext(d, ctx, { pluginId: spec.pluginId ?? 'kernel', tenantId: tenantId!, user, em, ability, pending, inTransaction: true, deadline });
            (ctx.locals as any).em = em;
            // cache invalidations and broadcasts must not run before the change is visible
            (ctx.locals as any).afterCommit = pending.afterCommit;
            const out = await next(ctx);
            if (!readOnly) await em.flush();
            // a stored or audited result must be exactly what the client got: make it plain JSON once
            const plain = out === undefined ? null : readOnly ? out : JSON.parse(JSON.stringify(out));
            // outbox, audit and the stored response travel with the COMMIT (one round trip)
            tx.finishWith(finishStatement({
              outbox: pending.outbox!,
              tenantId: tenantId!,
              audit: spec.mutates && !pending.audit.skip ? auditRow(spec, scope, meta, ctx.params, plain, pending) : null,
              idempotency: idemKey ? { userId: user?.id ?? NO_USER, action: spec.fullName, key: idemKey, response: plain } : null,
            }));
            return plain;
          }, {
            readOnly,
            // the key is claimed in the same round trip that sets the tenant for RLS, and the
            // action's prefetch (a read) follows in that message
            first: idemKey ? { sql: CLAIM_KEY_SQL, params: [tenantId, spec.fullName, idemKey, hash] } : undefined,
            prefetch: prefetch ? prefetch(ctx.params ?? {}) : null,
            deadline,
          });
        } catch (e) {
          throw mapDbError(e);
        }
        for (const fn of pending.afterCommit) fn();
        // after commit: wake the relay, enqueue jobs (a lost enqueue here is retried by nothing —
        // so jobs that must not be lost should be triggered by an event instead)
        if (pending.outbox?.some((e) => !e.delivered)) d.pokeOutbox();
        await enqueueJobs(d, spec.pluginId ?? 'kernel', tenantId!, pending.jobs);
        return result;
      };
    },
  };
}

/** The jobs a request asked for, after its commit. */
async function enqueueJobs(d: KernelDeps, pluginId: string, tenantId: string, jobs: PendingWork['jobs']): Promise<void> {
  for (const j of jobs) {
    const queued = d.queues.enqueuePluginJob(pluginId, j.name, tenantId, j.data, { delayMs: j.delayMs, jobId: j.jobId });
    // Redis away: the job waits in the connection's offline queue until Redis is back; the answer does not
    if (d.queues.connected()) await queued;
    else queued.catch((e) => d.logger.error({ err: e, job: j.name }, 'job enqueue failed'));
  }
}


async function resolveTenantParam(d: KernelDeps, value: unknown): Promise<string> {
  if (!isUuid(value)) throw new NotFoundError('Unknown tenant', { subject: 'kernel.Tenant' });
  if (!(await isActiveTenant(d, value))) throw new NotFoundError('Unknown tenant', { subject: 'kernel.Tenant' });
  return value;
}

function hashParams(params: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(params ?? {})).digest('hex');
}

/**
 * Claims an idempotency key inside the business transaction, in the statement that sets the tenant
 * (it reads the `cfg` CTE of Database.transaction). A concurrent request with the same key blocks on
 * the unique index until the first commits, then sees its stored response; if the first rolled
 * back, the key is free again and this request does the work.
 */
/** Keys are scoped to the user and the action: one user's key never replays another's response. Calls without a user share this id. */
const NO_USER = '00000000-0000-0000-0000-000000000000';
const CLAIM_KEY_SQL = `insert into kernel.idempotency (tenant_id, user_id, action, key, request_hash)
  select $3::uuid, coalesce(nullif(cfg.user_id, '')::uuid, '${NO_USER}'::uuid), $4::text, $5::text, $6::text from cfg on conflict do nothing returning 1 as ok`;

async function claimIdempotencyKey(em: any, claimed: any[], tenantId: string, userId: string, action: string, key: string, hash: string): Promise<{ replayed: boolean; response?: unknown }> {
  if (claimed.length) return { replayed: false };
  const [row] = await em.execute('select request_hash, response from kernel.idempotency where tenant_id = ? and user_id = ? and action = ? and key = ?', [tenantId, userId, action, key]);
  if (row.request_hash !== hash) {
    throw new UnprocessableError('This Idempotency-Key was already used with different parameters', 'IDEMPOTENCY_KEY_REUSED');
  }
  return { replayed: true, response: row.response?.v ?? null };
}

const SECRET_KEYS = /pass(word)?|secret|token|totp|apiKey|key$/i;

/** Deeper than this, an audited value is summarised (the gateway refuses deeper bodies anyway). */
const AUDIT_MAX_DEPTH = 40;

function redact(value: unknown, depth = 0): unknown {
  if (value && typeof value === 'object' && depth >= AUDIT_MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1)]));
  }
  return value;
}

function auditRow(spec: ActionSpec, scope: { tenantId: string; userId: string | null }, meta: AtriumMeta, params: unknown, result: any, pending: PendingWork) {
  const target = pending.audit.target ?? (result && typeof result === 'object' && typeof result.id === 'string' ? result.id : (params as any)?.id) ?? null;
  const diff = pending.audit.diff ? redact(pending.audit.diff) : { params: redact(params) };
  return { userId: scope.userId, action: spec.fullName, subject: Array.isArray(spec.permission) ? spec.permission[1] : null, target, diff, requestId: meta.requestId ?? null };
}

/**
 * The end of every request transaction: the handler's events into the outbox, the audit entry,
 * and the idempotency record's response — as data-modifying CTEs of a single statement, which
 * Database.transaction sends together with the COMMIT. A sale pays for no extra round trip.
 */
export function finishStatement(
  w: {
    tenantId: string;
    outbox: OutboxRow[];
    audit: { userId: string | null; action: string; subject: string | null; target: string | null; diff: unknown; requestId: string | null } | null;
    idempotency: { userId: string; action: string; key: string; response: unknown } | null;
  },
): { sql: string; params: unknown[] } | null {
  const parts: string[] = [];
  const args: unknown[] = [];
  // placeholders are numbered as the parts are added, so each combination is one fixed text
  const p = (...values: unknown[]) => values.map((v) => `$${args.push(v)}`);
  if (w.outbox.length) {
    const [tenant, rows] = p(w.tenantId, JSON.stringify(w.outbox));
    // `delivered` (no subscriber anywhere): published at once, so the relay never reads or updates it
    parts.push(`insert into kernel.outbox (event_id, tenant_id, name, payload, user_id, published_at)
      select (r->>'eventId')::uuid, ${tenant}::uuid, r->>'name', r->'payload', nullif(r->>'userId', '')::uuid, case when (r->>'delivered')::boolean then now() end
      from jsonb_array_elements(${rows}::jsonb) r`);
  }
  if (w.audit) {
    const [tenant, user, action, subject, target, diff, request] = p(w.tenantId, w.audit.userId, w.audit.action, w.audit.subject, w.audit.target, JSON.stringify(w.audit.diff), w.audit.requestId);
    parts.push(`insert into kernel.audit (tenant_id, user_id, action, subject, target_id, diff, request_id)
      values (${tenant}::uuid, ${user}::uuid, ${action}::text, ${subject}::text, ${target}::text, ${diff}::jsonb, ${request}::text)`);
  }
  if (w.idempotency) {
    const [response, tenant, user, action, key] = p(JSON.stringify({ v: w.idempotency.response }), w.tenantId, w.idempotency.userId, w.idempotency.action, w.idempotency.key);
    parts.push(`update kernel.idempotency set response = ${response}::jsonb where tenant_id = ${tenant}::uuid and user_id = ${user}::uuid and action = ${action}::text and key = ${key}::text`);
  }
  if (!parts.length) return null;
  const ctes = parts.slice(0, -1).map((part, i) => `w${i} as (${part})`).join(', ');
  return { sql: parts.length === 1 ? parts[0] : `with ${ctes} ${parts[parts.length - 1]}`, params: args };
}
