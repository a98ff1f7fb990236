import type { WebSocket } from 'ws';
import type { JobHub } from './job-hub.ts';

/** The largest frame an agent socket accepts at all (JobHub's limits are below it). */
export const AGENT_MAX_FRAME_BYTES = 1024 * 1024;

/**
 * Feeds one agent WebSocket to a hub: messages are handled one at a time per socket, so acks and
 * results keep their order. Used by the kernel's agent endpoint and by `startWsHub`.
 */
export function bindAgentSocket(hub: JobHub, ws: WebSocket, onError: (e: unknown) => void): void {
  const conn = hub.connect({
    send: (m) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m)); },
    close: (code, reason) => ws.close(code, reason),
  });
  let chain = Promise.resolve();
  ws.on('message', (data) => {
    chain = chain.then(() => conn.receive(data.toString())).catch(onError);
  });
  ws.on('close', () => conn.closed());
  // a protocol error (oversized or malformed frame) closes the socket; without a listener it would throw
  ws.on('error', () => {});
}
