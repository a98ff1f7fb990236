import { EventEmitter } from 'node:events';
import WebSocket from 'ws';
import type { Job, JobOutcome } from '../protocol/job.schema.ts';
import { JobSchema } from '../protocol/job.schema.ts';
import {
  CLOSE_REVOKED, CLOSE_UNAUTHORIZED, parseKernelMessage, PROTOCOL_VERSION, type AgentMessage, type DeviceStatus, type KernelMessage,
} from '../protocol/messages.ts';
import { Compile } from 'typebox/compile';
import type { AgentCredential } from './credential-store.ts';
import { describeDevices, type AgentDevice } from './device-set.ts';
import { executeJob } from './job-executor.ts';
import { JobJournal } from './job-journal.ts';

export const AGENT_VERSION = '0.1.0';
const jobValidator = Compile(JobSchema);

export interface AgentOptions {
  credential: AgentCredential;
  journalFile: string;
  devices: AgentDevice[];
  /** Reconnect backoff: starts at minBackoffMs, doubles to maxBackoffMs, ±20 % jitter. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Replaced by the kernel's value from hello.ok. */
  heartbeatMs?: number;
  log?: (msg: string) => void;
}

/**
 * The terminal agent. Order of durability, which is what makes it crash-safe:
 *   job arrives → journal `received` (fsync) → ack `received` → journal `executing` (fsync)
 *   → device → journal result (fsync) → send `job.result` → kernel `job.result.ack` → journal `reported`.
 * A job is executed at most once per idempotency key; a crash between `executing` and the result
 * leaves it `unknown` (see JobJournal). Results are resent on every reconnect until acknowledged.
 *
 * Events: `connected`, `disconnected`, `revoked`, `unauthorized`, `executing` (jobId), `result` (jobId, outcome).
 */
export class Agent extends EventEmitter {
  readonly journal: JobJournal;
  private readonly opts: Required<Omit<AgentOptions, 'log'>> & { log: (m: string) => void };
  private ws: WebSocket | undefined;
  private stopped = false;
  private attempt = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private lastPong = 0;
  private ready = false;
  /** Jobs run one at a time, in arrival order: a till prints one receipt after another. */
  private runQueue: Promise<void> = Promise.resolve();
  private readonly scanHandlers: (() => void)[] = [];

  constructor(opts: AgentOptions) {
    super();
    this.opts = {
      minBackoffMs: 500, maxBackoffMs: 30_000, heartbeatMs: 15_000, log: () => {},
      ...opts,
    };
    this.journal = new JobJournal(opts.journalFile);
    for (const id of this.journal.interrupted) this.opts.log(`job ${id} was executing when the agent stopped: reported unknown`);
    // Jobs received but never started before a restart are safe to run now.
    for (const rec of this.journal.all()) if (rec.state === 'received') this.enqueue(rec.job);
    for (const d of opts.devices) {
      if (d.kind === 'scanner') {
        const h = (data: string) => this.send({ type: 'scan', deviceId: d.deviceId, data, at: new Date().toISOString() });
        d.driver.on('scan', h);
        this.scanHandlers.push(() => d.driver.off('scan', h));
      }
    }
  }

