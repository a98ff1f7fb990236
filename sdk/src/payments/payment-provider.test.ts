import { describe, expect, it } from 'vitest';
import { definePaymentProvider } from './payment-provider.ts';

const provider = definePaymentProvider({
  key: 'test',
  displayName: 'Test',
  capabilities: { webhooks: true, manualCapture: false, partialCapture: false, partialRefund: true, cancel: false, flows: ['redirect'] },
  create: async () => { throw new Error('unused'); },
  status: async () => { throw new Error('unused'); },
  refund: async () => { throw new Error('unused'); },
  verifyWebhook: () => ({ events: [] }),
});

describe('definePaymentProvider', () => {
  it('runs every operation without a transaction (they call the provider), and none has a REST route', () => {
    for (const op of ['describe', 'create', 'status', 'capture', 'cancel', 'refund', 'verifyWebhook']) expect(provider.actions[op]!.transaction, op).toBe(false);
    for (const action of Object.values(provider.actions)) expect(action.rest, 'no REST route').toBeUndefined();
  });
});
