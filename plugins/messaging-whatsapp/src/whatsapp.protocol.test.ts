import { describe, expect, it } from 'vitest';
import { ChannelAuthError, ChannelRateLimitedError, ChannelRejectedError, GraphApiError, hubSignature, verifyHubSignature, answerHubChallenge } from '@atrium/sdk/messaging';
import { mapCloudError, normaliseCloudWebhook } from './cloud.ts';
import { mapWahaError, normaliseWahaWebhook, verifyWahaHmac, WahaApiError, wahaHmac } from './waha.ts';
import { whatsappLimits } from './whatsapp.adapter.ts';

const value = (v: Record<string, unknown>) => ({ object: 'whatsapp_business_account', entry: [{ id: 'W', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { phone_number_id: '111', display_phone_number: '77000000001' }, ...v } }] }] });

describe('Meta webhook signatures (shared with Messenger/Instagram)', () => {
  it('X-Hub-Signature-256 is sha256=hex(HMAC-SHA256(app secret, raw body)) — a vector computed with openssl', () => {
    const body = Buffer.from('{"object":"whatsapp_business_account"}');
    expect(hubSignature(body, 'app_secret_0123456789abcdef')).toBe('sha256=ebd1c92aea7476fc1778b0f8b93eb1af2b566292042b87ef044f03c9f7ab90f8');
    expect(() => verifyHubSignature(body, hubSignature(body, 'app_secret_0123456789abcdef'), ['old', 'app_secret_0123456789abcdef'])).not.toThrow();
    expect(() => verifyHubSignature(body, hubSignature(body, 'other'), ['app_secret_0123456789abcdef'])).toThrow(/does not match/);
    expect(() => verifyHubSignature(Buffer.from(`${body} `), hubSignature(body, 'app_secret_0123456789abcdef'), ['app_secret_0123456789abcdef'])).toThrow(/does not match/);
    expect(() => verifyHubSignature(body, undefined, ['x'])).toThrow(/missing/);
    expect(() => verifyHubSignature(body, 'sha1=abc', ['x'])).toThrow(/not sha256/);
  });
  it('the GET handshake echoes the challenge only for subscribe with the verify token', () => {
    expect(answerHubChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': 'tok', 'hub.challenge': '42' }, 'tok').body).toBe('42');
    expect(() => answerHubChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': '42' }, 'tok')).toThrow();
    expect(() => answerHubChallenge({ 'hub.mode': 'unsubscribe', 'hub.verify_token': 'tok' }, 'tok')).toThrow();
    expect(() => answerHubChallenge({ 'hub.mode': 'subscribe', 'hub.verify_token': '' }, undefined)).toThrow();
  });
});

describe('Cloud API webhook → events', () => {
  it('messages, media, button replies and statuses of this number; other numbers of the app are skipped', () => {
    const w = value({
      contacts: [{ profile: { name: 'Асель' }, wa_id: '77011112233' }],
      messages: [
        { from: '77011112233', id: 'wamid.A', timestamp: '1700000000', type: 'text', text: { body: 'Привет' }, context: { id: 'wamid.OURS' } },
        { from: '77011112233', id: 'wamid.B', timestamp: '1700000001', type: 'image', image: { id: 'MEDIA1', mime_type: 'image/jpeg', caption: 'чек' } },
        { from: '77011112233', id: 'wamid.C', timestamp: '1700000002', type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: 'yes:7', title: 'Да' } }, context: { id: 'wamid.OURS' } },
        { from: '77011112233', id: 'wamid.D', timestamp: '1700000003', type: 'reaction' },
      ],
      statuses: [{ id: 'wamid.OURS', status: 'failed', timestamp: '1700000004', recipient_id: '77011112233', errors: [{ code: 131047, title: 'Re-engagement message' }] }, { id: 'wamid.OURS', status: 'deleted', timestamp: '1', recipient_id: 'x' }],
    });
    const ev = normaliseCloudWebhook(w as any, '111');
    expect(ev.map((e) => e.type)).toEqual(['message', 'message', 'button', 'status']);
    expect(ev[0]).toMatchObject({ eventId: 'wamid.A', providerMessageId: 'wamid.A', chatId: '77011112233', from: { kind: 'whatsapp', id: '+77011112233', name: 'Асель' }, text: 'Привет', replyTo: 'wamid.OURS' });
    expect(ev[1]).toMatchObject({ text: 'чек', attachments: [{ kind: 'image', ref: 'MEDIA1' }] });
    expect(ev[2]).toMatchObject({ buttonId: 'yes:7', text: 'Да', providerMessageId: 'wamid.OURS' });
    expect(ev[3]).toMatchObject({ eventId: 'wamid.OURS:failed', status: 'failed', error: { code: '131047' } });
    expect(normaliseCloudWebhook(w as any, '222')).toEqual([]);
  });
  it('maps WhatsApp error codes: re-engagement, undeliverable, throughput, templates, tokens', () => {
    const g = (code: number, status = 400) => mapCloudError(new GraphApiError(status, { code, message: 'x' }));
    expect(g(131047)).toMatchObject({ reason: 'window_closed', type: 'WINDOW_CLOSED' });
    expect(g(131026)).toMatchObject({ reason: 'invalid_recipient' });
    expect(g(130429)).toBeInstanceOf(ChannelRateLimitedError);
    expect((g(131056) as ChannelRateLimitedError).retryAfterSeconds).toBe(6);
    expect(g(132001)).toMatchObject({ reason: 'template' });
    expect(g(190, 401)).toBeInstanceOf(ChannelAuthError);
    expect(g(100)).toBeInstanceOf(ChannelRejectedError);
    expect(mapCloudError(new Error('x'))).toBeUndefined();
  });
  it('declares the window, three 20-character buttons and templates for the Cloud API; none of them for WAHA', () => {
    expect(whatsappLimits({ provider: 'cloud' })).toMatchObject({ window: { hours: 24 }, buttons: { max: 3, textMaxLength: 20 }, providerTemplates: true });
    expect(whatsappLimits({ provider: 'waha' })).toMatchObject({ window: null, buttons: null, providerTemplates: false });
  });
});

