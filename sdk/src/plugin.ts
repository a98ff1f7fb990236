import type { Static, TSchema } from 'typebox';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { MongoAbility } from '@casl/ability';
import type { PluginManifest } from './manifest/manifest.schema.ts';
import type { DeviceClient } from './devices/receipt-document.ts';
import type { MessageCatalogs } from './i18n/catalog.ts';
import type { OutsideCallDefinition, OutsideCallInput } from './outside-call.ts';

export { ReceiptDocumentSchema, ReceiptLineSchema } from './devices/receipt-document.ts';
export type { ReceiptDocument, ReceiptLine, DeviceClient, DeviceJob, DeviceJobState, DeviceJobOptions } from './devices/receipt-document.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/**
 * `[action, subject]`, e.g. `['update', 'notes.Note']`; or an access level that needs no rule:
 * `'public'` (no login), `'authenticated'` (any member), `'internal'` (only the kernel and plugins
 * whose manifest `calls` allows it; such actions get no REST route).
 */
export type Permission = readonly [action: string, subject: string] | 'public' | 'authenticated' | 'internal';

export type RequestUser = { id: string; email: string; roles: string[]; sessionId?: string };

/**
 * The tenant as `ctx.tenant()` answers: its locale and currency, and the IANA time zone (chosen at
 * sign-up from the owner's browser) in which days, shifts, schedules and receipts are counted.
 */
export type TenantProfile = { id: string; name: string; locale: string; currency: string; timeZone: string };

export type Logger = {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
};

