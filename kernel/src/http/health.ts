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

/**
 * How full this node is: the request connection pools (in use, waiting for a connection) and every
 * tenant holding or waiting for its share — of top-level transactions (database.tenantMaxConnections)
 * and of outbound calls (outbound.tenantMaxConcurrent). `degraded` when requests wait for a
 * connection or a tenant has used up a share (its next requests queue, then get 503): the node still
 * serves everyone else, so it is not taken out of rotation — but an operator sees who fills it.
 */
export function saturationCheck(deps: () => KernelDeps): HealthCheck {
  return {
    name: 'saturation',
    critical: false,
    async run() {
      const d = deps();
      const pools = await d.db.poolStats();
      const byTenant = new Map<string, { tenantId: string; transactions?: unknown; outbound?: unknown; saturated: boolean }>();
      const add = (kind: 'transactions' | 'outbound', s: { tenantId: string; active: number; waiting: number; limit: number }) => {
        const t = byTenant.get(s.tenantId) ?? { tenantId: s.tenantId, saturated: false };
        t[kind] = { active: s.active, waiting: s.waiting, limit: s.limit };
        t.saturated ||= s.active >= s.limit;
        byTenant.set(s.tenantId, t);
      };
      for (const s of d.db.tenantStats()) add('transactions', s);
      for (const s of d.outbound.slots.stats()) add('outbound', s);
      const tenants = [...byTenant.values()].sort((a, b) => Number(b.saturated) - Number(a.saturated));
      const waiting = pools.some((p) => p.waiting > 0);
      return { state: waiting || tenants.some((t) => t.saturated) ? 'degraded' : 'ok', pools, tenants: tenants.slice(0, 20) };
    },
  };
}

/** The checks every gateway reports; add a dependency's check here. */
export function kernelHealthChecks(deps: () => KernelDeps): HealthCheck[] {
  return [
    probeCheck('database', true, () => deps().db.system.query('select 1')),
    saturationCheck(deps),
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
