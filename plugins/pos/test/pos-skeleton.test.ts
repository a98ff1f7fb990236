import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';

let tk: TestKernel;
beforeAll(async () => {
  tk = await createTestKernel({ plugins: [path.resolve(import.meta.dirname, '..')] });
});
afterAll(async () => tk?.stop());

describe('pos skeleton', () => {
  it('enables and sets up a store', async () => {
    const owner = await tk.signup('Shop', 'owner@shop.test');
    expect((await owner.post('/api/plugins/pos/enable')).status).toBe(200);
    const r = await owner.post('/api/pos/stores', { name: 'Main street' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const l = await owner.get('/api/pos/stores');
    expect(l.body.items[0].name).toBe('Main street');
  });
});
