import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PluginDefinition } from '../plugin.ts';

export type TestUserSpec = { email: string; roles?: string[]; password?: string; displayName?: string };
export type TestTenantSpec = { name: string; owner?: string; users?: TestUserSpec[]; enable?: string[] };

export type HttpResult<T = any> = { status: number; body: T; headers: Headers };
export type RequestOptions = { body?: unknown; headers?: Record<string, string>; query?: Record<string, string | number | boolean | undefined>; raw?: string | Buffer };

export type TestClient = {
  token: string;
  userId: string;
  tenantId: string;
  request<T = any>(method: string, path: string, opts?: RequestOptions): Promise<HttpResult<T>>;
  get<T = any>(path: string, opts?: RequestOptions): Promise<HttpResult<T>>;
  post<T = any>(path: string, body?: unknown, opts?: RequestOptions): Promise<HttpResult<T>>;
  patch<T = any>(path: string, body?: unknown, opts?: RequestOptions): Promise<HttpResult<T>>;
  put<T = any>(path: string, body?: unknown, opts?: RequestOptions): Promise<HttpResult<T>>;
  delete<T = any>(path: string, opts?: RequestOptions): Promise<HttpResult<T>>;
};

export type TestKernel = {
  url: string;
  /** The running kernel (broker, deps) — for assertions a plugin author can't make through HTTP. */
  kernel: any;
  /** Owner-role database URL of this test's private database (raw SQL checks). */
  databaseUrls: { owner: string; app: string; system: string };
  /** Where this kernel's database and Redis are, so a second node can `join` it. */
  readonly shared: { pgUrl: string; redisUrl: string; databaseName: string; secret: string; passwords: Map<string, string> };
  tenants: Record<string, { id: string; users: Record<string, { id: string; password: string }> }>;
  /** An HTTP client signed in as `email` (in that user's first tenant, or `tenant`). */
  as(email: string, tenant?: string): Promise<TestClient>;
  anonymous(): TestClient;
  /** Calls an action directly through the broker (the full pipeline) as a user. */
  call<T = any>(action: string, params: Record<string, unknown>, as?: { email: string; tenant?: string }): Promise<T>;
  /**
   * The fewest request-pool connections in use over a few samples (~200 ms). Background work (jobs,
   * deliveries) takes a connection for a moment now and then; a connection held by a request that
   * waits — on an outside service, say — is in use in every sample. 0: nothing is held.
   */
  leastConnectionsInUse(): Promise<number>;
  /** Publishes pending outbox rows now and waits until BullMQ has delivered them. */
  drainEvents(): Promise<void>;
  signup(tenantName: string, email: string, password?: string): Promise<TestClient>;
  /** Adds a user (new, or existing by e-mail) to a tenant with these roles, and signs them in there. */
  addMember(tenant: string, email: string, roles: string[]): Promise<TestClient>;
  stop(): Promise<void>;
};

export type CreateTestKernelOptions = {
  /** Plugin definitions (import them) or plugin package directories. */
  plugins?: (PluginDefinition | string)[];
  tenants?: TestTenantSpec[];
  /** Extra config overrides (services, auth limits…). */
  config?: Record<string, unknown>;
  /** Serve a built admin from this directory at `/` (browser tests). */
  adminDist?: string;
  /** A Redis of the test's own (one it stops and restarts) instead of the run's shared one. */
  redisUrl?: string;
  /**
   * Another node of the same platform: this kernel uses `join`'s database and Redis (and so its
   * tenants, users and queues) instead of fresh ones — for tests across a restart (stop the first,
   * join a second) or across two nodes. `tenants` is then ignored; the first kernel's are used.
   * The database is dropped by the kernel that created it.
   */
  join?: TestKernel;
};

const DEFAULT_PASSWORD = 'correct horse battery staple';

function client(url: string, token: string, userId: string, tenantId: string): TestClient {
  const request = async (method: string, p: string, opts: RequestOptions = {}) => {
    const u = new URL(p, url);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.headers ?? {}) };
    let body: any;
    if (opts.raw !== undefined) body = opts.raw as any;
    else if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    const res = await fetch(u, { method, headers, body });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    token, userId, tenantId, request,
    get: (p, o) => request('GET', p, o),
    post: (p, b, o) => request('POST', p, { ...o, body: b }),
    patch: (p, b, o) => request('PATCH', p, { ...o, body: b }),
    put: (p, b, o) => request('PUT', p, { ...o, body: b }),
    delete: (p, o) => request('DELETE', p, o),
  };
}

