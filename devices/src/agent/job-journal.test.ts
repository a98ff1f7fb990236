import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../protocol/job.schema.ts';
import { JobJournal } from './job-journal.ts';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
function file(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-'));
  dirs.push(d);
  return path.join(d, 'journal.jsonl');
}
const job = (id: string, key = `key-${id}`): Job => ({
  jobId: id, idempotencyKey: key, kind: 'open-drawer', deviceId: 'p', payload: { kind: 'open-drawer' }, createdAt: new Date().toISOString(),
});

describe('job journal', () => {
  it('survives reopen: received stays runnable, executing becomes unknown INTERRUPTED, finished keeps its result', () => {
    const f = file();
    const j = new JobJournal(f);
    j.receive(job('a'));
    j.receive(job('b'));
    j.startExecuting('b');
    j.receive(job('c'));
    j.startExecuting('c');
    j.finish('c', { state: 'done' });
    j.close(); // no more writes: as if the process died here

    const again = new JobJournal(f);
    expect(again.get('a')!.state).toBe('received');
    expect(again.get('b')).toMatchObject({ state: 'finished', outcome: { state: 'unknown', reason: 'INTERRUPTED' }, reported: false });
    expect(again.get('c')).toMatchObject({ state: 'finished', outcome: { state: 'done' } });
    expect(again.interrupted).toEqual(['b']);
    expect(again.byIdempotencyKey('key-c')!.job.jobId).toBe('c');
    again.close();
    // A third open does not turn anything else unknown.
    const third = new JobJournal(f);
    expect(third.interrupted).toEqual([]);
    third.close();
  });

  it('ignores a torn last line (crash in the middle of an append)', () => {
    const f = file();
    const j = new JobJournal(f);
    j.receive(job('a'));
    j.close();
    fs.appendFileSync(f, '{"t":"executing","jobId":"a"'); // no newline, no closing brace
    const again = new JobJournal(f);
    expect(again.get('a')!.state).toBe('received');
    again.close();
  });

  it('compaction drops old reported jobs but keeps recent idempotency keys; file is 0600', () => {
    const f = file();
    const j = new JobJournal(f);
    j.receive(job('old'));
    j.finish('old', { state: 'done' });
    j.markReported('old');
    j.receive(job('new'));
    j.finish('new', { state: 'done' });
    j.markReported('new');
    j.close();
    // Age the first result.
    const lines = fs.readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const l of lines) if (l.t === 'result' && l.jobId === 'old') l.at = '2000-01-01T00:00:00.000Z';
    fs.writeFileSync(f, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const again = new JobJournal(f, { retentionMs: 24 * 3600_000 });
    expect(again.get('old')).toBeUndefined();
    expect(again.byIdempotencyKey('key-new')).toBeDefined();
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    again.close();
  });
});