/** What every handler gets: the validated params, who is calling, and a transaction scoped to the tenant. */
export interface RequestContext {
  readonly tenantId: string;
  readonly user: RequestUser | null;
  readonly pluginId: string;
  /** The plugin whose `ctx.call` reached this action (null for a user's request, the kernel, a job). */
  readonly callerPlugin: string | null;
  readonly requestId: string;
  /** The request's language (`en`, `ru`, `uk`, `kk`): what the user chose in the admin. */
  readonly locale: string;
  /**
   * A text from your `messages/<locale>.json` (else the platform's) by dotted key, in the request's
   * language, formatted with `params` (ICU: plurals, `{amount, money}` with `params.currency`,
   * dates): for what the server renders itself — import reports, receipts, e-mails. `locale`
   * overrides the request's (an e-mail goes out in its recipient's language). An unknown key comes
   * back as the key. Errors need none of this: throw codes, the gateway words them.
   */
  t(key: string, params?: Record<string, unknown>, locale?: string): string;
  /** MikroORM EntityManager inside this request's transaction; tenant filter and RLS are set. */
  readonly em: SqlEntityManager;
  /**
   * One statement in this request's transaction with server-side bind parameters (`$1`, `$2` …),
   * run as a prepared statement cached on the connection: parsed and planned once, not per call as
   * `em.execute` (which formats the values into the text) is. Use it on hot paths. The server types
   * each parameter from its context — cast where it cannot tell (`$1::text`, `$2::uuid[]`,
   * `$3::jsonb`). Arrays bind as PostgreSQL arrays, objects as JSON. Name the columns you read
   * (no `select *`): a prepared statement's result shape must not change under a migration.
   */
  sql<T = any>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /**
   * A statement like `ctx.sql`'s whose result you do not need — a write — sent in the same message
   * as the transaction's next statement, or with its COMMIT, instead of on its own: a round trip
   * less. It runs in order with the request's other statements; if it fails (a constraint, a bad
   * value) the statement it travels with fails with its error and the whole request is rolled back
   * and answered with that error. Nothing is returned, so compute what you answer yourself (ids are
   * yours to generate).
   */
  sqlDeferred(text: string, params?: readonly unknown[]): void;
  readonly ability: MongoAbility;
  readonly logger: Logger;
  can(action: string, subject: string, object?: Record<string, unknown>, field?: string): boolean;
  /** Throws ForbiddenError unless allowed; pass the object to check rule conditions. */
  authorize(action: string, subject: string, object?: Record<string, unknown>, field?: string): void;
  /** The user's rules for (action, subject) as a MikroORM where-condition, so lists are filtered in SQL. */
  accessibleWhere(action: string, subject: string): Record<string, unknown>;
  /**
   * The user's rules for (action, subject) as a SQL condition for hand-written queries (`ctx.sql`,
   * `em.execute`, `sqlWhere()`): `false` when no rule allows the action, `true` when nothing
   * restricts it, else the rules' conditions on the subject's columns (declared in the manifest:
   * `permissions.subjects[].conditions`). Put it in the WHERE of every statement that lists, reads,
   * changes or deletes rows of the subject, so a row the user may not touch is not found (404).
   *
   * ```ts
   * const rule = ctx.rulesSql('read', 'pos.Sale', { alias: 's' });
   * const where = sqlWhere().always(rule.sql, ...rule.params).add('s.shift_id = ?', p.shiftId);
   * const [sale] = await ctx.sql(`select s.id from pos.sale s where s.id = $1 and ${ctx.rulesSql('read', 'pos.Sale', { alias: 's', firstParam: 2 }).sql}`, …);
   * ```
   */
  rulesSql(action: string, subject: string, opts?: RulesSqlOptions): RulesSql;
  /** Fields the user may see/change for (action, subject); undefined means all. */
  permittedFields(action: string, subject: string): string[] | undefined;
  /** Writes a domain event to the outbox in this transaction; delivered at-least-once after commit. */
  emit(event: string, payload: Record<string, unknown>): Promise<void>;
  /** Calls a kernel or plugin action declared in the manifest's `calls` allowlist, as the same user. */
  call<T = unknown>(action: string, params?: Record<string, unknown>): Promise<T>;
  /** The tenant's settings for this plugin (secrets included, server side only). */
  settings<T = Record<string, unknown>>(): Promise<T>;
  /** The tenant's name, locale, currency and time zone (cached per tenant like settings). */
  tenant(): Promise<TenantProfile>;
  jobs: {
    enqueue(name: string, data?: Record<string, unknown>, opts?: { delayMs?: number; jobId?: string }): Promise<void>;
  };
  /**
   * Receipt printers, cash drawers and customer displays of the tenant's terminals, by logical role
   * (`receipt@front-desk`). Needs the `print` permission on `kernel.Device` for the calling user.
   */
  devices: DeviceClient;
  /**
   * Encryption for data only this plugin may read back, for this tenant (account tokens of which a
   * tenant has several, so they cannot be plugin settings). AES-256-GCM with a key derived from the
   * platform secret and the plugin id, the tenant id bound as associated data: another plugin, or
   * the same plugin in another tenant, cannot open what was sealed here. Works without a transaction.
   */
  secrets: {
    seal(value: Record<string, unknown>): string;
    /** Throws when `sealed` was not sealed by this plugin for this tenant (or was altered). */
    open(sealed: string): Record<string, unknown>;
  };
  /**
   * Sends a small message to the tenant's open admin sessions over the gateway's WebSocket
   * (`useAtrium().live` in the UI), after this request's transaction commits (at once without
   * one). `type` must start with `<pluginId>.`. Every signed-in member of the tenant receives it,
   * whatever their permissions: push ids and kinds of change, and let the page fetch the data
   * through your (authorized) routes.
   */
  push(message: { type: string; [key: string]: unknown }): void;
  /**
   * Long-running work this plugin declared in `workers` (a poller per channel account): `set`
   * replaces the tenant's units of that worker — each unit runs on exactly one node of the
   * cluster (a lease in Redis), is stopped when it leaves the set or the tenant disables the
   * plugin, and is restarted after a failure. Applied after the transaction commits.
   */
  workers: {
    set(worker: string, keys: readonly string[]): void;
  };
  /**
   * Overrides the success status of this response, e.g. 200 instead of the action's 201 when a
   * create found the record already there (a client-generated id sent again).
   */
  status(code: number): void;
  audit: {
    /** Attach what changed to the audit entry the kernel writes for this action. */
    diff(before: unknown, after: unknown): void;
    target(id: string): void;
    skip(): void;
  };
  /**
   * For handlers WITHOUT a transaction (actions and jobs declared `transaction: false`): runs `fn`
   * in a short transaction of its own — BEGIN with the tenant's RLS settings, `fn` with a context
   * whose `em`, `sql` and `emit` work, then COMMIT together with the events `fn` emitted (outbox) —
   * and holds no connection before or after. Call it as often as the work needs (record an intent,
   * commit, call out, record the result). Inside a transaction (a handler that has one, or `fn`
   * itself) it throws: transactions do not nest.
   */
  transaction<T>(fn: (tx: RequestContext) => Promise<T>): Promise<T>;
  /**
   * Outbound HTTP (the WHATWG `fetch`), the only way a plugin should reach another service:
   *  - only to base URLs the operator allows for this plugin (the manifest's `outbound.baseUrls` and
   *    the platform config's `outbound.allow.<plugin id>`; anything else throws 403
   *    OUTBOUND_NOT_ALLOWED before a byte is sent), redirects are not followed;
   *  - never while a database transaction is held: in a handler that has one it throws — declare
   *    the action `transaction: false` and record results with `ctx.transaction`/`ctx.outside`;
   *  - bounded: the request's deadline (or `outbound.timeoutMs`) aborts it, and a tenant has at most
   *    `outbound.tenantMaxConcurrent` calls in flight per node (beyond a bounded wait, 503 with
   *    Retry-After). The response body is read in full (up to `outbound.maxResponseBytes`).
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /**
   * Runs an outside call declared with `defineOutsideCall`: the intent and a journal row in one
   * short transaction, the call with no connection held, the result in a second short transaction;
   * a crash in between is recovered by asking the provider with the same key (see outside-call.ts).
   * Answers what `settle` returned — for a retry with the same key, what it returned the first
   * time. Only where the handler has no transaction, like `transaction` and `fetch`.
   */
  outside<Req, Out>(call: OutsideCallDefinition<Req, any, Out>, input: OutsideCallInput<Req>): Promise<Out>;
}

