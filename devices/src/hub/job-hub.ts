import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Job, JobKind, JobOutcome, JobPayload } from '../protocol/job.schema.ts';
import {
  CLOSE_FLOODING, CLOSE_REVOKED, CLOSE_UNAUTHORIZED, parseAgentMessage, PROTOCOL_VERSION, ProtocolError,
  type AgentMessage, type BusError, type DeviceInfo, type KernelMessage,
} from '../protocol/messages.ts';
import type { HubJob, JobHubStorage, TerminalRecord } from './job-hub.storage.ts';

/** One agent socket, as the hub sees it. The ws server (or the kernel gateway) provides it. */
export interface AgentLink {
  send(msg: KernelMessage): void;
  close(code: number, reason: string): void;
}

export interface SubmitJob {
  tenantId: string;
  terminalId: string;
  idempotencyKey: string;
  deviceId: string;
  kind: JobKind;
  payload: JobPayload;
  /** Time to live before the agent receives it; drawer kicks default to 30 s, everything else never expires. */
  ttlMs?: number;
  /** Stored with the job, never sent to the agent. */
  meta?: HubJob['meta'];
}

/**
 * What one enrolled terminal may send. A till sends a few messages a second at most (scans,
 * acks, results, a ping every heartbeat); these bound what a broken or hostile one can cost.
 */
export type AgentLimits = {
  /** Sustained messages per second per terminal (a token bucket)… */
  messagesPerSecond: number;
  /** …with bursts up to this many (a reconnect resends its unconfirmed results at once). */
  burst: number;
  /** Bytes in one message. */
  maxMessageBytes: number;
  /** Devices in one device report. */
  maxDevicesPerReport: number;
  /** Bytes of one scan (a QR code holds at most ~3 KB). */
  maxScanBytes: number;
};

export const DEFAULT_AGENT_LIMITS: AgentLimits = { messagesPerSecond: 20, burst: 100, maxMessageBytes: 64 * 1024, maxDevicesPerReport: 64, maxScanBytes: 4096 };

/** Dropped for rate within this window beyond `messagesPerSecond` × its seconds: the socket is closed (4429). */
const FLOOD_WINDOW_MS = 10_000;

export interface JobHubOptions {
  storage: JobHubStorage;
  heartbeatMs?: number;
  enrollmentTtlMs?: number;
  now?: () => Date;
  limits?: Partial<AgentLimits>;
}

/** Per terminal (it survives reconnects): the token bucket and what was dropped lately. */
type TerminalBudget = { tokens: number; refilledAt: number; dropped: number[]; lastErrorAt: number; unreported: number };

export const DRAWER_TTL_MS = 30_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * The kernel side of the device bus, without any transport or database: authenticates agents,
 * stores jobs once per (tenant, idempotency key), dispatches them to the owning terminal, resends
 * undelivered ones on every (re)connect, and records results. Delivery is at-least-once; the agent
 * de-duplicates by jobId and idempotency key, and the hub by state transitions, so effects happen once.
 *
 * Events: `job` (HubJob after every change), `devices` (terminalId, DeviceInfo[], tenantId),
 * `device.status` (terminalId, deviceId, status, tenantId), `scan` (terminalId, deviceId, data, tenantId),
 * `connected` (terminalId, tenantId, agentVersion) / `disconnected` (terminalId, tenantId).
 */
export class JobHub extends EventEmitter {
  readonly storage: JobHubStorage;
  private readonly heartbeatMs: number;
  private readonly enrollmentTtlMs: number;
  private readonly now: () => Date;
  private readonly links = new Map<string, AgentLink>();
  readonly limits: AgentLimits;
  private readonly budgets = new Map<string, TerminalBudget>();

  constructor(opts: JobHubOptions) {
    super();
    this.storage = opts.storage;
    this.limits = { ...DEFAULT_AGENT_LIMITS, ...opts.limits };
    this.heartbeatMs = opts.heartbeatMs ?? 15_000;
    this.enrollmentTtlMs = opts.enrollmentTtlMs ?? 10 * 60_000;
    this.now = opts.now ?? (() => new Date());
  }

  isConnected(terminalId: string): boolean {
    return this.links.has(terminalId);
  }

  // ---- enrolment ----

