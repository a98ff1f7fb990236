import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChannelAuthError, ChannelRateLimitedError } from '@atrium/sdk/messaging';
import { gatewaySignature, mapGatewayError, GatewayError, normaliseGateway, verifyGatewaySignature } from './gateway.ts';
import { mapTwilioError, normaliseTwilio, TwilioApiError, twilioSignature, verifyTwilioSignature } from './twilio.ts';

describe('Twilio', () => {
  it('X-Twilio-Signature: the example of Twilio\'s security documentation', () => {
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(() => verifyTwilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params, '0/KCTR6DLpKmkAf8muzZqo1nDgQ=')).not.toThrow();
    // the URL is part of what is signed: another URL (another tenant's) does not verify
    expect(() => verifyTwilioSignature('12345', 'https://mycompany.com/other.php?foo=1&bar=2', params, '0/KCTR6DLpKmkAf8muzZqo1nDgQ=')).toThrow(/does not match/);
    expect(() => verifyTwilioSignature('12345', 'https://x', params, undefined)).toThrow(/missing/);
  });
  it('inbound SMS (with Advanced Opt-Out\'s STOP) and status callbacks', () => {
    const inbound = normaliseTwilio({ MessageSid: 'SM1', From: '+77011112233', To: '+15005550006', Body: 'STOP', SmsStatus: 'received', OptOutType: 'STOP' });
    expect(inbound.map((e) => e.type)).toEqual(['message', 'optout']);
    expect(inbound[0]).toMatchObject({ from: { kind: 'phone', id: '+77011112233' }, chatId: '+77011112233', text: 'STOP' });
    expect(normaliseTwilio({ MessageSid: 'SM2', MessageStatus: 'undelivered', ErrorCode: '30003' })[0]).toMatchObject({ type: 'status', status: 'failed', error: { code: '30003' } });
    expect(normaliseTwilio({ MessageSid: 'SM2', MessageStatus: 'queued' })).toEqual([]);
  });
  it('maps errors: auth, 429, an unsubscribed recipient, an invalid number', () => {
    expect(mapTwilioError(new TwilioApiError(401, { code: 20003, message: 'Authenticate' }))).toBeInstanceOf(ChannelAuthError);
    expect(mapTwilioError(new TwilioApiError(429, { code: 20429 }))).toBeInstanceOf(ChannelRateLimitedError);
    expect(mapTwilioError(new TwilioApiError(400, { code: 21610 }))).toMatchObject({ reason: 'blocked' });
    expect(mapTwilioError(new TwilioApiError(400, { code: 21211 }))).toMatchObject({ reason: 'invalid_recipient' });
  });
});

describe('the generic gateway contract', () => {
  it('X-Signature t=…,v1=HMAC-SHA256("<t>.<body>"), 5 minutes of tolerance', () => {
    const body = Buffer.from('{"type":"message"}');
    const h = gatewaySignature('secret-0123456789', 1_700_000_000, body);
    expect(h).toBe(`t=1700000000,v1=${crypto.createHmac('sha256', 'secret-0123456789').update('1700000000.{"type":"message"}').digest('hex')}`);
    expect(() => verifyGatewaySignature('secret-0123456789', body, h, 1_700_000_100)).not.toThrow();
    expect(() => verifyGatewaySignature('secret-0123456789', body, h, 1_700_000_400)).toThrow(/too old/);
    expect(() => verifyGatewaySignature('other-secret-000000', body, h, 1_700_000_000)).toThrow(/does not match/);
    expect(() => verifyGatewaySignature('secret-0123456789', body, 'v1=abc', 1_700_000_000)).toThrow(/not t=/);
  });
  it('normalises messages and reports; maps errors', () => {
    expect(normaliseGateway({ type: 'message', id: 'in1', from: '+77011112233', text: 'Привет', timestamp: 1_700_000_000 })[0]).toMatchObject({ eventId: 'in1', from: { kind: 'phone', id: '+77011112233' } });
    expect(normaliseGateway({ type: 'status', id: 'out1', status: 'delivered' })[0]).toMatchObject({ status: 'delivered', providerMessageId: 'out1' });
    expect(mapGatewayError(new GatewayError(429, '429', 'slow down', 7))).toMatchObject({ retryAfterSeconds: 7 });
    expect(mapGatewayError(new GatewayError(422, 'invalid_recipient', 'bad', null))).toMatchObject({ reason: 'invalid_recipient' });
  });
});
