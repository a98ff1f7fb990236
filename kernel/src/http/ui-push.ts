import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TokenService } from '../auth/token.service.ts';

export const UI_PUSH_PATH = '/api/ws';

/**
 * The admin's push socket (`/api/ws?token=<access token>`): one set of sockets per tenant, to which
 * the kernel sends what changed (plugins enabled, device jobs) so open pages update without polling.
 */
export class UiPush {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  push(tenantId: string, message: unknown): void {
    const set = this.sockets.get(tenantId);
    if (!set?.size) return;
    const text = JSON.stringify(message);
    for (const ws of set) if (ws.readyState === ws.OPEN) ws.send(text);
  }

  /** Accepts an upgrade whose token verifies; anything else gets 401 and is closed. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, tokens: TokenService): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const claims = await tokens.verifyAccess(url.searchParams.get('token') ?? '');
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const set = this.sockets.get(claims.tenantId) ?? new Set();
        this.sockets.set(claims.tenantId, set.add(ws));
        ws.on('close', () => set.delete(ws));
        // a frame over maxPayload or a malformed one closes the socket; without a listener it would throw
        ws.on('error', () => {});
        ws.send(JSON.stringify({ type: 'hello', tenantId: claims.tenantId }));
      });
    } catch {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
    }
  }

  close(): void {
    for (const set of this.sockets.values()) for (const ws of set) ws.terminate();
    this.wss.close();
  }
}