describe('WAHA webhooks', () => {
  it('X-Webhook-Hmac is hex(HMAC-SHA512(key, raw body)) — a vector computed with openssl — checked in constant time', () => {
    const body = Buffer.from('{"event":"message"}');
    expect(wahaHmac(body, 'waha-key')).toBe('6cb7c4019d4f0bf1040bea39d18dda70755889c994250d7a38404ea224d21420968d6e13a4978c299ff76681eb5cedfdd8609b0a256490776fe209cb0e14f4cc');
    expect(() => verifyWahaHmac(body, wahaHmac(body, 'waha-key'), 'waha-key')).not.toThrow();
    expect(() => verifyWahaHmac(body, wahaHmac(body, 'other'), 'waha-key')).toThrow(/does not match/);
    expect(() => verifyWahaHmac(body, 'zz', 'waha-key')).toThrow(/does not match/);
    expect(() => verifyWahaHmac(body, undefined, 'waha-key')).toThrow(/missing/);
  });
  it('private messages of this session become events; ours, groups and other sessions do not; acks and session states do', () => {
    const msg = (payload: Record<string, unknown>, session = 'salon') => normaliseWahaWebhook({ id: 'evt_1', event: 'message', session, payload }, 'salon');
    expect(msg({ id: 'false_7701@c.us_X', from: '77011112233@c.us', fromMe: false, body: 'Салем', timestamp: 1700000000, _data: { notifyName: 'Жанар' } })[0]).toMatchObject({ from: { id: '+77011112233', name: 'Жанар' }, chatId: '77011112233@c.us', text: 'Салем' });
    expect(msg({ id: 'x', from: '77011112233@c.us', fromMe: true, body: 'mine' })).toEqual([]);
    expect(msg({ id: 'x', from: '120363@g.us', fromMe: false, body: 'group' })).toEqual([]);
    expect(msg({ id: 'x', from: '77011112233@c.us', body: 'other' }, 'other')).toEqual([]);
    expect(normaliseWahaWebhook({ event: 'message.ack', session: 'salon', payload: { id: 'true_1', ack: 3 } }, 'salon')[0]).toMatchObject({ type: 'status', status: 'read', eventId: 'true_1:ack3' });
    expect(normaliseWahaWebhook({ id: 'evt_2', event: 'session.status', session: 'salon', payload: { status: 'WORKING' } }, 'salon')[0]).toMatchObject({ type: 'account', status: 'connected' });
  });
  it('maps WAHA errors: a wrong key is an auth failure, a session not working is transient', () => {
    expect(mapWahaError(new WahaApiError(401, 'Unauthorized'))).toBeInstanceOf(ChannelAuthError);
    expect(mapWahaError(new WahaApiError(422, 'Session status is not as expected'))).toMatchObject({ outcome: 'not_sent' });
  });
});
