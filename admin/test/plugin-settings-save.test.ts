import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pluginsApi } from '../src/api/endpoints.ts';
import { tokens } from '../src/api/token-store.ts';
import { fieldsOf, fromModel, toModel } from '../src/components/schema-form/schema.ts';
import type { JsonSchema } from '../src/api/types.ts';

// What PluginSettingsDialog sends, down to the fetch call: the form payload inside { settings }
// (the kernel's PUT /api/plugins/:id/settings refuses a bare object), secrets only when typed.
let sent: { url: string; method: string; body: unknown }[];
beforeEach(() => {
  sent = [];
  tokens.save({ accessToken: 'a1' });
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    sent.push({ url, method: String(init.method), body: JSON.parse(String(init.body)) });
    return new Response(JSON.stringify({ id: 'payments-kaspi' }), { status: 200, headers: { 'content-type': 'application/json' } });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  tokens.clear();
});

const kaspi = {
  schema: { type: 'object', required: ['apiKey', 'merchantId'], properties: { apiKey: { type: 'string', minLength: 8 }, merchantId: { type: 'string' } } } as JsonSchema,
  secretFields: ['apiKey'],
};

describe('saving plugin settings from the shell dialog', () => {
  const fields = fieldsOf(kaspi.schema, kaspi.secretFields);

  it('an untouched stored secret is not sent', async () => {
    const model = toModel(fields, { apiKey: null, merchantId: 'm-1' });
    await pluginsApi.saveSettings('payments-kaspi', fromModel(fields, model));
    expect(sent).toEqual([{ url: '/api/plugins/payments-kaspi/settings', method: 'PUT', body: { settings: { merchantId: 'm-1' } } }]);
  });

  it('a typed secret is sent', async () => {
    const model = toModel(fields, { apiKey: null, merchantId: 'm-1' });
    model.apiKey = 'kaspi-key-2';
    await pluginsApi.saveSettings('payments-kaspi', fromModel(fields, model));
    expect(sent[0]!.body).toEqual({ settings: { merchantId: 'm-1', apiKey: 'kaspi-key-2' } });
  });
});
