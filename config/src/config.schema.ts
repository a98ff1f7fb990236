import os from 'node:os';
import { Type, type Static } from 'typebox';

/**
 * The single schema for every Atrium setting. Defaults live here (not scattered in code) so that
 * `atrium config print` and the docs can show one truth. Env overrides are mapped in env.ts.
 */
/**
 * Request connections per node, by default sized to the machine: 2 × cores + 1, at most 20 (the
 * usual starting point for a pool whose database has as many cores — the embedded default runs
 * PostgreSQL on the same box). More connections than the cores can serve only add context switches
 * and lock waits: on 2 cores the POS sale benchmark did ~400 sales/s at 3.7 ms of CPU per sale
 * with 5, against ~370/s at 4.3 ms with 30. Nested transactions have pools of their own.
 */
const DEFAULT_POOL_MAX = Math.min(20, 2 * os.availableParallelism() + 1);

export const ConfigSchema = Type.Object(
  {
    profile: Type.Union([Type.Literal('embedded'), Type.Literal('distributed')], { default: 'embedded' }),
    nodeId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    dataDir: Type.String({ minLength: 1, default: '.atrium' }),
    services: Type.Array(Type.String({ minLength: 1 }), {
      default: ['*'],
      description: 'Which services this node runs: "*" for all, or patterns like "gateway", "kernel.*", "notes.*"',
    }),
    transporter: Type.Union([Type.Null(), Type.String({ pattern: '^nats://' })], { default: null }),
    http: Type.Object(
      {
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        host: Type.String({ default: '0.0.0.0' }),
        publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
        bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024, default: 1024 * 1024 }),
        trustProxy: Type.Boolean({ default: false }),
        requestTimeoutMs: Type.Integer({
          minimum: 100, maximum: 600_000, default: 10_000,
          description: 'How long the gateway waits for an action before answering 504; the action\'s transaction gets the same deadline (statement and idle timeouts, then an abort that rolls back and frees its connection)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    metrics: Type.Object(
      {
        token: Type.Optional(Type.String({ minLength: 16, description: 'Bearer token for GET /metrics on the main port (without one, /metrics is not served there)' })),
        port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'A port of its own for GET /metrics (no token needed unless one is set), e.g. 9464' })),
        host: Type.String({ default: '127.0.0.1', description: 'Interface of the metrics port' }),
      },
      { additionalProperties: false, default: {} },
    ),
    database: Type.Object(
      {
        url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
        appUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
        systemUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
        // unset: chosen on first start and remembered in the data directory (kernel embedded-ports.ts)
        embeddedPort: Type.Optional(Type.Integer({ minimum: 1024, maximum: 65535, description: 'Port of the embedded PostgreSQL (default: chosen on first start, remembered in the data directory)' })),
        poolMax: Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_POOL_MAX, description: 'Connections per node for requests (default: 2 × cores + 1, at most 20)' }),
        acceptChangedMigrations: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9-]*/[^/]+$' }), {
          default: [],
          description: 'Applied migrations (owner/name) whose changed text the database already matches: their new checksum is recorded instead of stopping the boot',
        }),
        tenantMaxConnections: Type.Optional(Type.Integer({
          minimum: 1, maximum: 500,
          description: 'Request transactions one tenant may hold at once on this node (default: three quarters of poolMax, at least 1): the rest of the pool stays free for other tenants',
        })),
        tenantQueueTimeoutMs: Type.Integer({
          minimum: 0, maximum: 600_000, default: 5_000,
          description: 'How long a tenant\'s transaction waits for one of its slots (first come, first served) before the request is answered 503 with Retry-After',
        }),
        statementTimeoutMs: Type.Integer({
          minimum: 100, maximum: 3_600_000, default: 300_000,
          description: 'Longest a statement may run, and a transaction sit idle, when the transaction has no request deadline (jobs, deliveries); a request\'s transaction gets the time left until its deadline',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    redis: Type.Object(
      {
        url: Type.Optional(Type.String({ pattern: '^rediss?://' })),
        embeddedPort: Type.Optional(Type.Integer({ minimum: 1024, maximum: 65535, description: 'Port of the private redis-server (default: chosen on first start, remembered in the data directory)' })),
        keyPrefix: Type.String({ default: 'atrium', pattern: '^[a-zA-Z0-9:_-]+$' }),
      },
      { additionalProperties: false, default: {} },
    ),
    auth: Type.Object(
      {
        jwtSecret: Type.Optional(Type.String({ minLength: 32 })),
        accessTokenTtlSeconds: Type.Integer({ minimum: 30, maximum: 86400, default: 900 }),
        refreshTokenTtlSeconds: Type.Integer({ minimum: 300, maximum: 31536000, default: 2592000 }),
        resetTokenTtlSeconds: Type.Integer({ minimum: 300, maximum: 86400, default: 3600 }),
        invitationTtlSeconds: Type.Integer({ minimum: 3600, maximum: 2592000, default: 604800 }),
        loginMaxPerIpPerMinute: Type.Integer({ minimum: 1, default: 30 }),
        loginMaxPerAccountPer15Minutes: Type.Integer({ minimum: 1, default: 10 }),
        signupEnabled: Type.Boolean({ default: true }),
        signupConfirmation: Type.Union([Type.Literal('email'), Type.Literal('immediate')], {
          default: 'email',
          description: "'email': every sign-up is answered alike and confirmed by a link mailed to the address (no account enumeration); 'immediate': signed in at once (tests, closed platforms)",
        }),
        signupMaxPerIpPerHour: Type.Integer({ minimum: 1, default: 20 }),
        providerAttemptTtlSeconds: Type.Integer({ minimum: 30, maximum: 3600, default: 300, description: 'how long a sign-in through a plugin\'s method (Telegram…) may wait for the person to confirm' }),
        providerStartsPerIpPerMinute: Type.Integer({ minimum: 1, default: 10, description: 'sign-in attempts through plugin methods one address may start per minute' }),
        providerPollsPerIpPerMinute: Type.Integer({ minimum: 1, default: 120, description: 'status checks of those attempts per address per minute (the login page asks every 2 s)' }),
      },
      { additionalProperties: false, default: {} },
    ),
    rateLimit: Type.Object(
      {
        apiPerMinute: Type.Integer({ minimum: 1, default: 6000, description: 'requests per user (or IP) per minute' }),
      },
      { additionalProperties: false, default: {} },
    ),
    jobs: Type.Object(
      {
        eventWorkerConcurrency: Type.Integer({ minimum: 1, maximum: 256, default: 8 }),
        jobWorkerConcurrency: Type.Integer({ minimum: 1, maximum: 256, default: 4 }),
      },
      { additionalProperties: false, default: {} },
    ),
    smtp: Type.Object(
      {
        url: Type.Optional(Type.String({ pattern: '^smtps?://' })),
        from: Type.String({ default: 'Atrium <no-reply@atrium.local>' }),
      },
      { additionalProperties: false, default: {} },
    ),
    files: Type.Object(
      {
        driver: Type.Union([Type.Literal('local'), Type.Literal('s3')], { default: 'local' }),
        maxBytes: Type.Integer({ minimum: 1, default: 10 * 1024 * 1024 }),
        allowedTypes: Type.Array(Type.String(), {
          default: ['image/png', 'image/jpeg', 'image/webp', 'application/pdf', 'text/csv',
            'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
        }),
        s3: Type.Optional(
          Type.Object(
            {
              endpoint: Type.String({ pattern: '^https?://' }),
              bucket: Type.String({ minLength: 1 }),
              region: Type.String({ default: 'us-east-1' }),
              accessKeyId: Type.String({ minLength: 1 }),
              secretAccessKey: Type.String({ minLength: 1 }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    devices: Type.Object(
      {
        heartbeatMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 15_000, description: 'How often terminal agents ping the kernel' }),
        // what one enrolled terminal may send (DEFAULT_AGENT_LIMITS in @atrium/devices/hub)
        agentMessagesPerSecond: Type.Integer({ minimum: 1, maximum: 10_000, default: 20, description: 'Sustained messages per second per terminal' }),
        agentMessageBurst: Type.Integer({ minimum: 1, maximum: 100_000, default: 100, description: 'Burst of messages per terminal above the sustained rate' }),
        agentMaxMessageBytes: Type.Integer({ minimum: 1024, maximum: 1024 * 1024, default: 64 * 1024, description: 'Bytes in one message from a terminal' }),
        agentMaxDevicesPerReport: Type.Integer({ minimum: 1, maximum: 10_000, default: 64, description: 'Devices in one report from a terminal' }),
        agentMaxScanBytes: Type.Integer({ minimum: 16, maximum: 65_536, default: 4096, description: 'Bytes of one barcode scan' }),
      },
      { additionalProperties: false, default: {} },
    ),
    plugins: Type.Object(
      {
        dirs: Type.Array(Type.String(), {
          default: ['plugins'],
          description: 'Directories whose sub-folders are plugin packages (each with atrium.plugin.json)',
        }),
        packages: Type.Array(Type.String(), { default: [], description: 'Installed npm packages that are plugins' }),
      },
      { additionalProperties: false, default: {} },
    ),
    outbound: Type.Object(
      {
        allow: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' }), Type.Array(Type.String({ pattern: '^https?://[^/?#@\\s]+(/[^?#@\\s]*)?$' })), {
          default: {},
          description: 'Base URLs each plugin may call besides the ones its manifest declares (outbound.baseUrls): { "payments-stripe": ["http://127.0.0.1:12111"] } for tests and sandboxes. A tenant setting naming a base URL (manifest outbound.settings) must start with one of them',
        }),
        timeoutMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 20_000, description: 'Longest an outbound HTTP call may take (less when the request\'s deadline is nearer)' }),
        tenantMaxConcurrent: Type.Integer({ minimum: 1, maximum: 10_000, default: 4, description: 'Outbound calls one tenant may have in flight at once on this node' }),
        tenantQueueTimeoutMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 5_000, description: 'How long an outbound call waits for one of its tenant\'s slots before the request is answered 503 with Retry-After' }),
        maxResponseBytes: Type.Integer({ minimum: 1024, maximum: 100 * 1024 * 1024, default: 10 * 1024 * 1024 }),
        recoverIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 5_000, description: 'How often a node looks for outside calls whose outcome is unknown (a crash between the call and its result) and settles them' }),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type AtriumConfig = Static<typeof ConfigSchema>;