/** Options of {@link RequestContext.rulesSql}. */
export interface RulesSqlOptions {
  /** The table alias the columns are qualified with: `s` → `s.sold_by`. */
  alias?: string;
  /**
   * SQL for fields whose column differs in this query from the manifest's (a join, a view):
   * `{ soldBy: 'x.seller_id' }` — taken as written (no alias added). Code, never user input.
   */
  columns?: Record<string, string>;
  /**
   * Number the parameters `$firstParam`, `$firstParam + 1`… for a statement written with `$n`
   * (the count of your own parameters before it, plus one). Default: `?` placeholders, which
   * `sqlWhere()`/`numbered()` and `em.execute` number for you.
   */
  firstParam?: number;
}

/** A SQL condition and its bind values, from {@link RequestContext.rulesSql}. */
export type RulesSql = { sql: string; params: unknown[] };

export interface ActionContext<P = unknown> extends RequestContext {
  readonly params: P;
  readonly idempotencyKey?: string;
  /** The rows of the action's `prefetch` statement (null when it declares none or returned null). */
  readonly prefetched: any[] | null;
}

/** A statement for `ActionDefinition.prefetch`: fixed SQL with `$1`… parameters, as for `ctx.sql`. */
export type PrefetchStatement = { sql: string; params: readonly unknown[] };

/** What an action's `resolveTenant` answers: the tenant to run as, or an answer for a request about no tenant. */
export type TenantResolution = { tenantId: string } | { tenantId: null; response: unknown };