  /** A single-use code bound to tenant + store (shown as text and QR in the admin). */
  async createEnrollmentCode(tenantId: string, storeId: string): Promise<string> {
    // 10 characters from an alphabet without look-alikes, easy to type at a till.
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const code = [...randomBytes(10)].map((b) => alphabet[b % alphabet.length]).join('');
    await this.storage.saveEnrollmentCode({ code, tenantId, storeId, expiresAt: new Date(this.now().getTime() + this.enrollmentTtlMs).toISOString() });
    return code;
  }

  async enroll(code: string, name: string): Promise<{ terminalId: string; token: string; tenantId: string; storeId: string }> {
    const c = await this.storage.consumeEnrollmentCode(code);
    if (!c || new Date(c.expiresAt) < this.now()) throw new Error('invalid or expired enrolment code');
    const terminalId = `term_${randomUUID()}`;
    const token = randomBytes(32).toString('base64url');
    await this.storage.saveTerminal({ terminalId, tenantId: c.tenantId, storeId: c.storeId, name, tokenHash: sha256(token), revoked: false });
    return { terminalId, token, tenantId: c.tenantId, storeId: c.storeId };
  }

  async revoke(terminalId: string): Promise<void> {
    const t = await this.storage.getTerminal(terminalId);
    if (!t) return;
    await this.storage.saveTerminal({ ...t, revoked: true });
    this.disconnectRevoked(terminalId);
  }

  /** Closes a terminal's socket here as revoked (the agent stops reconnecting); the caller already stored the revocation. */
  disconnectRevoked(terminalId: string): boolean {
    const link = this.links.get(terminalId);
    if (!link) return false;
    this.links.delete(terminalId);
    link.send({ type: 'hello.error', code: 'REVOKED', message: 'terminal revoked' });
    link.close(CLOSE_REVOKED, 'revoked');
    return true;
  }

  // ---- jobs ----

  async submit(req: SubmitJob): Promise<{ row: HubJob; created: boolean }> {
    const now = this.now();
    const terminal = await this.storage.getTerminal(req.terminalId);
    if (!terminal || terminal.tenantId !== req.tenantId) throw new Error('terminal not found in this tenant');
    const ttl = req.ttlMs ?? (req.kind === 'open-drawer' ? DRAWER_TTL_MS : undefined);
    const job: Job = {
      jobId: `job_${randomUUID()}`,
      idempotencyKey: req.idempotencyKey,
      kind: req.kind,
      deviceId: req.deviceId,
      payload: req.payload,
      createdAt: now.toISOString(),
      ...(ttl ? { expiresAt: new Date(now.getTime() + ttl).toISOString() } : {}),
    };
    const res = await this.storage.insertJob({ job, tenantId: req.tenantId, terminalId: req.terminalId, state: 'queued', updatedAt: job.createdAt, ...(req.meta ? { meta: req.meta } : {}) });
    if (res.created) {
      this.emit('job', res.row);
      await this.dispatch(res.row);
    }
    return res;
  }

  /** Marks never-received jobs past their expiry; the kernel calls this on a timer. */
  async expire(rows: HubJob[]): Promise<HubJob[]> {
    const live: HubJob[] = [];
    for (const r of rows) {
      if (r.job.expiresAt && new Date(r.job.expiresAt) < this.now()) {
        const outcome: JobOutcome = { state: 'failed', reason: 'EXPIRED', detail: 'not delivered before expiry' };
        if (await this.storage.transition(r.tenantId, r.job.jobId, ['queued', 'dispatched'], 'expired', outcome)) {
          this.emit('job', { ...r, state: 'expired', outcome });
        }
      } else live.push(r);
    }
    return live;
  }

  private async dispatch(row: HubJob): Promise<void> {
    const link = this.links.get(row.terminalId);
    if (!link) return;
    const [live] = await this.expire([row]);
    if (!live) return;
    await this.storage.transition(row.tenantId, row.job.jobId, ['queued'], 'dispatched');
    link.send({ type: 'job', job: row.job });
  }

