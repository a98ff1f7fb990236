import { describe, expect, it } from 'vitest';
import { ChannelAuthError, ChannelRateLimitedError, GraphApiError } from '@atrium/sdk/messaging';
import { mapMessengerError, normalisePageWebhook, sendPayload } from './messenger.ts';
import { metaLimits } from './meta.adapter.ts';

const hook = (pageId: string, messaging: unknown[], object = 'page') => ({ object, entry: [{ id: pageId, time: 1, messaging }] });

describe('page webhooks → events', () => {
  it('messages (page-scoped sender), attachments, quick replies, postbacks, deliveries; echoes and other pages skipped', () => {
    const ev = normalisePageWebhook(hook('P', [
      { sender: { id: 'U1' }, recipient: { id: 'P' }, timestamp: 1_700_000_000_000, message: { mid: 'm1', text: 'Привет', reply_to: { mid: 'm0' } } },
      { sender: { id: 'U1' }, recipient: { id: 'P' }, timestamp: 1, message: { mid: 'm2', attachments: [{ type: 'image', payload: { url: 'https://cdn/x.jpg' } }, { type: 'location', payload: { coordinates: { lat: 43.2, long: 76.9 } } }] } },
      { sender: { id: 'U1' }, recipient: { id: 'P' }, timestamp: 1, message: { mid: 'm3', text: '10:00', quick_reply: { payload: 'slot:10' } } },
      { sender: { id: 'U1' }, recipient: { id: 'P' }, timestamp: 1, postback: { mid: 'm4', title: 'Да', payload: 'yes' } },
      { sender: { id: 'P' }, recipient: { id: 'U1' }, timestamp: 1, message: { mid: 'm5', text: 'ours', is_echo: true } },
      { sender: { id: 'U1' }, recipient: { id: 'P' }, timestamp: 1, delivery: { mids: ['m5', 'm6'], watermark: 1 } },
      { sender: { id: 'U1' }, recipient: { id: 'P' }, timestamp: 1, read: { watermark: 1 } },
    ]) as any, 'facebook', 'P');
    expect(ev.map((e) => e.type)).toEqual(['message', 'message', 'button', 'button', 'status', 'status']);
    expect(ev[0]).toMatchObject({ from: { kind: 'facebook', id: 'U1', scope: 'P' }, chatId: 'U1', text: 'Привет', replyTo: 'm0' });
    expect(ev[1]).toMatchObject({ attachments: [{ kind: 'image', ref: 'https://cdn/x.jpg' }, { kind: 'location', text: '43.2,76.9' }] });
    expect(ev[2]).toMatchObject({ buttonId: 'slot:10', text: '10:00' });
    expect(ev[3]).toMatchObject({ eventId: 'm4', buttonId: 'yes', text: 'Да' });
    expect(ev[4]).toMatchObject({ eventId: 'm5:delivered', providerMessageId: 'm5', status: 'delivered' });
    expect(normalisePageWebhook(hook('OTHER', [{ sender: { id: 'U1' }, recipient: { id: 'OTHER' }, timestamp: 1, message: { mid: 'x', text: 'y' } }]) as any, 'facebook', 'P')).toEqual([]);
    const [ig] = normalisePageWebhook(hook('I', [{ sender: { id: 'U2' }, recipient: { id: 'I' }, timestamp: 1, read: { mid: 'm9' } }], 'instagram') as any, 'instagram', 'I');
    expect(ig).toMatchObject({ type: 'status', status: 'read', providerMessageId: 'm9' });
  });
});

describe('Send API payloads and errors', () => {
  it('quick replies for reply buttons; a button template for links on Messenger; RESPONSE within the window', () => {
    const q = sendPayload({ messageId: 'x', part: 0, chatId: 'U1', text: 'When?', buttons: [{ id: 'a', text: 'A' }] }, 'facebook');
    expect(q).toEqual({ recipient: { id: 'U1' }, messaging_type: 'RESPONSE', message: { text: 'When?', quick_replies: [{ content_type: 'text', title: 'A', payload: 'a' }] } });
    const t = sendPayload({ messageId: 'x', part: 0, chatId: 'U1', text: 'Pay', buttons: [{ id: 'l', text: 'Open', url: 'https://pay' }, { id: 'b', text: 'Later' }] }, 'facebook') as any;
    expect(t.message.attachment.payload).toMatchObject({ template_type: 'button', buttons: [{ type: 'web_url', url: 'https://pay' }, { type: 'postback', payload: 'b' }] });
    expect(metaLimits('instagram')).toMatchObject({ textMaxLength: 1000, window: { hours: 24 }, buttons: { urls: false } });
  });
  it('maps the window (2018278), unreachable people, tokens and throttling', () => {
    const g = (code: number, subcode?: number, status = 400) => mapMessengerError(new GraphApiError(status, { code, error_subcode: subcode, message: 'x' }));
    expect(g(10, 2018278)).toMatchObject({ type: 'WINDOW_CLOSED' });
    expect(g(551)).toMatchObject({ reason: 'blocked' });
    expect(g(100, 2018001)).toMatchObject({ reason: 'invalid_recipient' });
    expect(g(190, undefined, 401)).toBeInstanceOf(ChannelAuthError);
    expect(g(613)).toBeInstanceOf(ChannelRateLimitedError);
  });
});