export interface ActionDefinition<P extends TSchema = TSchema, R = unknown> {
  /** `'GET /'`, `'POST /'`, `'PATCH /:id'` — relative to the service's REST base. Omit for internal actions. */
  rest?: `${HttpMethod} ${string}`;
  params?: P;
  /** Required: what the caller needs. `'public'` = no login; `'authenticated'` = any member of the tenant. */
  permission: Permission;
  /** HTTP status on success (default 200; 201 for POST creates is conventional). */
  status?: number;
  /** Honour the Idempotency-Key header: a retry with the same key returns the first result. */
  idempotent?: boolean;
  /** Maximum JSON body size for this route (default: the gateway's limit). */
  maxBodyBytes?: number;
  /**
   * Raw body route (webhooks, uploads): params get `$body` (base64 of the exact bytes),
   * `$contentType` and `$headers` (lower-cased request headers) plus query/path params.
   * Declare them in `params` (e.g. `$body: Type.String()`).
   */
  raw?: boolean;
  /**
   * Public routes only: take the tenant from this path param (a tenant id) instead of a token —
   * for provider webhooks like `POST /webhooks/:tenantKey`. The plugin gate still applies, so a
   * tenant that disabled the plugin gets 403 PLUGIN_DISABLED. The handler must authenticate the
   * request itself (e.g. verify a signature).
   */
  tenantFromParam?: string;
  /**
   * Public routes only: the tenant is found in the request itself — for a provider that sends
   * every tenant's events to ONE URL (e.g. the operator's Stripe billing webhooks). Called before
   * the plugin gate and the transaction, with the validated params and no database access; it must
   * authenticate the request (verify the signature) and answer `{ tenantId }` (the kernel checks
   * the tenant exists and is active, then runs the action as usual under that tenant) or
   * `{ tenantId: null, response }` (a request about no tenant of this platform: `response` is the
   * answer, nothing else runs). A thrown error is the answer as usual. Not with `tenantFromParam`.
   */
  resolveTenant?: (req: { params: Static<P> }) => Promise<TenantResolution> | TenantResolution;
  /**
   * Default true: the action answers 403 PLUGIN_DISABLED for a tenant that has not enabled the
   * plugin. Set false for what the platform operator provides to every tenant whatever the tenant
   * chose for itself (the operator's billing of the tenant): permission checks still apply.
   */
  requiresEnablement?: boolean;
  /**
   * A read the handler needs first, sent to PostgreSQL in the SAME message that opens the request's
   * transaction (BEGIN, the tenant's RLS settings, the Idempotency-Key claim): one round trip less
   * on a hot path. Built from the validated params; its rows arrive as `ctx.prefetched`.
   *
   * It runs under the tenant's RLS like `ctx.sql` (same rules: bind parameters, cast untyped ones,
   * name the columns), before the handler — and before an Idempotency-Key replay is decided, so it
   * must be read-only (a SELECT; row locks such as `for key share` are fine). Return null to skip.
   */
  prefetch?: (params: Static<P>) => PrefetchStatement | null;
  /** Reads are not audited; mutations are, automatically. Default: derived from the HTTP method. */
  mutates?: boolean;
  /**
   * Default true: the handler runs in one tenant transaction (RLS set) with audit + outbox.
   * Set false for handlers that call out (an HTTP API, another plugin's action that does) or only
   * compute: no connection is held while they wait; `ctx.em`/`ctx.sql`/`ctx.emit` throw, and the
   * handler writes through short transactions of its own (`ctx.transaction`, `ctx.outside`). Its
   * audit entry (a mutation) is written after it returns, in a transaction of its own.
   */
  transaction?: boolean;
  summary?: string;
  description?: string;
  response?: TSchema;
  /**
   * Runs after the pipeline (auth, tenant, gate, validation, permission, transaction) with the
   * validated params — query-string values already converted to the schema's number/boolean/array
   * types by the gateway. Its result is the response body.
   */
  handler(ctx: ActionContext<Static<P>>): Promise<R> | R;
}

export interface ServiceDefinition {
  /** Service name inside the plugin; the Moleculer service is `<pluginId>.<name>`. */
  name: string;
  /** REST base below `/api/<pluginId>/`; defaults to the kebab-cased name. */
  rest?: string;
  actions: Record<string, ActionDefinition<any, any>>;
}

export type DomainEvent<T = Record<string, unknown>> = {
  id: string;
  name: string;
  tenantId: string;
  payload: T;
  occurredAt: string;
  userId?: string | null;
};

export interface EventContext<T = Record<string, unknown>> extends RequestContext {
  readonly event: DomainEvent<T>;
}

export interface SubscriberDefinition<T = Record<string, unknown>> {
  handler(ctx: EventContext<T>): Promise<void> | void;
  /** Attempts before the delivery becomes a dead letter (default 5). */
  maxAttempts?: number;
}

