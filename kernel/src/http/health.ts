import type { KernelDeps } from '../kernel-deps.ts';

/** What one dependency looks like from this node right now. */
export type CheckState = 'ok' | 'degraded' | 'down';
export type CheckResult = { state: CheckState } & Record<string, unknown>;

/**
 * One line of `/api/health`. A `critical` check that is down makes the node unhealthy (503: a
 * load balancer should stop sending it requests); any other check that is not ok only marks the
 * node degraded (200, it still serves what does not need that dependency).
 */
export type HealthCheck = { name: string; critical: boolean; run(): Promise<CheckResult> };

/** A check that answers `down` when `probe` rejects (or takes longer than `timeoutMs`), else `ok`. */
export function probeCheck(name: string, critical: boolean, probe: () => Promise<unknown>, timeoutMs = 2000): HealthCheck {
  return {
    name, critical,
    async run() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), timeoutMs); });
      try {
        await Promise.race([probe(), timeout]);
        return { state: 'ok' };
      } catch {
        return { state: 'down' };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The checks every gateway reports; add a dependency's check here. */
export function kernelHealthChecks(deps: () => KernelDeps): HealthCheck[] {
  return [
    probeCheck('database', true, () => deps().db.system.query('select 1')),
    probeCheck('redis', false, async () => {
      await deps().redis.ping();
      // the job queues have a connection of their own, which reconnects on its own schedule
      if (!deps().queues.connected()) throw new Error('job queues are not connected');
    }),
  ];
}

export type HealthReport = {
  httpStatus: 200 | 503;
  body: { status: 'ok' | 'degraded' | 'down'; node: string; version: string; checks: Record<string, CheckResult>; uptimeSeconds: number };
};

/** Runs every check at once; the answer of `GET /api/health`. */
export async function healthReport(checks: HealthCheck[], info: { node: string; version: string }): Promise<HealthReport> {
  const results = await Promise.all(checks.map(async (c) => [c, await c.run().catch((): CheckResult => ({ state: 'down' }))] as const));
  const criticalDown = results.some(([c, r]) => c.critical && r.state === 'down');
  const allOk = results.every(([, r]) => r.state === 'ok');
  return {
    httpStatus: criticalDown ? 503 : 200,
    body: {
      status: criticalDown ? 'down' : allOk ? 'ok' : 'degraded',
      node: info.node, version: info.version,
      checks: Object.fromEntries(results.map(([c, r]) => [c.name, r])),
      uptimeSeconds: Math.round(process.uptime()),
    },
  };
}
