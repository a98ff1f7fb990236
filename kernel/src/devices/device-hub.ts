import crypto from 'node:crypto';
import type { ServiceBroker } from 'moleculer';
import type { Logger } from 'pino';
import { JobHub, type DeviceInfo, type HubJob } from '@atrium/devices/hub';
import type { KernelDeps } from '../kernel-deps.ts';
import { JOB_COLUMNS, PgHubStorage, pgTextArray, toHubJob } from './pg-hub-storage.ts';
import { jobView } from './device-jobs.ts';

/** How often stale (undelivered past `expiresAt`) jobs are expired. */
const EXPIRY_TICK_MS = 1000;

export type RunningDeviceHub = { hub: JobHub; stop(): void };

/** Tells the admin pages of a tenant what changed (`atrium.ui.push`, sent on by every gateway). */
function uiPush(broker: ServiceBroker, tenantId: string, message: unknown): void {
  broker.broadcast('atrium.ui.push', { tenantId, message });
}

/** Sends a job's new state to the admin. */
export function pushJob(broker: ServiceBroker, row: HubJob): void {
  uiPush(broker, row.tenantId, { type: 'devices.job', job: jobView(row) });
}

/**
 * The device bus's hub on this node: a JobHub on PostgreSQL storage, the bookkeeping of what agents
 * report (terminal online state, device lists and statuses, scans as outbox events), the admin push
 * of every change, and the timer that expires stale jobs. Agents reach it through `agent-socket.ts`.
 */
export function startDeviceHub(deps: KernelDeps, broker: ServiceBroker, log: Logger): RunningDeviceHub {
  const c = deps.config.devices;
  const hub = new JobHub({
    storage: new PgHubStorage(deps.db),
    heartbeatMs: c.heartbeatMs,
    limits: { messagesPerSecond: c.agentMessagesPerSecond, burst: c.agentMessageBurst, maxMessageBytes: c.agentMaxMessageBytes, maxDevicesPerReport: c.agentMaxDevicesPerReport, maxScanBytes: c.agentMaxScanBytes },
  });
  /** Runs kernel bookkeeping for a tenant outside a request (agent events). */
  const inTenant = <T>(tenantId: string, fn: (em: any) => Promise<T>) => deps.db.transaction({ tenantId }, fn);

  hub.on('job', (row: HubJob) => pushJob(broker, row));
  hub.on('flooding', (terminalId: string, tenantId: string) => log.warn({ terminalId, tenantId }, 'devices: terminal disconnected for flooding the bus'));
  hub.on('refused', (terminalId: string, tenantId: string, code: string) => log.info({ terminalId, tenantId, code }, 'devices: terminal message refused'));
  hub.on('connected', (terminalId: string, tenantId: string, agentVersion?: string) => {
    void inTenant(tenantId, (em) => em.execute('update kernel.terminal set connected = true, last_seen_at = now(), agent_version = coalesce(?, agent_version) where id = ?', [agentVersion ?? null, terminalId]))
      .catch((e) => log.warn({ err: e }, 'devices: terminal bookkeeping failed'));
    uiPush(broker, tenantId, { type: 'devices.terminal', terminalId, connected: true });
  });
  hub.on('disconnected', (terminalId: string, tenantId: string) => {
    void inTenant(tenantId, (em) => em.execute('update kernel.terminal set connected = false, last_seen_at = now() where id = ?', [terminalId]))
      .catch((e) => log.warn({ err: e }, 'devices: terminal bookkeeping failed'));
    uiPush(broker, tenantId, { type: 'devices.terminal', terminalId, connected: false });
  });
  hub.on('devices', (terminalId: string, devices: DeviceInfo[], tenantId: string) => {
    void inTenant(tenantId, async (em) => {
      for (const dv of devices) {
        await em.execute(`insert into kernel.device (tenant_id, terminal_id, device_id, kind, name, status, reported_profile_id) values (?, ?, ?, ?, ?, ?, ?)
          on conflict (tenant_id, terminal_id, device_id) do update set kind = excluded.kind, name = excluded.name, status = excluded.status,
            reported_profile_id = excluded.reported_profile_id, updated_at = now()`,
          [tenantId, terminalId, dv.deviceId, dv.kind, dv.name, dv.status, dv.profileId ?? null]);
      }
      // devices no longer in the agent's config stay (roles may point at them) but show offline
      await em.execute(`update kernel.device set status = 'offline', updated_at = now() where terminal_id = ? and not (device_id = any(?::text[]))`, [terminalId, pgTextArray(devices.map((x) => x.deviceId))]);
    }).then(() => uiPush(broker, tenantId, { type: 'devices.devices', terminalId, devices }))
      .catch((e) => log.warn({ err: e }, 'devices: device report failed'));
  });
  hub.on('device.status', (terminalId: string, deviceId: string, status: string, tenantId: string) => {
    void inTenant(tenantId, (em) => em.execute('update kernel.device set status = ?, updated_at = now() where terminal_id = ? and device_id = ?', [status, terminalId, deviceId]))
      .catch((e) => log.warn({ err: e }, 'devices: status update failed'));
    uiPush(broker, tenantId, { type: 'devices.status', terminalId, deviceId, status });
  });
  hub.on('scan', (terminalId: string, deviceId: string, data: string, tenantId: string) => {
    // plugins subscribe to the outbox event `devices.scan.v1` (at-least-once, deduplicated by their inbox)
    void inTenant(tenantId, async (em) => {
      const [t] = await em.execute('select store_id from kernel.terminal where id = ?', [terminalId]);
      await em.execute('insert into kernel.outbox (event_id, tenant_id, name, payload, user_id) values (?, ?, ?, ?, null)',
        [crypto.randomUUID(), tenantId, 'devices.scan.v1', JSON.stringify({ terminalId, deviceId, storeId: t?.store_id ?? null, data, at: new Date().toISOString() })]);
    }).then(() => deps.pokeOutbox()).catch((e) => log.warn({ err: e }, 'devices: scan event failed'));
    uiPush(broker, tenantId, { type: 'devices.scan', terminalId, deviceId, data });
  });

  // Stale jobs (drawer kicks never received within 30 s) → expired; used-up enrolment codes go too.
  let expiring = false;
  const expiryTimer = setInterval(() => {
    if (expiring) return;
    expiring = true;
    (async () => {
      const rows = await deps.db.systemQuery(`select ${JOB_COLUMNS} from kernel.device_job
        where state in ('queued', 'dispatched') and expires_at is not null and expires_at < now() order by expires_at limit 500`);
      if (rows.length) await hub.expire(rows.map(toHubJob));
      await deps.db.systemQuery(`delete from kernel.enrollment_code where expires_at < now() - interval '1 hour'`);
    })().catch((e) => log.warn({ err: e }, 'devices: expiry failed')).finally(() => { expiring = false; });
  }, EXPIRY_TICK_MS);
  expiryTimer.unref();

  return {
    hub,
    stop() {
      clearInterval(expiryTimer);
      hub.removeAllListeners();
    },
  };
}
