import { describe, expect, it } from 'vitest';
import type { DeviceJob } from '../src/api/device-types.ts';
import {
  codeDeadline, formatCountdown, groupCode, i18nKey, isRoleName, jobRow, mergeJob, remainingMs, terminalState,
} from '../src/pages/devices/device-view.ts';
import en from '../src/i18n/messages/en.ts';

const job = (over: Partial<DeviceJob> = {}): DeviceJob => ({
  id: 'job_1', state: 'queued', kind: 'test-page', role: null, terminalId: 'term_1', deviceId: 'virtual-printer',
  idempotencyKey: 'k', outcome: null, createdAt: '2025-01-01T10:00:00.000Z', updatedAt: '2025-01-01T10:00:00.000Z', expiresAt: null, ...over,
});

describe('enrolment code countdown', () => {
  const t0 = Date.parse('2025-01-01T10:00:00.000Z');
  it('counts down from 10:00 and rounds up, so 0:00 means expired', () => {
    expect(formatCountdown(remainingMs('2025-01-01T10:10:00.000Z', t0))).toBe('10:00');
    expect(formatCountdown(remainingMs('2025-01-01T10:10:00.000Z', t0 + 1))).toBe('10:00');
    expect(formatCountdown(remainingMs('2025-01-01T10:10:00.000Z', t0 + 1000))).toBe('9:59');
    expect(formatCountdown(9_001)).toBe('0:10');
    expect(formatCountdown(61_000)).toBe('1:01');
    expect(formatCountdown(1)).toBe('0:01');
    expect(formatCountdown(0)).toBe('0:00');
  });
  it('never goes negative and treats a bad date as expired', () => {
    expect(remainingMs('2025-01-01T09:00:00.000Z', t0)).toBe(0);
    expect(remainingMs('not a date', t0)).toBe(0);
    expect(formatCountdown(-5000)).toBe('0:00');
  });
  it('does not promise more than the code lives when the browser clock is behind the kernel', () => {
    // kernel clock 5 minutes ahead: its expiresAt is 15 minutes away by ours
    expect(codeDeadline('2025-01-01T10:15:00.000Z', t0)).toBe(t0 + 600_000);
    // browser clock ahead: the earlier kernel deadline wins
    expect(codeDeadline('2025-01-01T10:08:00.000Z', t0)).toBe(t0 + 480_000);
    expect(codeDeadline('garbage', t0)).toBe(t0 + 600_000);
  });
  it('groups the code in fours for reading', () => {
    expect(groupCode('K7Q2M9XA')).toBe('K7Q2 M9XA');
    expect(groupCode('ABCDE')).toBe('ABCD E');
    expect(groupCode('ABCD')).toBe('ABCD');
  });
});

describe('terminal state', () => {
  it('revoked wins over everything; a live push beats the list row', () => {
    expect(terminalState({ connected: true, revokedAt: '2025-01-01T00:00:00Z' }, true)).toBe('revoked');
    expect(terminalState({ connected: false, revokedAt: null })).toBe('offline');
    expect(terminalState({ connected: false, revokedAt: null }, true)).toBe('online');
    expect(terminalState({ connected: true, revokedAt: null }, false)).toBe('offline');
    expect(terminalState({ connected: true, revokedAt: null })).toBe('online');
  });
});