/**
 * Boots a real Atrium kernel for a test: real PostgreSQL (a private database cloned from the
 * migrated template when run under the repo's test setup, or an embedded server of its own),
 * real Redis, the full HTTP gateway and pipeline, with the given plugins and tenants.
 */
export async function createTestKernel(opts: CreateTestKernelOptions = {}): Promise<TestKernel> {
  const { startKernel, startEmbeddedPostgres, startLocalRedis } = await import('@atrium/kernel');
  const { loadConfig } = await import('@atrium/config');
  const pg = (await import('pg')).default;
  const { loadPluginFromDir } = await import('@atrium/kernel/plugin-loader');
  const cleanups: (() => Promise<unknown>)[] = [];
  const secret = opts.join?.shared.secret ?? process.env.ATRIUM_TEST_SECRET ?? crypto.randomBytes(32).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-tk-'));
  fs.chmodSync(dataDir, 0o755);
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));

  let pgUrl = opts.join?.shared.pgUrl ?? process.env.ATRIUM_TEST_PG_URL;
  let fromTemplate = !!pgUrl;
  if (!pgUrl) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const h = await startEmbeddedPostgres({ dir: path.join(dataDir, 'pg'), port });
    cleanups.push(() => h.stop());
    pgUrl = h.url;
  }
  let redisUrl = opts.redisUrl ?? opts.join?.shared.redisUrl ?? process.env.ATRIUM_TEST_REDIS_URL;
  if (!redisUrl) {
    const r = await startLocalRedis({ dir: path.join(dataDir, 'redis'), port: 20000 + Math.floor(Math.random() * 20000), persist: false });
    cleanups.push(() => r.stop());
    redisUrl = r.url;
  }
  const dbName = opts.join?.shared.databaseName ?? `atrium_t_${crypto.randomBytes(6).toString('hex')}`;
  if (!opts.join) {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(fromTemplate ? `create database ${dbName} template atrium_template` : `create database ${dbName}`);
    await admin.end();
    cleanups.push(async () => {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`drop database if exists ${dbName} with (force)`).catch(() => {});
      await c.end();
    });
  }

  const plugins: (PluginDefinition | { definition: PluginDefinition; dir: string })[] = [];
  for (const p of opts.plugins ?? []) plugins.push(typeof p === 'string' ? await loadPluginFromDir(path.resolve(p)) : p);

  // deep-merge the test's overrides, and always keep the shared secret: the database roles are
  // cluster-wide and their passwords derive from it, so a kernel with another secret would lock
  // every other test kernel on the same PostgreSQL out
  const merge = (a: Record<string, any>, b: Record<string, any>): Record<string, any> => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? merge(out[k], v) : v;
    return out;
  };
  const overrides = merge(
    {
      dataDir,
      http: { port: 0, host: '127.0.0.1' },
      // sign-ups sign in at once (a test's tenants need no e-mail round trip); tests of the e-mail flow set 'email'
      auth: { loginMaxPerIpPerMinute: 10_000, loginMaxPerAccountPer15Minutes: 10_000, signupMaxPerIpPerHour: 10_000, signupConfirmation: 'immediate' },
      rateLimit: { apiPerMinute: 1_000_000 },
      log: { level: process.env.ATRIUM_TEST_LOG ?? 'silent' },
    },
    opts.config ?? {},
  );
  overrides.auth.jwtSecret = secret;
  const config = loadConfig({ ignoreEnv: true, overrides });
  const kernel = await startKernel({ config, discover: false, plugins, ownerUrl: pgUrl, databaseName: dbName, redisUrl, rootDir: dataDir, adminDist: opts.adminDist });
  cleanups.push(() => kernel.stop());
  const url = kernel.url!;

  const tenants: TestKernel['tenants'] = opts.join ? opts.join.tenants : {};
  const passwords = opts.join ? opts.join.shared.passwords : new Map<string, string>();
  const anon = client(url, '', '', '');

  async function signup(tenantName: string, email: string, password = DEFAULT_PASSWORD): Promise<TestClient> {
    const r = await anon.post('/api/auth/signup', { tenantName, email, password });
    if (r.status !== 201) throw new Error(`signup failed: ${r.status} ${JSON.stringify(r.body)}`);
    passwords.set(email, password);
    return client(url, r.body.accessToken, r.body.user.id, r.body.tenant.id);
  }

  async function as(email: string, tenant?: string): Promise<TestClient> {
    const tenantId = tenant ? (tenants[tenant]?.id ?? tenant) : undefined;
    const r = await anon.post('/api/auth/login', { email, password: passwords.get(email) ?? DEFAULT_PASSWORD, ...(tenantId ? { tenantId } : {}) });
    if (r.status !== 200) throw new Error(`login as ${email} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return client(url, r.body.accessToken, r.body.user.id, r.body.tenant.id);
  }

  const sys = new pg.Client({ connectionString: kernel.databaseUrls.system });
  await sys.connect();
  cleanups.push(() => sys.end());
  async function addUser(tenant: string, u: TestUserSpec): Promise<string> {
    const { hash } = await import('@node-rs/argon2');
    const password = u.password ?? DEFAULT_PASSWORD;
    const existing = await sys.query('select id from kernel."user" where lower(email) = lower($1)', [u.email]);
    const id = existing.rows[0]?.id ?? crypto.randomUUID();
    if (!existing.rowCount) {
      await sys.query('insert into kernel."user" (id, email, display_name, password_hash) values ($1, $2, $3, $4)', [id, u.email.toLowerCase(), u.displayName ?? u.email.split('@')[0], await hash(password, { algorithm: 2 } as any)]);
    }
    await sys.query('insert into kernel.membership (tenant_id, user_id, roles) values ($1, $2, $3)', [tenants[tenant].id, id, u.roles ?? ['staff']]);
    passwords.set(u.email, password);
    tenants[tenant].users[u.email] = { id, password };
    return id;
  }
  for (const t of opts.join ? [] : opts.tenants ?? []) {
    const ownerEmail = t.owner ?? `owner@${t.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.test`;
    const owner = await signup(t.name, ownerEmail);
    tenants[t.name] = { id: owner.tenantId, users: { [ownerEmail]: { id: owner.userId, password: DEFAULT_PASSWORD } } };
    for (const u of t.users ?? []) await addUser(t.name, u);
    for (const pluginId of t.enable ?? []) {
      const r = await owner.post(`/api/plugins/${pluginId}/enable`);
      if (r.status !== 200) throw new Error(`enable ${pluginId} for ${t.name} failed: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }

  return {
    url,
    kernel,
    databaseUrls: kernel.databaseUrls,
    shared: { pgUrl: pgUrl!, redisUrl: redisUrl!, databaseName: dbName, secret, passwords },
    tenants,
    as,
    anonymous: () => anon,
    signup,
    async addMember(tenant, email, roles) {
      if (!tenants[tenant]) throw new Error(`addMember: no tenant "${tenant}" in this test kernel`);
      await addUser(tenant, { email, roles });
      return as(email, tenant);
    },
    async call(action, params, who) {
      let meta: Record<string, unknown> = { system: !who };
      if (who) {
        const c = await as(who.email, who.tenant);
        const claims = await kernel.deps.tokens.verifyAccess(c.token);
        meta = { user: claims.user, tenantId: claims.tenantId, requestId: crypto.randomUUID() };
      }
      return kernel.broker.call(action, params, { meta });
    },
    async leastConnectionsInUse() {
      let least = Infinity;
      for (let i = 0; i < 10; i++) {
        const pools: { depth: number; inUse: number }[] = await kernel.deps.db.poolStats();
        least = Math.min(least, pools.find((p) => p.depth === 0)?.inUse ?? Infinity);
        await new Promise((r) => setTimeout(r, 20));
      }
      return least;
    },
    async drainEvents() {
      await kernel.broker.call('events.flush');
      const q = kernel.deps.queues.events;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        if (!c.waiting && !c.active && !c.prioritized && !c.delayed) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('events were not delivered within 20 s');
    },
    async stop() {
      for (const c of cleanups.reverse()) await c().catch(() => {});
    },
  };
}