  /**
   * Sends a connected terminal its queued jobs (those never put on a socket). For a multi-node kernel:
   * a job submitted on one node is pumped by the node that holds the terminal's socket.
   */
  async pump(tenantId: string, terminalId: string): Promise<void> {
    const link = this.links.get(terminalId);
    if (!link) return;
    const rows = await this.expire(await this.storage.listUndelivered(tenantId, terminalId));
    for (const row of rows) {
      if (row.state !== 'queued') continue;
      if (await this.storage.transition(tenantId, row.job.jobId, ['queued'], 'dispatched')) link.send({ type: 'job', job: row.job });
    }
  }

  // ---- connections ----

  /** Call for every new agent socket; feed it messages with `receive`, and `closed()` when it closes. */
  connect(link: AgentLink): { receive(raw: string): Promise<void>; closed(): void } {
    let terminal: TerminalRecord | undefined;
    const helloTimer = setTimeout(() => { if (!terminal) link.close(CLOSE_UNAUTHORIZED, 'no hello'); }, 10_000);
    helloTimer.unref();
    return {
      receive: async (raw) => {
        if (Buffer.byteLength(raw) > this.limits.maxMessageBytes) {
          if (!terminal) link.close(CLOSE_UNAUTHORIZED, 'bad hello');
          else this.refuse(terminal, link, 'MESSAGE_TOO_LARGE', `A message may be at most ${this.limits.maxMessageBytes} bytes`, this.limits.maxMessageBytes, 'an oversized message');
          return;
        }
        if (terminal && !this.allow(terminal, link)) return;
        let msg: AgentMessage;
        try {
          msg = parseAgentMessage(raw);
        } catch (e) {
          if (!(e instanceof ProtocolError)) throw e;
          if (!terminal) link.close(CLOSE_UNAUTHORIZED, 'bad hello');
          else this.refuse(terminal, link, 'MESSAGE_INVALID', (e as Error).message, 0, 'an invalid message');
          return;
        }
        if (!terminal) {
          if (msg.type !== 'hello') { link.close(CLOSE_UNAUTHORIZED, 'hello first'); return; }
          terminal = await this.authenticate(msg.terminalId, msg.token, msg.v, link);
          clearTimeout(helloTimer);
          if (terminal) await this.online(terminal, link, msg.agentVersion);
          return;
        }
        await this.handle(terminal, msg, link);
      },
      closed: () => {
        clearTimeout(helloTimer);
        if (terminal && this.links.get(terminal.terminalId) === link) {
          this.links.delete(terminal.terminalId);
          this.emit('disconnected', terminal.terminalId, terminal.tenantId);
        }
      },
    };
  }

  private async authenticate(terminalId: string, token: string, v: number, link: AgentLink): Promise<TerminalRecord | undefined> {
    const t = await this.storage.getTerminal(terminalId);
    const ok = !!t && timingSafeEqual(Buffer.from(t.tokenHash, 'hex'), Buffer.from(sha256(token), 'hex'));
    if (!t || !ok) {
      link.send({ type: 'hello.error', code: 'UNAUTHORIZED', message: 'unknown terminal or bad credential' });
      link.close(CLOSE_UNAUTHORIZED, 'unauthorized');
      return undefined;
    }
    if (t.revoked) {
      link.send({ type: 'hello.error', code: 'REVOKED', message: 'terminal revoked' });
      link.close(CLOSE_REVOKED, 'revoked');
      return undefined;
    }
    if (v !== PROTOCOL_VERSION) {
      link.send({ type: 'hello.error', code: 'VERSION', message: `protocol v${PROTOCOL_VERSION} required` });
      link.close(CLOSE_UNAUTHORIZED, 'version');
      return undefined;
    }
    return t;
  }

  private async online(t: TerminalRecord, link: AgentLink, agentVersion?: string): Promise<void> {
    // A terminal has one live socket: a reconnect replaces a half-open old one.
    const old = this.links.get(t.terminalId);
    if (old && old !== link) old.close(1000, 'replaced');
    this.links.set(t.terminalId, link);
    link.send({ type: 'hello.ok', v: PROTOCOL_VERSION, terminalId: t.terminalId, tenantId: t.tenantId, storeId: t.storeId, heartbeatMs: this.heartbeatMs });
    this.emit('connected', t.terminalId, t.tenantId, agentVersion);
    // Resend everything not confirmed received, including jobs dispatched on a socket that died.
    const pending = await this.expire(await this.storage.listUndelivered(t.tenantId, t.terminalId));
    for (const row of pending) {
      await this.storage.transition(t.tenantId, row.job.jobId, ['queued'], 'dispatched');
      link.send({ type: 'job', job: row.job });
    }
  }

