import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import messaging from '../src/index.ts';

let tk: TestKernel;
beforeAll(async () => {
  tk = await createTestKernel({ plugins: [messaging], tenants: [{ name: 'A', enable: ['messaging'] }] });
});
afterAll(() => tk?.stop());

it('boots', async () => {
  const a = await tk.as('owner@a.test');
  for (const p of ['conversations', 'contacts', 'templates', 'accounts', 'retention/runs', 'conversations/counts']) {
    const r = await a.get(`/api/messaging/${p}`);
    expect(r.status, `${p} ${JSON.stringify(r.body)}`).toBe(200);
  }
});
