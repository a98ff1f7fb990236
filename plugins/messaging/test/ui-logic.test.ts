// The inbox's pure UI logic (plugins/messaging/ui/src/lib), and that every locale has every message.
import { describe, expect, it } from 'vitest';
import messages from '../ui/src/messages.ts';
import { fieldProblem, fieldsOf, formValues } from '../ui/src/lib/schema-form.ts';
import { tickOf, windowMinutesLeft } from '../ui/src/lib/ticks.ts';
import { TelegramConfig, TelegramSecrets } from '@atrium/plugin-messaging-telegram';

const keys = (o: Record<string, unknown>, prefix = ''): string[] => Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));

describe('messages', () => {
  it('ru, uk and kk have every English key and no others, none empty', () => {
    const en = keys(messages.en).sort();
    for (const l of ['ru', 'uk', 'kk'] as const) {
      expect(keys(messages[l]).sort(), l).toEqual(en);
      for (const k of keys(messages[l])) expect(String(k.split('.').reduce((o: any, p) => o[p], messages[l])).trim(), `${l}.${k}`).not.toBe('');
    }
  });
});

describe('delivery ticks', () => {
  it('show each state the way messengers do, with retry only where it makes sense', () => {
    expect(tickOf('queued').icon).toBe('schedule');
    expect(tickOf('sent').icon).toBe('done');
    expect(tickOf('delivered').icon).toBe('done_all');
    expect(tickOf('read')).toMatchObject({ icon: 'done_all', color: 'light-blue-7' });
    expect(tickOf('failed').retry).toBe(true);
    expect(tickOf('unknown').retry).toBe(true);
    expect(tickOf('sent').retry).toBe(false);
  });
  it('counts the minutes left in a window; none without one', () => {
    const now = Date.parse('2025-01-01T10:00:00Z');
    expect(windowMinutesLeft(null, now)).toBeNull();
    expect(windowMinutesLeft('2025-01-01T11:30:00Z', now)).toBe(90);
    expect(windowMinutesLeft('2025-01-01T09:00:00Z', now)).toBe(0);
  });
});

describe('account forms from an adapter\'s schemas', () => {
  it('lists the fields with their kinds, options and patterns', () => {
    const config = fieldsOf(TelegramConfig as any, false);
    expect(config.map((f) => [f.key, f.kind])).toEqual([['apiBaseUrl', 'text'], ['inbound', 'select']]);
    expect(config[1]!.options).toEqual(['auto', 'webhook', 'polling']);
    const secrets = fieldsOf(TelegramSecrets as any, true);
    expect(secrets[0]).toMatchObject({ key: 'botToken', required: true, secret: true });
  });
  it('a required secret already stored may stay empty; a value must match its pattern; empty values are not sent', () => {
    const [token] = fieldsOf(TelegramSecrets as any, true);
    expect(fieldProblem(token!, '', false)).toBe('required');
    expect(fieldProblem(token!, '', true)).toBeNull();
    expect(fieldProblem(token!, 'nope', false)).toBe('pattern');
    expect(fieldProblem(token!, '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAA', false)).toBeNull();
    expect(formValues(fieldsOf(TelegramConfig as any, false), { apiBaseUrl: '', inbound: 'polling' })).toEqual({ inbound: 'polling' });
  });
});