  private async handle(t: TerminalRecord, msg: AgentMessage, link: AgentLink): Promise<void> {
    switch (msg.type) {
      case 'ping': link.send({ type: 'pong', at: msg.at }); return;
      case 'devices':
        if (msg.devices.length > this.limits.maxDevicesPerReport) {
          this.refuse(t, link, 'TOO_MANY_DEVICES', `A terminal may report at most ${this.limits.maxDevicesPerReport} devices`, this.limits.maxDevicesPerReport, 'a device report');
          return;
        }
        this.emit('devices', t.terminalId, msg.devices satisfies DeviceInfo[], t.tenantId);
        return;
      case 'device.status': this.emit('device.status', t.terminalId, msg.deviceId, msg.status, t.tenantId); return;
      case 'scan':
        if (Buffer.byteLength(msg.data) > this.limits.maxScanBytes) {
          this.refuse(t, link, 'SCAN_TOO_LARGE', `A scan may be at most ${this.limits.maxScanBytes} bytes`, this.limits.maxScanBytes, 'a scan');
          return;
        }
        this.emit('scan', t.terminalId, msg.deviceId, msg.data, t.tenantId);
        return;
      case 'hello': return;
      case 'job.ack': {
        const row = await this.owned(t, msg.jobId);
        if (row && (await this.storage.transition(t.tenantId, msg.jobId, ['queued', 'dispatched'], 'received'))) {
          this.emit('job', { ...row, state: 'received' });
        }
        return;
      }
      case 'job.result': {
        const row = await this.owned(t, msg.jobId);
        if (!row) return; // another terminal's (or tenant's) job: ignore, never ack
        const changed = await this.storage.transition(t.tenantId, msg.jobId, ['queued', 'dispatched', 'received'], msg.outcome.state, msg.outcome);
        if (changed) this.emit('job', { ...row, state: msg.outcome.state, outcome: msg.outcome });
        // Ack even when already recorded: the agent resends until it hears this.
        link.send({ type: 'job.result.ack', jobId: msg.jobId });
        return;
      }
    }
  }

  /**
   * Takes a token from the terminal's bucket. Without one the message is dropped and the agent told
   * (once a second at most); a terminal that keeps flooding is disconnected.
   */
  private allow(t: TerminalRecord, link: AgentLink): boolean {
    const now = Date.now();
    const l = this.limits;
    let b = this.budgets.get(t.terminalId);
    if (!b) this.budgets.set(t.terminalId, (b = { tokens: l.burst, refilledAt: now, dropped: [], lastErrorAt: 0, unreported: 0 }));
    b.tokens = Math.min(l.burst, b.tokens + ((now - b.refilledAt) / 1000) * l.messagesPerSecond);
    b.refilledAt = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    b.dropped.push(now);
    while (b.dropped.length && b.dropped[0]! < now - FLOOD_WINDOW_MS) b.dropped.shift();
    if (b.dropped.length > l.messagesPerSecond * (FLOOD_WINDOW_MS / 1000)) {
      b.dropped = [];
      this.emit('flooding', t.terminalId, t.tenantId);
      link.close(CLOSE_FLOODING, 'too many messages');
      return false;
    }
    b.unreported++;
    if (now - b.lastErrorAt >= 1000) {
      b.lastErrorAt = now;
      link.send({ type: 'error', code: 'RATE_LIMITED', message: `At most ${l.messagesPerSecond} messages a second (bursts of ${l.burst}); slow down`, limit: l.messagesPerSecond, dropped: `${b.unreported} message(s)` });
      b.unreported = 0;
    }
    return false;
  }

  private refuse(t: TerminalRecord, link: AgentLink, code: BusError['code'], message: string, limit: number, dropped: string): void {
    this.emit('refused', t.terminalId, t.tenantId, code);
    link.send({ type: 'error', code, message, limit, dropped });
  }

  private async owned(t: TerminalRecord, jobId: string): Promise<HubJob | undefined> {
    const row = await this.storage.getJob(t.tenantId, jobId);
    return row && row.terminalId === t.terminalId && row.tenantId === t.tenantId ? row : undefined;
  }
}
