import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';

/**
 * The admin's push socket lives no longer than the session that opened it (issue 24): push
 * messages name a tenant's changes (device jobs, plugins), so they must stop reaching someone
 * who signed out or was removed.
 */
let tk: TestKernel;

beforeAll(async () => {
  tk = await createTestKernel({ tenants: [{ name: 'Acme', owner: 'owner@acme.test' }] });
});
afterAll(async () => {
  await tk?.stop();
});

function openSocket(token: string): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`${tk.url.replace(/^http/, 'ws')}/api/ws?token=${token}`);
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    ws.once('message', () => resolve({ ws, closed }));
    ws.once('error', reject);
  });
}

describe('UI push socket and sessions', () => {
  it('logout closes the socket the session opened (4401 SESSION_REVOKED); another session keeps its own', async () => {
    const a = await tk.as('owner@acme.test');
    const b = await tk.as('owner@acme.test');
    const sa = await openSocket(a.token);
    const sb = await openSocket(b.token);
    expect((await a.post('/api/auth/logout', {})).status).toBeLessThan(300);
    expect(await sa.closed).toEqual({ code: 4401, reason: 'SESSION_REVOKED' });
    expect(sb.ws.readyState).toBe(WebSocket.OPEN);
    // the token of the ended session cannot open a new one
    await expect(openSocket(a.token)).rejects.toThrow(/401/);
    sb.ws.close();
  });
});
