import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { JobHub } from './job-hub.ts';
import { AGENT_WS_PATH } from '../protocol/messages.ts';
import { AGENT_MAX_FRAME_BYTES, bindAgentSocket } from './agent-connection.ts';

export { AGENT_WS_PATH };
export const ENROLL_PATH = '/api/devices/enroll';

/**
 * A minimal HTTP + WebSocket front for a JobHub: `POST /api/devices/enroll {code,name}` and the agent
 * socket at `/api/devices/agent`. Used by tests and the `--virtual` demo; the kernel mounts the same
 * hub behind its gateway instead.
 */
export async function startWsHub(hub: JobHub, opts: { host?: string; port?: number } = {}) {
  const server = http.createServer(async (req, res) => {
    if (req.method === 'POST' && req.url === ENROLL_PATH) {
      let body = '';
      for await (const chunk of req) body += chunk;
      try {
        const { code, name } = JSON.parse(body) as { code: string; name?: string };
        const out = await hub.enroll(String(code), String(name ?? 'terminal'));
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(out));
      } catch (e) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (e as Error).message }));
      }
      return;
    }
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server, path: AGENT_WS_PATH, maxPayload: AGENT_MAX_FRAME_BYTES });
  wss.on('connection', (ws) => bindAgentSocket(hub, ws, () => {}));
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = opts.host ?? '127.0.0.1';
  return {
    port,
    url: `ws://${host}:${port}${AGENT_WS_PATH}`,
    httpUrl: `http://${host}:${port}`,
    /** Drop every agent socket without stopping (simulates a network cut). */
    dropAll(): void { for (const c of wss.clients) c.terminate(); },
    async close(): Promise<void> {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
