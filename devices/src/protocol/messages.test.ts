import { describe, expect, it } from 'vitest';
import { multilingualReceipt } from '../receipt/sample-receipts.ts';
import { parseAgentMessage, parseKernelMessage, ProtocolError } from './messages.ts';

const job = {
  jobId: 'job_1', idempotencyKey: 'sale-1:receipt', kind: 'print-receipt', deviceId: 'printer-1',
  payload: { kind: 'print-receipt', document: multilingualReceipt() }, createdAt: new Date().toISOString(),
};

describe('protocol schemas', () => {
  it('accepts well-formed messages both ways', () => {
    expect(parseKernelMessage(JSON.stringify({ type: 'job', job })).type).toBe('job');
    expect(parseAgentMessage(JSON.stringify({ type: 'job.result', jobId: 'job_1', idempotencyKey: 'k', outcome: { state: 'failed', reason: 'PAPER_OUT' }, at: 'now' })).type).toBe('job.result');
    expect(parseAgentMessage(JSON.stringify({ type: 'hello', v: 1, terminalId: 't', token: 's', agentVersion: '0.1.0' })).type).toBe('hello');
  });

  it('rejects unknown fields, unknown reasons, bad receipts and non-JSON', () => {
    expect(() => parseKernelMessage(JSON.stringify({ type: 'job', job: { ...job, extra: 1 } }))).toThrow(ProtocolError);
    expect(() => parseAgentMessage(JSON.stringify({ type: 'job.result', jobId: 'j', idempotencyKey: 'k', outcome: { state: 'failed', reason: 'ON_FIRE' }, at: 'now' }))).toThrow(ProtocolError);
    expect(() => parseAgentMessage(JSON.stringify({ type: 'job.result', jobId: 'j', idempotencyKey: 'k', outcome: { state: 'printed' }, at: 'now' }))).toThrow(ProtocolError);
    const badDoc = { ...job, payload: { kind: 'print-receipt', document: { ...multilingualReceipt(), lines: [{ name: 'x', qtyMilli: 1.5, unitPrice: 1, amount: 1 }] } } };
    expect(() => parseKernelMessage(JSON.stringify({ type: 'job', job: badDoc }))).toThrow(ProtocolError);
    expect(() => parseKernelMessage('{nope')).toThrow(ProtocolError);
  });
});
