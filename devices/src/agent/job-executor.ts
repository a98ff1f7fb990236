import { drawerKickBytes, EscPosBuilder } from '../escpos/escpos-builder.ts';
import type { Job, JobOutcome } from '../protocol/job.schema.ts';
import { renderReceipt } from '../receipt/receipt.renderer.ts';
import { testPageDocument } from '../receipt/test-page.ts';
import type { AgentDevice } from './device-set.ts';

/** Runs one job on its device and says what happened. Never throws: every path ends in an outcome. */
export async function executeJob(job: Job, devices: AgentDevice[]): Promise<JobOutcome> {
  const device = devices.find((d) => d.deviceId === job.deviceId);
  if (!device) return { state: 'failed', reason: 'NO_DEVICE', detail: `no device ${job.deviceId} on this terminal` };
  const p = job.payload;
  if (p.kind !== job.kind) return { state: 'failed', reason: 'BAD_JOB', detail: 'payload kind does not match job kind' };
  try {
    switch (p.kind) {
      case 'print-receipt':
      case 'test-page': {
        if (device.kind !== 'printer') return wrongKind(device.kind);
        const profile = p.profile ?? device.profile;
        let bytes: Buffer;
        try {
          bytes = renderReceipt(p.kind === 'test-page' ? testPageDocument(profile) : p.document, profile).bytes;
        } catch (e) {
          // Nothing reached the printer: a rendering failure is a safe `failed`.
          return { state: 'failed', reason: 'ENCODING', detail: (e as Error).message };
        }
        return await device.driver.print(bytes);
      }
      case 'print-raw':
        if (device.kind !== 'printer') return wrongKind(device.kind);
        return await device.driver.print(Buffer.from(p.base64, 'base64'));
      case 'open-drawer': {
        if (device.kind !== 'printer') return wrongKind(device.kind);
        const bytes = new EscPosBuilder(device.profile).raw(drawerKickBytes(p.pin ?? 2, p.onMs, p.offMs)).bytes();
        return await device.driver.print(bytes);
      }
      case 'display':
        if (device.kind !== 'display') return wrongKind(device.kind);
        await device.driver.show(p.lines);
        return { state: 'done' };
      case 'read-scale': {
        if (device.kind !== 'scale') return wrongKind(device.kind);
        const r = await device.driver.read();
        return { state: 'done', data: { grams: r.grams, stable: r.stable } };
      }
    }
  } catch (e) {
    // A driver error after we may have talked to the device: say so, don't guess.
    return { state: 'unknown', reason: 'OFFLINE', detail: (e as Error).message };
  }
}

function wrongKind(kind: string): JobOutcome {
  return { state: 'failed', reason: 'BAD_JOB', detail: `device is a ${kind}` };
}
