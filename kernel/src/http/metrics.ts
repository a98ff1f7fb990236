import client from 'prom-client';
import type { ServerResponse } from 'node:http';
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

  constructor(logger: Logger) {
    this.logger = logger;
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
