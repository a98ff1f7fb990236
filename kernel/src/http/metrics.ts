import crypto from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import client from 'prom-client';
import { SafeIncomingMessage } from './safe-incoming-message.ts';
import type { Logger } from 'pino';
import { uncaughtErrorCount } from '../process-guard.ts';

/**
 * Prometheus metrics of one gateway: Node's default process metrics, the HTTP request duration
 * histogram and the count of errors that reached the process-level handlers, in a registry of its
 * own (two kernels in one process do not share one).
 */
export class HttpMetrics {
  readonly registry = new client.Registry();
  private readonly duration: client.Histogram<'method' | 'route' | 'status'>;
  private readonly logger: Logger;
  private failures = 0;

  constructor(logger: Logger, sources: { queueCounts?: () => Promise<Record<string, Record<string, number>>> } = {}) {
    this.logger = logger;
    if (sources.queueCounts) {
      const counts = sources.queueCounts;
      new client.Gauge({
        name: 'atrium_queue_jobs', help: 'Jobs per queue and state, all tenants (what GET /api/jobs/queues no longer shows tenants)', labelNames: ['queue', 'state'], registers: [this.registry],
        async collect() {
          const all = await counts().catch(() => ({}));
          for (const [queue, states] of Object.entries(all)) for (const [state, n] of Object.entries(states)) this.set({ queue, state }, n);
        },
      });
    }
    client.collectDefaultMetrics({ register: this.registry });
    this.duration = new client.Histogram({
      name: 'atrium_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
    });
    new client.Gauge({
      name: 'atrium_process_uncaught_errors', help: 'Errors that reached the process-level handlers since start (each one is a bug)', registers: [this.registry],
      collect() { this.set(uncaughtErrorCount()); },
    });
    const self = this;
    new client.Gauge({
      name: 'atrium_metric_failures', help: 'Observations the metrics refused since start (each one is a bug)', registers: [this.registry],
      collect() { this.set(self.failures); },
    });
  }

  /**
   * Records one answered request. A metric is never worth a request, let alone the process: an
   * observation prom-client refuses (a label it does not know) is counted and logged, not thrown.
   */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    try {
      this.duration.observe({ method, route, status: String(status) }, seconds);
    } catch (err) {
      if (this.failures++ % 1000 === 0) this.logger.error({ err, route }, 'metrics: observation refused');
    }
  }

  /** Answers a scrape with the text exposition format. */
  async serve(res: ServerResponse): Promise<void> {
    res.setHeader('Content-Type', this.registry.contentType);
    res.end(await this.registry.metrics());
  }
}

/**
 * Whether a scrape may read the metrics: on the metrics port, with the token when one is set;
 * on the main (public) port only with the token — without one configured, never.
 */
export function mayScrape(req: IncomingMessage, token: string | undefined, onMetricsPort: boolean): boolean {
  if (!token) return onMetricsPort;
  const auth = String(req.headers.authorization ?? '');
  const given = Buffer.from(auth.startsWith('Bearer ') ? auth.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && crypto.timingSafeEqual(given, want);
}

/** The metrics on a port of their own (`metrics.port`): GET /metrics and nothing else. */
export async function startMetricsServer(metrics: HttpMetrics, opts: { port: number; host: string; token?: string }): Promise<http.Server> {
  const server = http.createServer({ IncomingMessage: SafeIncomingMessage }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics' || !mayScrape(req, opts.token, true)) {
      res.statusCode = 404;
      return res.end();
    }
    metrics.serve(res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return server;
}