  get connected(): boolean {
    return this.ready;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  /** Close the socket and stop reconnecting. Running jobs finish and stay in the outbox. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    this.ws?.terminate();
    await this.runQueue;
    for (const off of this.scanHandlers) off();
    this.journal.close();
  }

  private connect(): void {
    if (this.stopped) return;
    const ws = new WebSocket(this.opts.credential.kernelUrl, { handshakeTimeout: 5000 });
    this.ws = ws;
    ws.on('open', () => {
      this.sendOn(ws, { type: 'hello', v: PROTOCOL_VERSION, terminalId: this.opts.credential.terminalId, token: this.opts.credential.token, agentVersion: AGENT_VERSION });
    });
    ws.on('message', (data) => {
      let msg: KernelMessage;
      try {
        msg = parseKernelMessage(data.toString());
      } catch (e) {
        this.opts.log(`ignored bad message: ${(e as Error).message}`);
        return;
      }
      this.onMessage(ws, msg).catch((e: Error) => this.opts.log(`handling ${msg.type}: ${e.message}`));
    });
    ws.on('close', (code) => this.onClose(ws, code));
    ws.on('error', (e) => this.opts.log(`socket: ${e.message}`));
  }

  private onClose(ws: WebSocket, code: number): void {
    if (this.ws !== ws) return;
    const wasReady = this.ready;
    this.ready = false;
    this.ws = undefined;
    clearInterval(this.heartbeat);
    if (wasReady) this.emit('disconnected');
    if (code === CLOSE_REVOKED) { this.stopped = true; this.emit('revoked'); return; }
    if (code === CLOSE_UNAUTHORIZED) { this.stopped = true; this.emit('unauthorized'); return; }
    if (this.stopped) return;
    const base = Math.min(this.opts.maxBackoffMs, this.opts.minBackoffMs * 2 ** this.attempt++);
    const delay = base * (0.8 + Math.random() * 0.4);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private async onMessage(ws: WebSocket, msg: KernelMessage): Promise<void> {
    switch (msg.type) {
      case 'hello.ok': {
        this.ready = true;
        this.attempt = 0;
        this.startHeartbeat(ws, msg.heartbeatMs);
        this.emit('connected', msg);
        const devices = await describeDevices(this.opts.devices);
        for (const d of devices) this.lastStatus.set(d.deviceId, d.status);
        this.sendOn(ws, { type: 'devices', devices });
        // The outbox: every finished job the kernel has not acknowledged.
        for (const rec of this.journal.all()) if (rec.state === 'finished' && !rec.reported) this.sendResult(rec.job, rec.outcome!);
        return;
      }
      case 'hello.error': this.opts.log(`kernel refused: ${msg.code} ${msg.message}`); return;
      case 'error': this.opts.log(`kernel dropped ${msg.dropped ?? 'a message'}: ${msg.code} ${msg.message}`); this.emit('bus-error', msg); return;
      case 'pong': this.lastPong = Date.now(); return;
      case 'job.result.ack': this.journal.markReported(msg.jobId); return;
      case 'job': this.onJob(msg.job); return;
    }
  }

  private onJob(job: Job): void {
    if (!jobValidator.Check(job)) return;
    const same = this.journal.get(job.jobId);
    if (same) {
      // A resend after reconnect: the kernel never saw our ack (or result). Repeat them; never re-run.
      this.send({ type: 'job.ack', jobId: job.jobId, state: 'received' });
      if (same.state === 'finished') this.sendResult(same.job, same.outcome!);
      return;
    }
    const original = this.journal.byIdempotencyKey(job.idempotencyKey);
    if (original) {
      this.send({ type: 'job.ack', jobId: job.jobId, state: 'duplicate', originalJobId: original.job.jobId });
      return;
    }
    this.journal.receive(job); // fsynced before the ack leaves
    this.send({ type: 'job.ack', jobId: job.jobId, state: 'received' });
    this.enqueue(job);
  }

  private enqueue(job: Job): void {
    this.runQueue = this.runQueue.then(() => this.run(job)).catch((e: Error) => { this.opts.log(`job ${job.jobId}: ${e.message}`); });
  }

  private async run(job: Job): Promise<void> {
    const rec = this.journal.get(job.jobId);
    if (!rec || rec.state !== 'received') return;
    let outcome: JobOutcome;
    if (job.expiresAt && Date.parse(job.expiresAt) < Date.now()) {
      outcome = { state: 'failed', reason: 'EXPIRED', detail: 'expired before it could run' };
    } else {
      this.journal.startExecuting(job.jobId);
      this.emit('executing', job.jobId);
      outcome = await executeJob(job, this.opts.devices);
    }
    this.journal.finish(job.jobId, outcome);
    this.emit('result', job.jobId, outcome);
    this.sendResult(job, outcome);
    this.reportStatus(job.deviceId, outcome);
  }

  private readonly lastStatus = new Map<string, DeviceStatus>();

  /** A job outcome is the freshest news about a device: tell the kernel when its status changed. */
  private reportStatus(deviceId: string, outcome: JobOutcome): void {
    const status: DeviceStatus | undefined =
      outcome.state === 'done' ? 'online'
        : outcome.reason === 'PAPER_OUT' ? 'paper-out'
          : outcome.reason === 'COVER_OPEN' ? 'cover-open'
            : outcome.reason === 'OFFLINE' || outcome.reason === 'TIMEOUT' ? 'offline' : undefined;
    if (!status || this.lastStatus.get(deviceId) === status) return;
    this.lastStatus.set(deviceId, status);
    this.send({ type: 'device.status', deviceId, status });
  }

  private sendResult(job: Job, outcome: JobOutcome): void {
    this.send({ type: 'job.result', jobId: job.jobId, idempotencyKey: job.idempotencyKey, outcome, at: new Date().toISOString() });
  }

  private startHeartbeat(ws: WebSocket, everyMs: number): void {
    clearInterval(this.heartbeat);
    this.lastPong = Date.now();
    this.heartbeat = setInterval(() => {
      // Two missed beats: the link is half-open (NAT dropped it, laptop slept). Kill it and reconnect.
      if (Date.now() - this.lastPong > everyMs * 2.5) { ws.terminate(); return; }
      this.sendOn(ws, { type: 'ping', at: Date.now() });
    }, everyMs);
  }

  /** Sends only on an authenticated socket; while offline, results wait in the journal. */
  private send(msg: AgentMessage): void {
    if (this.ready && this.ws) this.sendOn(this.ws, msg);
  }

  private sendOn(ws: WebSocket, msg: AgentMessage): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }
}
