import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { AGENT_MAX_FRAME_BYTES, AGENT_WS_PATH, bindAgentSocket, type JobHub } from '@atrium/devices/hub';

/** What the gateway offers other local services: a WebSocket endpoint on its HTTP server. */
export type UpgradeRegistrar = { registerUpgrade(path: string, handler: (req: IncomingMessage, socket: any, head: Buffer) => void): void };

/**
 * The terminal agents' WebSocket (`/api/devices/agent`) on this node's gateway, each socket fed to
 * the hub.
 */
export function attachAgentSocket(gateway: UpgradeRegistrar, hub: JobHub, log: Logger): { close(): void } {
  // a frame above this closes the socket (1009); below it, JobHub's own size limit answers with an error
  const wss = new WebSocketServer({ noServer: true, maxPayload: AGENT_MAX_FRAME_BYTES });
  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => bindAgentSocket(hub, ws, (e) => log.warn({ err: e, ip: req.socket.remoteAddress }, 'devices: agent message failed')));
  gateway.registerUpgrade(AGENT_WS_PATH, (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
  return {
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