describe('job rows', () => {
  it('done has no reason; failed and unknown carry theirs; expired says EXPIRED', () => {
    expect(jobRow(job({ state: 'done', outcome: { state: 'done' } }))).toMatchObject({ state: 'done', tone: 'positive', final: true, reason: null });
    expect(jobRow(job({ state: 'failed', outcome: { state: 'failed', reason: 'PAPER_OUT', detail: 'sensor' } })))
      .toMatchObject({ tone: 'negative', final: true, reason: 'PAPER_OUT', detail: 'sensor' });
    expect(jobRow(job({ state: 'unknown', outcome: { state: 'unknown', reason: 'INTERRUPTED' } }))).toMatchObject({ tone: 'warning', reason: 'INTERRUPTED' });
    expect(jobRow(job({ state: 'expired' }))).toMatchObject({ final: true, reason: 'EXPIRED' });
    expect(jobRow(job({ state: 'dispatched' }))).toMatchObject({ final: false, tone: 'info', reason: null });
  });
  it('names the role when the job went through one', () => {
    expect(jobRow(job({ role: 'receipt@front-desk' })).target).toBe('receipt@front-desk · virtual-printer');
    expect(jobRow(job()).target).toBe('virtual-printer');
  });
  it('every state, kind and reason the kernel sends has an English label', () => {
    for (const s of ['queued', 'dispatched', 'received', 'done', 'failed', 'unknown', 'expired']) expect(en.devices.jobStates).toHaveProperty(s);
    for (const k of ['print-receipt', 'print-raw', 'open-drawer', 'display', 'read-scale', 'test-page']) expect(en.devices.jobKinds).toHaveProperty(i18nKey(k));
    for (const s of ['online', 'offline', 'paper-out', 'cover-open', 'error']) expect(en.devices.deviceStatus).toHaveProperty(i18nKey(s));
    for (const r of ['PAPER_OUT', 'COVER_OPEN', 'OFFLINE', 'TIMEOUT', 'ENCODING', 'EXPIRED', 'INTERRUPTED']) expect(en.devices.reasons).toHaveProperty(r);
  });
});

describe('merging pushed jobs', () => {
  it('updates a job in place, puts new ones on top and keeps the newest N', () => {
    const a = job({ id: 'job_a' });
    const b = job({ id: 'job_b' });
    let list = mergeJob([], a, 2);
    list = mergeJob(list, b, 2);
    expect(list.map((j) => j.id)).toEqual(['job_b', 'job_a']);
    list = mergeJob(list, { ...a, state: 'done', updatedAt: '2025-01-01T10:00:01.000Z' }, 2);
    expect(list.map((j) => [j.id, j.state])).toEqual([['job_b', 'queued'], ['job_a', 'done']]);
    list = mergeJob(list, job({ id: 'job_c' }), 2);
    expect(list.map((j) => j.id)).toEqual(['job_c', 'job_b']);
  });
  it('ignores a push older than what is shown (out-of-order delivery)', () => {
    const done = job({ state: 'done', updatedAt: '2025-01-01T10:00:02.000Z' });
    const stale = job({ state: 'dispatched', updatedAt: '2025-01-01T10:00:01.000Z' });
    expect(mergeJob([done], stale, 5)[0]!.state).toBe('done');
  });
});

describe('role names', () => {
  it('accepts what the kernel accepts', () => {
    expect(isRoleName('receipt@front-desk')).toBe(true);
    expect(isRoleName('kitchen-2@store-1')).toBe(true);
    expect(isRoleName('Receipt@front-desk')).toBe(false);
    expect(isRoleName('receipt')).toBe(false);
    expect(isRoleName('receipt@')).toBe(false);
    expect(isRoleName('receipt@a@b')).toBe(false);
    expect(isRoleName('чек@касса')).toBe(false);
  });
});

describe('device messages compile in every language', () => {
  it('literal @ in role hints is escaped, so vue-i18n does not read it as a linked message', async () => {
    const { createI18n } = await import('vue-i18n');
    const msgs = {
      en, ru: (await import('../src/i18n/messages/ru.ts')).default, uk: (await import('../src/i18n/messages/uk.ts')).default, kk: (await import('../src/i18n/messages/kk.ts')).default,
    };
    const keys = (o: object, prefix: string): string[] =>
      Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
    for (const locale of Object.keys(msgs) as (keyof typeof msgs)[]) {
      const errors: unknown[] = [];
      const i18n = createI18n({ legacy: false, locale, messages: msgs, messageCompiler: undefined, warnHtmlMessage: false, missingWarn: false, fallbackWarn: false });
      const t = i18n.global.t as (k: string, p?: Record<string, unknown>) => string;
      for (const k of keys(msgs[locale].devices, 'devices.')) {
        try {
          const out = t(k, { time: '9:59', name: 'Till', when: 'now', v: '1', model: 'M', device: 'D', role: 'r@s', id: 'x' });
          expect(out, `${locale} ${k}`).not.toBe(k);
        } catch (e) {
          errors.push([locale, k, e]);
        }
      }
      expect(errors).toEqual([]);
      expect(t('devices.roles.hint')).toContain('receipt@front-desk');
    }
  });
});
