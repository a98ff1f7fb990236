import client from 'prom-client';
import type { ServerResponse } from 'node:http';

/**
 * Prometheus metrics of one gateway: Node's default process metrics and the HTTP request
 * duration histogram, in a registry of its own (two kernels in one process do not share one).
 */
export class HttpMetrics {
  readonly registry = new client.Registry();
  private readonly duration: client.Histogram<'method' | 'route' | 'status'>;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
    this.duration = new client.Histogram({
      name: 'atrium_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
    });
  }

  /** Records one answered request. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.duration.observe({ method, route, status: String(status) }, seconds);
  }

  /** Answers a scrape with the text exposition format. */
  async serve(res: ServerResponse): Promise<void> {
    res.setHeader('Content-Type', this.registry.contentType);
    res.end(await this.registry.metrics());
  }
}
