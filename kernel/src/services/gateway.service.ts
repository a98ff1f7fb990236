import crypto from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { ServiceSchema } from 'moleculer';
import { WebSocketServer, type WebSocket } from 'ws';
import client from 'prom-client';
import { ValidationError, PayloadTooLargeError, UnauthorizedError, type RequestUser } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { RouteTable, type Route } from '../http/route-table.ts';
import { toHttpError } from '../http/error-mapper.ts';
import { buildOpenApi } from '../http/openapi.ts';
import { serveFile } from '../http/static-files.ts';
import { coerceQuery } from '../validation/ajv-validator.ts';
import type { AtriumMeta } from '../pipeline/pipeline.middleware.ts';

const require = createRequire(import.meta.url);

export type GatewayOptions = { adminDist?: string; version: string };

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
  }
  return out;
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new PayloadTooLargeError(`Request body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new PayloadTooLargeError(`Request body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The HTTP edge: REST routes derived from action metadata, JWT verification, rate limits,
 * error mapping, OpenAPI + docs, Prometheus metrics, WebSocket push, and static admin/plugin UIs.
 * It holds no business logic: every request becomes one broker call through the pipeline.
 */
export function gatewayService(deps: () => KernelDeps, opts: GatewayOptions): ServiceSchema {
  const routes = new RouteTable();
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const httpDuration = new client.Histogram({ name: 'atrium_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
  const sockets = new Map<string, Set<WebSocket>>();
  let server: http.Server | null = null;
  let wss: WebSocketServer | null = null;
  let openapiCache: unknown = null;
  /** Other local services (the device bus) attach WebSocket endpoints here. */
  const upgradeHandlers = new Map<string, (req: IncomingMessage, socket: any, head: Buffer) => void>();

  const push = (tenantId: string, message: unknown) => {
    for (const ws of sockets.get(tenantId) ?? []) if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  return {
    name: 'gateway',
    settings: { $noVersionPrefix: true },
    events: {
      '$services.changed'() {
        this.rebuildRoutes();
      },
      'atrium.plugins.changed'(ctx: any) {
        deps().gate.invalidate(ctx.params.tenantId);
        push(ctx.params.tenantId, { type: 'plugins.changed', pluginId: ctx.params.pluginId, state: ctx.params.state });
      },
      'atrium.ui.push'(ctx: any) {
        push(ctx.params.tenantId, ctx.params.message);
      },
    },
    methods: {
      rebuildRoutes() {
        const list = this.broker.registry.getActionList({ onlyAvailable: true, skipInternal: true, withEndpoints: false }) as any[];
        routes.rebuild(list.map((a) => ({ name: a.name, atrium: a.action?.atrium })));
        openapiCache = null;
      },
      /** Registers a WebSocket endpoint (path → upgrade handler) on this gateway. */
      registerUpgrade(path: string, handler: (req: IncomingMessage, socket: any, head: Buffer) => void) {
        upgradeHandlers.set(path, handler);
      },
      async handle(req: IncomingMessage, res: ServerResponse) {
        const d = deps();
        const started = process.hrtime.bigint();
        const requestId = (req.headers['x-request-id'] as string) || crypto.randomUUID();
        const url = new URL(req.url ?? '/', 'http://localhost');
        const method = (req.method ?? 'GET').toUpperCase();
        let routeLabel = 'static';
        res.setHeader('X-Request-Id', requestId);
        const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.statusCode = status;
          for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
          if (body === undefined || status === 204) return res.end();
          res.setHeader('Content-Type', 'application/json; charset=utf-8');
          res.end(JSON.stringify(body));
        };
        try {
          const p = url.pathname;
          if (p === '/api/health') {
            routeLabel = p;
            const db = await d.db.system.query('select 1').then(() => 'ok', () => 'down');
            const redis = await d.redis.ping().then(() => 'ok', () => 'down');
            const ok = db === 'ok' && redis === 'ok';
            return send(ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', node: this.broker.nodeID, version: opts.version, checks: { database: db, redis }, uptimeSeconds: Math.round(process.uptime()) });
          }
          if (p === '/metrics') {
            routeLabel = p;
            res.setHeader('Content-Type', registry.contentType);
            return res.end(await registry.metrics());
          }
          if (p === '/api/openapi.json') {
            routeLabel = p;
            openapiCache ??= buildOpenApi(routes.list(), { version: opts.version, serverUrl: d.config.http.publicUrl });
            return send(200, openapiCache);
          }
          if (p === '/api/docs') {
            routeLabel = p;
            res.setHeader('Content-Type', 'text/html; charset=utf-8');
            return res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Atrium API</title><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><script id="api-reference" data-url="/api/openapi.json"></script><script src="/api/docs/standalone.js"></script></body></html>`);
          }
          if (p === '/api/docs/standalone.js') {
            routeLabel = p;
            const file = require.resolve('@scalar/api-reference/dist/browser/standalone.js');
            if (serveFile(res, path.dirname(file), 'standalone.js')) return;
          }
          if (p.startsWith('/api/')) return await this.handleApi(req, res, url, method, requestId, send, (r: string) => (routeLabel = r));
          if (p.startsWith('/plugins/')) {
            // /plugins/<id>/<path inside the package>; only the package's ui/ folder is public
            const [, , id, ...rest] = p.split('/');
            const plugin = d.registry.get(id);
            const rel = rest.join('/');
            if (plugin?.dir && rel.startsWith('ui/') && serveFile(res, plugin.dir, rel, { cors: true })) return;
            return send(404, { error: { code: 'NOT_FOUND', message: 'No such plugin asset' } });
          }
          if (opts.adminDist && fs.existsSync(opts.adminDist)) {
            if (p !== '/' && serveFile(res, opts.adminDist, p, { immutable: p.startsWith('/assets/') })) return;
            if (serveFile(res, opts.adminDist, 'index.html')) return;
          }
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          res.statusCode = p === '/' ? 200 : 404;
          return res.end(`<!doctype html><meta charset="utf-8"><title>Atrium</title><h1>Atrium</h1><p>The API is up: <a href="/api/docs">/api/docs</a>. The admin UI is not built yet — run <code>npm run build -w admin</code>.</p>`);
        } catch (e) {
          const he = toHttpError(e, requestId);
          if (he.status >= 500) d.logger.error({ err: e, requestId, path: url.pathname }, 'request failed');
          if (!res.headersSent) send(he.status, he.body, he.headers);
          else res.end();
        } finally {
          res.once('finish', () => httpDuration.observe({ method, route: routeLabel, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9));
        }
      },
      async handleApi(req: IncomingMessage, res: ServerResponse, url: URL, method: string, requestId: string, send: any, label: (r: string) => void) {
        const d = deps();
        const m = routes.match(method, url.pathname);
        if (m.methodNotAllowed) return send(405, { error: { code: 'METHOD_NOT_ALLOWED', message: `Use ${m.methodNotAllowed.join(' or ')} for ${url.pathname}` } }, { Allow: m.methodNotAllowed.join(', ') });
        if (!m.route) return send(404, { error: { code: 'NOT_FOUND', message: `No route ${method} ${url.pathname}` } });
        const route: Route = m.route;
        label(route.path);
        const ip = (d.config.http.trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0].trim() : '') || req.socket.remoteAddress || '-';
        const meta: AtriumMeta & Record<string, unknown> = {
          requestId, ip, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 300),
          locale: String(req.headers['accept-language'] ?? 'en').slice(0, 2),
          cookies: parseCookies(req.headers.cookie),
        };
        const auth = req.headers.authorization;
        if (auth?.startsWith('Bearer ')) {
          try {
            const claims = await d.tokens.verifyAccess(auth.slice(7));
            meta.user = claims.user as RequestUser;
            meta.tenantId = claims.tenantId;
          } catch (e) {
            if (route.spec.permission !== 'public') throw e;
          }
        } else if (route.spec.permission !== 'public') {
          throw new UnauthorizedError('Sign in first: send Authorization: Bearer <access token>');
        }
        await d.rateLimiter.hitBatched(meta.user ? `api:user:${meta.user.id}` : `api:ip:${ip}`, d.config.rateLimit.apiPerMinute, 60);
        const idem = req.headers['idempotency-key'];
        if (typeof idem === 'string' && idem) meta.idempotencyKey = idem;

        let params: Record<string, unknown> = coerceQuery(route.spec.params, Object.fromEntries([...url.searchParams.keys()].map((k) => {
          const all = url.searchParams.getAll(k);
          return [k, all.length > 1 ? all : all[0]];
        })));
        if (method !== 'GET' && method !== 'DELETE') {
          const limit = route.spec.rest!.maxBodyBytes ?? d.config.http.bodyLimitBytes;
          const body = await readBody(req, limit);
          if (route.spec.rest!.raw) {
            params = { ...params, $body: body.toString('base64'), $contentType: String(req.headers['content-type'] ?? 'application/octet-stream'), ...(route.spec.pluginId ? { $headers: { ...req.headers } } : {}) };
          } else if (body.length) {
            const ct = String(req.headers['content-type'] ?? '');
            if (!ct.includes('application/json')) throw new ValidationError('Send JSON with Content-Type: application/json', [{ field: '(body)', message: 'must be JSON' }]);
            let parsed: unknown;
            try {
              parsed = JSON.parse(body.toString('utf8'));
            } catch {
              throw new ValidationError('The request body is not valid JSON', [{ field: '(body)', message: 'is not valid JSON' }]);
            }
            if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ValidationError('The request body must be a JSON object', [{ field: '(body)', message: 'must be an object' }]);
            params = { ...params, ...(parsed as Record<string, unknown>) };
          }
        }
        for (const [k, v] of Object.entries(m.params ?? {})) {
          if (k in params && params[k] !== v) throw new ValidationError(`"${k}" is given by the URL; do not repeat it in the body`, [{ field: k, message: 'conflicts with the URL' }]);
          params[k] = v;
        }
        // Safe to retry on another node: reads, and writes the client made idempotent with a key.
        const retries = method === 'GET' || meta.idempotencyKey ? 3 : 0;
        // the action's transaction may not outlive the answer: at the deadline it is rolled back and its connection freed
        const timeout = d.config.http.requestTimeoutMs;
        meta.deadline = Date.now() + timeout;
        const result: any = await this.broker.call(route.action, params, { meta, timeout, retries } as any);
        if (meta.$setCookies?.length) res.setHeader('Set-Cookie', meta.$setCookies);
        for (const [k, v] of Object.entries(meta.$responseHeaders ?? {})) res.setHeader(k, v);
        if (result && typeof result === 'object' && typeof result.$binary === 'string') {
          const buf = Buffer.from(result.$binary, 'base64');
          res.statusCode = 200;
          res.setHeader('Content-Type', result.contentType);
          res.setHeader('Content-Length', buf.length);
          res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(result.filename)}`);
          return res.end(buf);
        }
        if (result && typeof result === 'object' && typeof result.$raw === 'string') {
          // a plugin answering in a provider's own format (e.g. a signed XML webhook reply)
          res.statusCode = result.status ?? 200;
          res.setHeader('Content-Type', result.contentType ?? 'text/plain; charset=utf-8');
          return res.end(result.$raw);
        }
        const replayed = meta.$responseHeaders?.['Idempotent-Replayed'] === 'true';
        return send(meta.$statusCode ?? (replayed ? 200 : route.spec.rest!.status), result ?? null);
      },
    },
    async started() {
      const d = deps();
      this.rebuildRoutes();
      server = http.createServer((req, res) => void this.handle(req, res));
      server.keepAliveTimeout = 65_000;
      wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
      server.on('upgrade', async (req, socket, head) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const custom = upgradeHandlers.get(url.pathname);
        if (custom) return custom(req, socket, head);
        if (url.pathname !== '/api/ws') return socket.destroy();
        try {
          const claims = await d.tokens.verifyAccess(url.searchParams.get('token') ?? '');
          wss!.handleUpgrade(req, socket, head, (ws) => {
            const set = sockets.get(claims.tenantId) ?? new Set();
            sockets.set(claims.tenantId, set.add(ws));
            ws.on('close', () => set.delete(ws));
            ws.send(JSON.stringify({ type: 'hello', tenantId: claims.tenantId }));
          });
        } catch {
          socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
          socket.destroy();
        }
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(d.config.http.port, d.config.http.host, () => resolve());
      });
      const addr = server.address();
      (this as any).port = typeof addr === 'object' && addr ? addr.port : d.config.http.port;
    },
    async stopped() {
      for (const set of sockets.values()) for (const ws of set) ws.terminate();
      wss?.close();
      server?.closeAllConnections?.();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  } as ServiceSchema;
}
