import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpMetrics } from './metrics.ts';

describe('HttpMetrics', () => {
  afterEach(() => {
    delete (Object.prototype as any).polluted;
  });

  it('records requests, and contains an observation prom-client refuses instead of throwing it', async () => {
    const m = new HttpMetrics(pino({ level: 'silent' }));
    m.observeRequest('GET', '/api/x', 200, 0.01);
    // what a polluted Object.prototype does to every label object: prom-client walks labels with for…in
    (Object.prototype as any).polluted = '1';
    expect(() => m.observeRequest('GET', '/api/x', 200, 0.01)).not.toThrow();
    delete (Object.prototype as any).polluted;
    const text = await m.registry.metrics();
    expect(text).toMatch(/atrium_http_request_duration_seconds_count\{method="GET",route="\/api\/x",status="200"\} 1/);
    expect(text).toMatch(/^atrium_metric_failures 1$/m);
  });
});
