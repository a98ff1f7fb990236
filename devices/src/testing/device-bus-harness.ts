import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent } from '../agent/agent.ts';
import { enroll, type AgentCredential } from '../agent/credential-store.ts';
import type { AgentDevice } from '../agent/device-set.ts';
import { getProfile } from '../encoding/printer-profile.ts';
import { TcpTransport } from '../drivers/byte-transport.ts';
import { EscPosPrinterDriver } from '../drivers/escpos-printer.driver.ts';
import { JobHub } from '../hub/job-hub.ts';
import type { HubJob, HubJobState } from '../hub/job-hub.storage.ts';
import { MemoryHubStorage } from '../hub/memory-storage.ts';
import { startWsHub } from '../hub/ws-hub-server.ts';
import { VirtualPrinter } from '../virtual/virtual-printer.ts';

/**
 * Everything a device-bus test needs on 127.0.0.1: an in-memory JobHub behind a ws server, a
 * virtual printer, enrolment through the real HTTP endpoint, and agents with journals in a temp dir.
 * Used by the agent's tests (src/agent/agent.test.ts).
 */
export async function createDeviceBusHarness(opts: { profileId?: string; heartbeatMs?: number } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-devices-'));
  const storage = new MemoryHubStorage();
  const hub = new JobHub({ storage, heartbeatMs: opts.heartbeatMs ?? 1000 });
  const server = await startWsHub(hub);
  const printer = new VirtualPrinter(getProfile(opts.profileId ?? 'epson-tm-t20-80'));
  await printer.start();
  const agents: Agent[] = [];

  async function enrollTerminal(tenantId: string, storeId: string): Promise<AgentCredential> {
    const code = await hub.createEnrollmentCode(tenantId, storeId);
    const r = await enroll(server.httpUrl, code, `till ${tenantId}/${storeId}`);
    return { kernelUrl: server.url, terminalId: r.terminalId, token: r.token, tenantId: r.tenantId, storeId: r.storeId };
  }

  function printerDevice(p: VirtualPrinter = printer, deviceId = 'printer-1'): AgentDevice {
    return {
      deviceId, name: 'virtual receipt printer', kind: 'printer', profile: p.profile,
      driver: new EscPosPrinterDriver({ profile: p.profile, transport: () => new TcpTransport(p.host, p.port), statusTimeoutMs: 500 }),
    };
  }

  function startAgent(credential: AgentCredential, name = credential.terminalId, devices = [printerDevice()]): Agent {
    const agent = new Agent({ credential, journalFile: path.join(dir, name, 'journal.jsonl'), devices, minBackoffMs: 50, maxBackoffMs: 400 });
    agents.push(agent);
    agent.start();
    return agent;
  }

  /** Resolves with the job once it reaches one of `states`. */
  function waitForJob(jobId: string, states: HubJobState[], timeoutMs = 8000): Promise<HubJob> {
    const getJob = async (id: string) => storage.jobs.get(id) && storage.getJob(storage.jobs.get(id)!.tenantId, id);
    return new Promise((resolve, reject) => {
      const check = async () => {
        const row = await getJob(jobId);
        if (row && states.includes(row.state)) { cleanup(); resolve(row); }
      };
      const onJob = (row: HubJob) => { if (row.job.jobId === jobId) void check(); };
      const timer = setTimeout(async () => {
        cleanup();
        reject(new Error(`job ${jobId} did not reach ${states.join('|')} (is ${(await getJob(jobId))?.state})`));
      }, timeoutMs);
      const cleanup = () => { clearTimeout(timer); hub.off('job', onJob); };
      hub.on('job', onJob);
      void check();
    });
  }

  return {
    dir, storage, hub, server, printer, agents, enrollTerminal, printerDevice, startAgent, waitForJob,
    async close(): Promise<void> {
      for (const a of agents.splice(0)) await a.stop().catch(() => {});
      await server.close();
      await printer.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
