import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { ServiceSchema } from 'moleculer';
import { UnauthorizedError, ValidationError, type RequestUser } from '@atrium/sdk';
import type { KernelDeps } from '../kernel-deps.ts';
import { RouteTable, type Route } from '../http/route-table.ts';
import { toHttpError } from '../http/error-mapper.ts';
import { serveAdmin, servePluginAsset } from '../http/static-files.ts';
import { HttpMetrics, mayScrape, startMetricsServer } from '../http/metrics.ts';
import { healthReport, kernelHealthChecks } from '../http/health.ts';
import { ApiDocs } from '../http/api-docs.ts';
import { UiPush, UI_PUSH_PATH } from '../http/ui-push.ts';
import { discardUnreadBody, parseCookies, parseJsonBody, queryParams, readBody } from '../http/request-body.ts';
import { SafeIncomingMessage } from '../http/safe-incoming-message.ts';
import { AdminScriptHashes, requestIdOf, secureCookies, setSecurityHeaders, viaTls } from '../http/security-headers.ts';
import { checkJsonInput, checkTextParams } from '../http/untrusted-input.ts';
import { coerceQuery } from '../validation/ajv-validator.ts';
import { isErrorBody, localizedErrorBody } from '../i18n/error-language.ts';
import { negotiateLocale } from '@atrium/sdk/i18n';
import type { AtriumMeta } from '../pipeline/pipeline.middleware.ts';

export type GatewayOptions = { adminDist?: string; version: string };

/**
 * The HTTP edge: REST routes derived from action metadata, JWT verification, rate limits and error
 * mapping. It holds no business logic: every API request becomes one broker call through the
 * pipeline. Health, metrics, the API docs, the admin/plugin UI files and the UI push socket are
 * modules of their own (`kernel/src/http/`), dispatched from `handle`.
 */
