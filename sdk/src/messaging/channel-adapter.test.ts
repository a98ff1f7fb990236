import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { ChannelRateLimitedError, ChannelRejectedError, ChannelUnavailableError, defineChannelAdapter, InboundSignatureError, type ChannelLimits } from './channel-adapter.ts';

const limits: ChannelLimits = { textMaxLength: 100, buttons: null, media: null, rate: { perSecond: 10, burst: 10 }, window: null, providerTemplates: false };
const sent: unknown[] = [];
const adapter = defineChannelAdapter({
  key: 'test',
  displayName: 'Test',
  channels: ['sms'],
  configSchema: Type.Object({ baseUrl: Type.String({ pattern: '^https?://' }) }, { additionalProperties: false }),
  secretsSchema: Type.Object({ token: Type.String({ minLength: 3 }), extra: Type.Optional(Type.String()) }, { additionalProperties: false }),
  limits: () => limits,
  connect: async (ctx) => ({ status: 'connected', inbound: 'webhook', identity: { name: String(ctx.account.secrets.token) }, secrets: { extra: 'generated' } }),
  send: async (ctx, m) => {
    sent.push({ secrets: ctx.account.secrets, m });
    if (m.text === 'slow') throw new ChannelRateLimitedError(3);
    if (m.text === 'boom') throw new Error('socket hang up');
    return { providerMessageId: `p-${m.messageId}` };
  },
});

// ctx.secrets as the kernel provides it, minus the encryption
const secrets = { seal: (v: Record<string, unknown>) => `sealed:${JSON.stringify(v)}`, open: (s: string) => JSON.parse(s.slice(7)) };
const ctx = (params: Record<string, unknown>) => ({ params, secrets, tenantId: 't', logger: console }) as any;
const account = (sealed: string | null) => ({ id: 'a1', channel: 'sms', config: { baseUrl: 'http://x' }, sealed, webhookUrl: null });

describe('defineChannelAdapter', () => {
  it('exposes internal actions only, none with a route or a transaction', () => {
    for (const [name, action] of Object.entries(adapter.actions)) {
      expect(action.rest, name).toBeUndefined();
      expect(action.transaction, name).toBe(false);
      expect(action.permission, name).toBe('internal');
    }
  });

  it('seal validates both schemas, keeps omitted secrets and clears null ones', async () => {
    const bad = await adapter.actions.seal!.handler(ctx({ config: { baseUrl: 'ftp://x' }, secrets: { token: 'x' } })).catch((e: any) => e);
    expect(bad.type).toBe('VALIDATION_FAILED');
    expect(bad.data.fields.map((f: any) => f.field).sort()).toEqual(['config.baseUrl', 'secrets.token']);
    const first = await adapter.actions.seal!.handler(ctx({ config: { baseUrl: 'http://x' }, secrets: { token: 'abc', extra: 'e' } }));
    expect(first.secretsSet).toEqual(['token', 'extra']);
    const kept = await adapter.actions.seal!.handler(ctx({ config: { baseUrl: 'http://x' }, secrets: { token: '', extra: null }, previous: first.sealed }));
    expect(secrets.open(kept.sealed)).toEqual({ token: 'abc' });
  });

  it('hands the opened secrets to the operation and re-seals what connect adds', async () => {
    const r = await adapter.actions.connect!.handler(ctx({ account: account(secrets.seal({ token: 'abc' })) }));
    expect(r.identity).toEqual({ name: 'abc' });
    expect(secrets.open(r.sealed)).toEqual({ token: 'abc', extra: 'generated' });
    expect(r.secrets).toBeUndefined();
    const s = await adapter.actions.send!.handler(ctx({ account: account(r.sealed), message: { messageId: 'm1', part: 0, chatId: '1', text: 'hi' } }));
    expect(s).toEqual({ providerMessageId: 'p-m1' });
  });

  it('keeps typed errors and turns anything else into a transient CHANNEL_UNAVAILABLE', async () => {
    const acc = account(secrets.seal({ token: 'abc' }));
    const slow = await adapter.actions.send!.handler(ctx({ account: acc, message: { messageId: 'm', part: 0, chatId: '1', text: 'slow' } })).catch((e: any) => e);
    expect(slow).toBeInstanceOf(ChannelRateLimitedError);
    expect(slow.retryAfterSeconds).toBe(3);
    const boom = await adapter.actions.send!.handler(ctx({ account: acc, message: { messageId: 'm', part: 0, chatId: '1', text: 'boom' } })).catch((e: any) => e);
    expect(boom).toBeInstanceOf(ChannelUnavailableError);
    const none = await adapter.actions.poll!.handler(ctx({ account: acc })).catch((e: any) => e);
    expect(none).toBeInstanceOf(ChannelRejectedError);
    expect(none.reason).toBe('unsupported');
  });

  it('maps the errors to the statuses the core and the gateway expect', () => {
    expect(new InboundSignatureError('missing').status).toBe(401);
    expect(new ChannelRejectedError('closed', 'window_closed').type).toBe('WINDOW_CLOSED');
    expect(new ChannelRejectedError('no', 'blocked', 403).data).toEqual({ details: { reason: 'blocked', providerCode: '403' } });
    expect(new ChannelRateLimitedError(5).status).toBe(429);
  });
});