export interface JobContext extends RequestContext {
  readonly data: Record<string, unknown>;
  readonly jobId: string;
  /**
   * How far the job is, 0–100: stored on the job at once, so `GET /api/jobs` and the admin's Jobs
   * page show it while the job runs. A job that runs as a chain (one step per job) reports the whole
   * work's progress from each step.
   */
  progress(percent: number): Promise<void>;
}

export interface JobDefinition {
  /** Cron pattern for repeatable jobs (run per enabled tenant). */
  cron?: string;
  maxAttempts?: number;
  /**
   * Default true: the job runs in one tenant transaction. Set false for a job that calls out (polls
   * a provider): it then writes through `ctx.transaction` / `ctx.outside`, as a `transaction: false` action.
   */
  transaction?: boolean;
  handler(ctx: JobContext): Promise<unknown> | unknown;
}

/** What a worker unit gets: no transaction, its tenant, its key and a signal to stop. */
export interface WorkerContext {
  readonly tenantId: string;
  readonly pluginId: string;
  /** The unit's key, as given to `ctx.workers.set` (e.g. a channel account id). */
  readonly key: string;
  /**
   * Aborted when this node must stop the unit: its lease was lost, the tenant disabled the plugin,
   * the key left the worker's set, or the node is stopping. Return soon after.
   */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /**
   * Calls an action of this plugin (or one its manifest allowlists) as the platform, in this
   * tenant: the action's own transaction, validation and plugin gate apply, permissions do not.
   */
  call<T = unknown>(action: string, params?: Record<string, unknown>): Promise<T>;
}

/**
 * A long-running loop per unit of work (per channel account: Telegram long polling, an IMAP IDLE
 * connection). Units are declared with `ctx.workers.set(name, keys)`; every node that runs the
 * plugin competes for them, and each unit runs on one node at a time.
 */
export interface WorkerDefinition {
  /** Runs the unit until `ctx.signal` aborts. A return or a throw ends it; it is started again after a back-off while still wanted. */
  run(ctx: WorkerContext): Promise<void>;
}

export interface Migration {
  /** Unique, sortable name, e.g. `0001-create-note`. Applied once, in order, keyed by plugin. */
  name: string;
  /** SQL run as the schema owner inside one transaction. */
  up: string;
}

export interface TenantHookContext {
  readonly tenantId: string;
  readonly em: SqlEntityManager;
  readonly logger: Logger;
  settings<T = Record<string, unknown>>(): Promise<T>;
}

export interface PluginDefinition {
  manifest: PluginManifest;
  /**
   * The plugin's words, one catalog per language — `messages/{en,ru,uk,kk}.json` imported in
   * `src/index.ts`: its error codes, field codes, settings titles, permission names and role names
   * (docs/plugin-guide.md, "Words"). `atrium-plugin verify` checks that every code the plugin
   * throws and every setting has all four.
   */
  messages?: MessageCatalogs;
  entities?: unknown[];
  migrations?: Migration[];
  services?: ServiceDefinition[];
  subscribers?: Record<string, SubscriberDefinition<any>>;
  jobs?: Record<string, JobDefinition>;
  workers?: Record<string, WorkerDefinition>;
  /**
   * Every outside call the plugin runs with `ctx.outside` (defineOutsideCall): a node that recovers
   * a call left pending by a crash looks its code up here by name.
   */
  outsideCalls?: OutsideCallDefinition[];
  onTenantEnable?(ctx: TenantHookContext): Promise<void> | void;
  onTenantDisable?(ctx: TenantHookContext): Promise<void> | void;
}

/** Declares a plugin's server entry. Kept as an identity function so TypeScript checks the shape. */
export function definePlugin<T extends PluginDefinition>(def: T): T {
  return def;
}

export function defineService<T extends ServiceDefinition>(def: T): T {
  return def;
}

export function defineAction<P extends TSchema, R>(def: ActionDefinition<P, R>): ActionDefinition<P, R> {
  return def;
}

export function defineSubscriber<T = Record<string, unknown>>(def: SubscriberDefinition<T>): SubscriberDefinition<T> {
  return def;
}

export function defineJob(def: JobDefinition): JobDefinition {
  return def;
}

export function defineWorker(def: WorkerDefinition): WorkerDefinition {
  return def;
}