export function gatewayService(deps: () => KernelDeps, opts: GatewayOptions): ServiceSchema {
  const routes = new RouteTable();
  const metrics = new HttpMetrics(deps().logger, {
    async queueCounts(): Promise<Record<string, Record<string, number>>> {
      const q = deps().queues;
      if (!q.connected()) return {};
      return { events: await q.events.getJobCounts(), jobs: await q.jobs.getJobCounts() };
    },
  });
  const healthChecks = kernelHealthChecks(deps);
  const docs = new ApiDocs(routes, () => ({ version: opts.version, serverUrl: deps().config.http.publicUrl }));
  const uiPush = new UiPush();
  const adminScripts = new AdminScriptHashes();
  let server: http.Server | null = null;
  let metricsServer: http.Server | null = null;
  /** Other local services (the device bus) attach WebSocket endpoints here. */
  const upgradeHandlers = new Map<string, (req: IncomingMessage, socket: any, head: Buffer) => void>();

  return {
    name: 'gateway',
    settings: { $noVersionPrefix: true },
    events: {
      '$services.changed'() {
        this.rebuildRoutes();
      },
      'atrium.plugins.changed'(ctx: any) {
        deps().gate.invalidate(ctx.params.tenantId);
        uiPush.push(ctx.params.tenantId, { type: 'plugins.changed', pluginId: ctx.params.pluginId, state: ctx.params.state });
      },
      'atrium.ui.push'(ctx: any) {
        uiPush.push(ctx.params.tenantId, ctx.params.message);
      },
    },
    methods: {
      rebuildRoutes() {
        const list = this.broker.registry.getActionList({ onlyAvailable: true, skipInternal: true, withEndpoints: false }) as any[];
        routes.rebuild(list.map((a) => ({ name: a.name, atrium: a.action?.atrium })));
        docs.invalidate();
      },
      /** Registers a WebSocket endpoint (path → upgrade handler) on this gateway. */
      registerUpgrade(path: string, handler: (req: IncomingMessage, socket: any, head: Buffer) => void) {
        upgradeHandlers.set(path, handler);
      },
      async handle(req: IncomingMessage, res: ServerResponse) {
        const d = deps();
        const started = process.hrtime.bigint();
        // a client's id travels into headers, logs and the audit: only a sane one is kept
        const requestId = requestIdOf(req);
        const url = URL.parse(req.url ?? '/', 'http://localhost');
        const method = (req.method ?? 'GET').toUpperCase();
        const tls = viaTls(req, d.config.http.trustProxy);
        let routeLabel = 'static';
        res.setHeader('X-Request-Id', requestId);
        setSecurityHeaders(res, 'api', { tls });
        const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          if (status >= 400 && isErrorBody(body)) {
            const l = localizedErrorBody(d.translator, body, req, url?.pathname ?? '/');
            body = l.body;
            headers = { ...headers, 'Content-Language': l.language, Vary: 'Accept-Language' };
          }
          res.statusCode = status;
          for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
          if (body === undefined || status === 204) return res.end();
          res.setHeader('Content-Type', 'application/json; charset=utf-8');
          res.end(JSON.stringify(body));
        };
        try {
          if (!url) throw new ValidationError('The request URL cannot be parsed', [{ field: '(url)', code: 'invalidUrl', message: 'is not a valid URL' }]);
          const p = url.pathname;
          if (p === '/api/health') {
            routeLabel = p;
            const h = await healthReport(healthChecks, { node: this.broker.nodeID, version: opts.version });
            return send(h.httpStatus, h.body);
          }
          if (p === '/metrics') {
            // not public: with the operator's token here, or on the metrics port (metrics.port)
            routeLabel = p;
            if (mayScrape(req, d.config.metrics.token, false)) return await metrics.serve(res);
            return send(404, { error: { code: 'NOT_FOUND', message: 'No such page' } });
          }
          if (p.startsWith('/api/docs') || p === '/api/openapi.json') {
            routeLabel = p;
            if (p !== '/api/openapi.json') setSecurityHeaders(res, 'docs', { tls });
            if (docs.serve(res, p)) return;
            setSecurityHeaders(res, 'api', { tls });
          }
          if (p.startsWith('/api/')) return await this.handleApi(req, res, url, method, requestId, tls, send, (r: string) => (routeLabel = r));
          if (p.startsWith('/plugins/')) {
            if (servePluginAsset(res, p, (id) => d.registry.get(id)?.dir)) return;
            return send(404, { error: { code: 'NOT_FOUND', message: 'No such plugin asset' } });
          }
          setSecurityHeaders(res, 'admin', { tls, adminScriptHashes: adminScripts.get(opts.adminDist) });
          return serveAdmin(res, p, opts.adminDist);
        } catch (e) {
          const he = toHttpError(e, requestId);
          if (he.status >= 500) d.logger.error({ err: e, requestId, path: url?.pathname }, 'request failed');
          if (!res.headersSent) send(he.status, he.body, he.headers);
          else res.end();
          if (!req.complete) discardUnreadBody(req, res);
        } finally {
          res.once('finish', () => metrics.observeRequest(method, routeLabel, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9));
        }
      },
      async handleApi(req: IncomingMessage, res: ServerResponse, url: URL, method: string, requestId: string, tls: boolean, send: any, label: (r: string) => void) {
        const d = deps();
        const m = routes.match(method, url.pathname);
        if (m.methodNotAllowed) return send(405, { error: { code: 'METHOD_NOT_ALLOWED', message: `Use ${m.methodNotAllowed.join(' or ')} for ${url.pathname}` } }, { Allow: m.methodNotAllowed.join(', ') });
        if (!m.route) return send(404, { error: { code: 'NOT_FOUND', message: `No route ${method} ${url.pathname}` } });
        const route: Route = m.route;
        label(route.path);
        const ip = (d.config.http.trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',')[0].trim() : '') || req.socket.remoteAddress || '-';
        const meta: AtriumMeta & Record<string, unknown> = {
          requestId, ip, userAgent: String(req.headers['user-agent'] ?? '').slice(0, 300),
          locale: negotiateLocale(req.headers['accept-language']),
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

        const query = queryParams(url);
        checkTextParams(query);
        checkTextParams(m.params ?? {});
        let params: Record<string, unknown> = coerceQuery(route.spec.params, query);
        if (method !== 'GET' && method !== 'DELETE') {
          const limit = route.spec.rest!.maxBodyBytes ?? d.config.http.bodyLimitBytes;
          const body = await readBody(req, limit);
          if (route.spec.rest!.raw) {
            params = { ...params, $body: body.toString('base64'), $contentType: String(req.headers['content-type'] ?? 'application/octet-stream'), ...(route.spec.pluginId ? { $headers: { ...req.headers } } : {}) };
          } else if (body.length) {
            const json = parseJsonBody(body, String(req.headers['content-type'] ?? ''));
            checkJsonInput(json);
            params = { ...params, ...json };
          }
        }
        for (const [k, v] of Object.entries(m.params ?? {})) {
          if (k in params && params[k] !== v) throw new ValidationError(`"${k}" is given by the URL; do not repeat it in the body`, [{ field: k, code: 'conflictsWithUrl', message: 'conflicts with the URL' }]);
          params[k] = v;
        }
        // Safe to retry on another node: reads, and writes the client made idempotent with a key.
        const retries = method === 'GET' || meta.idempotencyKey ? 3 : 0;
        // the action's transaction may not outlive the answer: at the deadline it is rolled back and its connection freed
        const timeout = d.config.http.requestTimeoutMs;
        meta.deadline = Date.now() + timeout;
        const result: any = await this.broker.call(route.action, params, { meta, timeout, retries } as any);
        if (meta.$setCookies?.length) res.setHeader('Set-Cookie', secureCookies(meta.$setCookies, tls));
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
          if (/^text\/html/i.test(String(result.contentType ?? ''))) setSecurityHeaders(res, 'plugin-html', { tls });
          return res.end(result.$raw);
        }
        const replayed = meta.$responseHeaders?.['Idempotent-Replayed'] === 'true';
        return send(meta.$statusCode ?? (replayed ? 200 : route.spec.rest!.status), result ?? null);
      },
    },
    async started() {
      const d = deps();
      this.rebuildRoutes();
      server = http.createServer({ IncomingMessage: SafeIncomingMessage }, (req, res) => void this.handle(req, res));
      server.keepAliveTimeout = 65_000;
      server.on('upgrade', (req, socket, head) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const custom = upgradeHandlers.get(url.pathname);
        if (custom) return custom(req, socket, head);
        if (url.pathname !== UI_PUSH_PATH) return socket.destroy();
        void uiPush.upgrade(req, socket, head, d.tokens);
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(d.config.http.port, d.config.http.host, () => resolve());
      });
      const addr = server.address();
      (this as any).port = typeof addr === 'object' && addr ? addr.port : d.config.http.port;
      if (d.config.metrics.port !== undefined) {
        metricsServer = await startMetricsServer(metrics, { port: d.config.metrics.port, host: d.config.metrics.host, token: d.config.metrics.token });
        const m = metricsServer.address();
        (this as any).metricsPort = typeof m === 'object' && m ? m.port : d.config.metrics.port;
      }
    },
    async stopped() {
      uiPush.close();
      server?.closeAllConnections?.();
      metricsServer?.closeAllConnections();
      await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  } as ServiceSchema;
}
