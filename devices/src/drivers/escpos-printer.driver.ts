import type { PrinterProfile } from '../encoding/printer-profile.ts';
import { GS, statusRequest } from '../escpos/escpos-builder.ts';
import type { JobOutcome } from '../protocol/job.schema.ts';
import type { DeviceStatus } from '../protocol/messages.ts';
import type { ByteTransport } from './byte-transport.ts';

export interface PrinterState {
  online: boolean;
  paperOut: boolean;
  coverOpen: boolean;
}

export interface EscPosPrinterOptions {
  profile: PrinterProfile;
  /** A new transport per job: printers often accept one connection at a time and a stale one hides faults. */
  transport: () => ByteTransport;
  statusTimeoutMs?: number;
}

/**
 * ESC/POS printer driver. A print is `done` only when the printer has confirmed:
 *  1. before writing, `DLE EOT 1/2/4` must say online with paper — otherwise `failed` (nothing was sent,
 *     so retrying is safe);
 *  2. after writing, `GS r 1` is answered only when everything before it was processed (it is queued
 *     behind the data, unlike the real-time DLE EOT), then DLE EOT is asked again;
 *  3. anything we cannot confirm after bytes left — link dropped, no answer — is `unknown`, never `done`.
 */
export class EscPosPrinterDriver {
  readonly profile: PrinterProfile;
  private readonly makeTransport: () => ByteTransport;
  private readonly timeoutMs: number;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: EscPosPrinterOptions) {
    this.profile = options.profile;
    this.makeTransport = options.transport;
    this.timeoutMs = options.statusTimeoutMs ?? 2000;
  }

  /** Jobs on one printer never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }

  async readState(t: ByteTransport): Promise<PrinterState | undefined> {
    t.discardInput();
    await t.write(Buffer.concat([statusRequest(1), statusRequest(2), statusRequest(4)]));
    const s1 = await t.readByte(this.timeoutMs);
    const s2 = s1 === undefined ? undefined : await t.readByte(this.timeoutMs);
    const s4 = s2 === undefined ? undefined : await t.readByte(this.timeoutMs);
    if (s1 === undefined || s2 === undefined || s4 === undefined) return undefined;
    return {
      online: (s1 & 0x08) === 0,
      coverOpen: (s2 & 0x04) !== 0,
      paperOut: (s2 & 0x20) !== 0 || (s4 & 0x60) === 0x60,
    };
  }

  status(): Promise<DeviceStatus> {
    return this.serial(async () => {
      const t = this.makeTransport();
      try {
        await t.open();
      } catch {
        return 'offline';
      }
      try {
        const st = await this.readState(t).catch(() => undefined);
        if (!st) return 'offline';
        return st.paperOut ? 'paper-out' : st.coverOpen ? 'cover-open' : st.online ? 'online' : 'offline';
      } finally {
        await t.close().catch(() => {});
      }
    });
  }

  print(bytes: Uint8Array): Promise<JobOutcome> {
    return this.serial(() => this.printNow(bytes));
  }

  private async printNow(bytes: Uint8Array): Promise<JobOutcome> {
    const t = this.makeTransport();
    try {
      await t.open();
    } catch (e) {
      return { state: 'failed', reason: 'OFFLINE', detail: `connect: ${(e as Error).message}` };
    }
    let sent = false;
    try {
      if (this.profile.realtimeStatus) {
        const before = await this.readState(t);
        if (!before) return { state: 'failed', reason: 'TIMEOUT', detail: 'no status reply before printing' };
        const fault = faultOf(before);
        if (fault) return { state: 'failed', ...fault, detail: 'printer not ready; nothing was sent' };
      }
      sent = true;
      await t.write(bytes);
      if (!this.profile.realtimeStatus) return { state: 'unknown', reason: 'TIMEOUT', detail: 'printer cannot confirm (no status support)' };
      t.discardInput();
      await t.write(Buffer.from([GS, 0x72, 1]));
      const processed = await t.readByte(this.timeoutMs);
      const after = await this.readState(t);
      if (after) {
        const fault = faultOf(after);
        // The data reached a printer that then reported a fault: part of it may be on paper, none of it for sure.
        if (fault) return { state: 'failed', ...fault, detail: 'printer reported a fault after the data was sent' };
      }
      if (processed !== undefined && after) return { state: 'done' };
      return { state: 'unknown', reason: 'TIMEOUT', detail: 'sent, but the printer did not confirm' };
    } catch (e) {
      return sent
        ? { state: 'unknown', reason: 'OFFLINE', detail: `link lost after sending: ${(e as Error).message}` }
        : { state: 'failed', reason: 'OFFLINE', detail: (e as Error).message };
    } finally {
      await t.close().catch(() => {});
    }
  }
}

function faultOf(s: PrinterState): { reason: 'PAPER_OUT' | 'COVER_OPEN' | 'OFFLINE' } | undefined {
  if (s.paperOut) return { reason: 'PAPER_OUT' };
  if (s.coverOpen) return { reason: 'COVER_OPEN' };
  if (!s.online) return { reason: 'OFFLINE' };
  return undefined;
}
