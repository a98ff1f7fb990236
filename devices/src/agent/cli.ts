import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Agent } from './agent.ts';
import { buildDevices, parseAgentConfig, type AgentConfig } from './agent-config.ts';
import { enroll, loadCredential, saveCredential, type AgentCredential } from './credential-store.ts';
import { JobHub } from '../hub/job-hub.ts';
import { MemoryHubStorage } from '../hub/memory-storage.ts';
import { startWsHub } from '../hub/ws-hub-server.ts';
import { getProfile } from '../encoding/printer-profile.ts';
import { VirtualPrinter } from '../virtual/virtual-printer.ts';
import { VirtualSerialBus, VirtualSerialScale, VirtualSerialScanner } from '../virtual/virtual-serial.ts';
import { VirtualVfdDisplay } from '../virtual/virtual-display.ts';
import { multilingualReceipt } from '../receipt/sample-receipts.ts';

const HELP = `atrium-agent — Atrium terminal agent

  atrium-agent --config /etc/atrium-agent/agent.json            run with the configured devices
  atrium-agent --config FILE --enroll CODE --kernel https://k    enrol once with a one-time code, then run
  atrium-agent --virtual [--kernel wss://…/api/devices/agent]    virtual printer, scanner, scale and display;
                                                                 without --kernel also a local demo hub that
                                                                 prints a ru/uk/kk receipt and a test page
Options: --data-dir DIR (default ~/.atrium-agent), --name NAME, --help`;

const log = (m: string) => process.stdout.write(`[atrium-agent] ${m}\n`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' }, enroll: { type: 'string' }, kernel: { type: 'string' }, 'data-dir': { type: 'string' },
      name: { type: 'string' }, virtual: { type: 'boolean' }, help: { type: 'boolean' },
    },
  });
  if (values.help) { process.stdout.write(HELP + '\n'); return; }

  let config: AgentConfig = { dataDir: values['data-dir'] ?? path.join(os.homedir(), '.atrium-agent'), devices: [] };
  if (values.config) config = parseAgentConfig(JSON.parse(fs.readFileSync(values.config, 'utf8')));
  if (values['data-dir']) config.dataDir = values['data-dir'];
  const credFile = path.join(config.dataDir, 'credential.json');

  const stops: (() => Promise<void>)[] = [];
  let serialBinding;
  let demo: { hub: JobHub; printer: VirtualPrinter } | undefined;

  if (values.virtual) {
    const printer = new VirtualPrinter(getProfile('epson-tm-t20-80'));
    await printer.start();
    stops.push(() => printer.stop());
    printer.on('receipt', (r: { text: string[]; items: { kind: string }[] }) => {
      log(`virtual printer cut a receipt (${r.items.filter((i) => i.kind === 'image').length} image lines):\n    ${r.text.join('\n    ')}`);
    });
    printer.on('drawer', (k: { pin: number }) => log(`virtual drawer kicked on pin ${k.pin}`));
    const bus = new VirtualSerialBus();
    bus.attach('/dev/ttyVSCAN0', new VirtualSerialScanner());
    bus.attach('/dev/ttyVSCALE0', Object.assign(new VirtualSerialScale('toledo'), { grams: 1250 }));
    bus.attach('/dev/ttyVFD0', new VirtualVfdDisplay());
    serialBinding = bus.binding;
    config.devices.push(
      { deviceId: 'virtual-printer', name: `virtual printer 127.0.0.1:${printer.port}`, kind: 'printer', profile: printer.profile.id, transport: { type: 'tcp', host: printer.host, port: printer.port } },
      { deviceId: 'virtual-scanner', name: 'virtual serial scanner', kind: 'scanner', transport: { type: 'serial', path: '/dev/ttyVSCAN0', baudRate: 9600 } },
      { deviceId: 'virtual-scale', name: 'virtual Toledo scale', kind: 'scale', protocol: 'toledo', transport: { type: 'serial', path: '/dev/ttyVSCALE0', baudRate: 9600 } },
      { deviceId: 'virtual-display', name: 'virtual VFD 2x20', kind: 'display', transport: { type: 'serial', path: '/dev/ttyVFD0', baudRate: 9600 } },
    );
    if (!values.kernel && !fs.existsSync(credFile)) {
      // Nothing to connect to: bring up a local hub so the demo prints with no kernel and no hardware.
      const hub = new JobHub({ storage: new MemoryHubStorage(), heartbeatMs: 5000 });
      const server = await startWsHub(hub);
      stops.push(() => server.close());
      const code = await hub.createEnrollmentCode('demo-tenant', 'demo-store');
      const r = await enroll(server.httpUrl, code, 'virtual demo');
      const cred: AgentCredential = { kernelUrl: server.url, terminalId: r.terminalId, token: r.token, tenantId: r.tenantId, storeId: r.storeId };
      fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      saveCredential(credFile, cred);
      log(`demo hub on ${server.url}`);
      demo = { hub, printer };
    }
  }

  if (values.enroll) {
    if (!values.kernel) throw new Error('--enroll needs --kernel (the kernel base URL)');
    const base = new URL(values.kernel);
    const httpUrl = `${base.protocol === 'wss:' || base.protocol === 'https:' ? 'https' : 'http'}://${base.host}`;
    const r = await enroll(httpUrl, values.enroll, values.name ?? os.hostname());
    const wsUrl = `${httpUrl.replace(/^http/, 'ws')}/api/devices/agent`;
    saveCredential(credFile, { kernelUrl: wsUrl, terminalId: r.terminalId, token: r.token, tenantId: r.tenantId, storeId: r.storeId });
    log(`enrolled as ${r.terminalId} (tenant ${r.tenantId}, store ${r.storeId}); credential in ${credFile}`);
  }

  const cred = loadCredential(credFile);
  if (!cred) throw new Error(`no credential in ${credFile}: enrol first with --enroll CODE --kernel URL`);
  if (values.kernel && !values.enroll) cred.kernelUrl = values.kernel;

  const devices = await buildDevices(config.devices, serialBinding);
  const agent = new Agent({ credential: cred, journalFile: path.join(config.dataDir, 'journal.jsonl'), devices, log });
  agent.on('connected', () => log(`connected to ${cred.kernelUrl}`));
  agent.on('disconnected', () => { if (!stopping) log('disconnected; reconnecting with backoff'); });
  agent.on('revoked', () => { log('terminal revoked by the kernel; exiting'); process.exitCode = 3; void shutdown(); });
  agent.on('unauthorized', () => { log('credential refused; re-enrol'); process.exitCode = 2; void shutdown(); });
  agent.on('result', (id: string, o: { state: string; reason?: string }) => log(`job ${id}: ${o.state}${o.reason ? ' ' + o.reason : ''}`));
  agent.start();

  if (demo) {
    const { hub } = demo;
    agent.once('connected', async () => {
      const base = { tenantId: 'demo-tenant', terminalId: cred.terminalId, deviceId: 'virtual-printer' };
      await hub.submit({ ...base, idempotencyKey: 'demo:test-page', kind: 'test-page', payload: { kind: 'test-page' } });
      await hub.submit({ ...base, idempotencyKey: 'demo:receipt', kind: 'print-receipt', payload: { kind: 'print-receipt', document: { ...multilingualReceipt(), openDrawer: true } } });
    });
  }

  let stopping = false;
  async function shutdown(): Promise<void> {
    if (stopping) return;
    stopping = true;
    await agent.stop();
    for (const s of stops) await s().catch(() => {});
  }
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((e: Error) => {
  process.stderr.write(`[atrium-agent] ${e.message}\n`);
  process.exit(1);
});
