import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from '../agent/agent.ts';
import { enroll } from '../agent/credential-store.ts';
import { TcpTransport } from '../drivers/byte-transport.ts';
import { EscPosPrinterDriver } from '../drivers/escpos-printer.driver.ts';
import { getProfile } from '../encoding/printer-profile.ts';
import { VirtualPrinter } from '../virtual/virtual-printer.ts';

/** What the helper needs from a signed-in HTTP client (the SDK test kit's TestClient fits). */
type Client = {
  post(path: string, body?: unknown): Promise<{ status: number; body: any }>;
  put(path: string, body?: unknown): Promise<{ status: number; body: any }>;
};

/**
 * A store terminal for plugin and browser tests against a real kernel: enrols an in-process agent
 * through the kernel's own enrolment endpoint (code → credential), binds `role`
 * (e.g. `receipt@front`) to its virtual ESC/POS printer on 127.0.0.1, and waits until the agent is
 * connected. The printer decodes what it receives (text per code page, images, cuts, drawer kicks).
 */
export async function startVirtualTill(opts: { kernelUrl: string; owner: Client; storeId: string; roles: string[]; profileId?: string; name?: string }) {
  const printer = new VirtualPrinter(getProfile(opts.profileId ?? 'epson-tm-t20-80'));
  await printer.start();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-till-'));
  const code = await opts.owner.post('/api/devices/enrollment-codes', { storeId: opts.storeId });
  if (code.status !== 201 && code.status !== 200) throw new Error(`enrolment code: ${code.status} ${JSON.stringify(code.body)}`);
  const cred = await enroll(opts.kernelUrl, code.body.code, opts.name ?? 'virtual till');
  const credential = { kernelUrl: `${opts.kernelUrl.replace(/^http/, 'ws')}/api/devices/agent`, ...cred };
  for (const role of opts.roles) {
    const r = await opts.owner.put('/api/devices/roles', { storeId: opts.storeId, role, terminalId: cred.terminalId, deviceId: 'printer-1' });
    if (r.status !== 200) throw new Error(`role ${role}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const agent = new Agent({
    credential,
    journalFile: path.join(dir, 'journal.jsonl'),
    minBackoffMs: 50,
    maxBackoffMs: 400,
    devices: [{
      deviceId: 'printer-1', name: 'virtual receipt printer', kind: 'printer', profile: printer.profile,
      driver: new EscPosPrinterDriver({ profile: printer.profile, transport: () => new TcpTransport(printer.host, printer.port), statusTimeoutMs: 2000 }),
    }],
  });
  await new Promise<void>((resolve) => { agent.once('connected', () => resolve()); agent.start(); });
  return {
    printer,
    agent,
    terminalId: cred.terminalId,
    async stop(): Promise<void> {
      await agent.stop().catch(() => {});
      await printer.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
