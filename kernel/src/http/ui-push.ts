import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { TokenService } from '../auth/token.service.ts';

export const UI_PUSH_PATH = '/api/ws';

/** Close code for a socket whose session ended or whose token expired: the client refreshes, then reconnects. */
export const SESSION_ENDED_CLOSE = 4401;
/** How often open sockets are checked against revoked sessions and token expiry. */
const SWEEP_MS = 1_000;

type Holder = { sessionId: string; expMs: number };

/**
 * The admin's push socket (`/api/ws?token=<access token>`): one set of sockets per tenant, to which
 * the kernel sends what changed (plugins enabled, device jobs) so open pages update without polling.
 */
export class UiPush {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  /** Whose token opened each socket: a socket lives no longer than its session and its token. */
  private readonly holders = new WeakMap<WebSocket, Holder>();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private sweeper: NodeJS.Timeout | null = null;

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
      const token = url.searchParams.get('token') ?? '';
      const claims = await tokens.verifyAccess(token);
      const expMs = tokens.accessExpiry(token) ?? Date.now();
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const set = this.sockets.get(claims.tenantId) ?? new Set();
        this.sockets.set(claims.tenantId, set.add(ws));
        this.holders.set(ws, { sessionId: claims.user.sessionId!, expMs });
        this.sweep(tokens);
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

  /**
   * Closes sockets whose session was revoked (logout, password change, removal — heard here by
   * broadcast or the revocation poll) or whose token expired: push messages name a tenant's
   * changes, so they go only to someone still signed in (issue 24). Runs while sockets are open.
   */
  private sweep(tokens: TokenService): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      let open = 0;
      const now = Date.now();
      for (const set of this.sockets.values()) {
        for (const ws of set) {
          const h = this.holders.get(ws);
          if (!h || h.expMs <= now || tokens.revoked.has(h.sessionId)) {
            set.delete(ws);
            ws.close(SESSION_ENDED_CLOSE, h && h.expMs > now ? 'SESSION_REVOKED' : 'TOKEN_EXPIRED');
          } else open++;
        }
      }
      if (!open) {
        clearInterval(this.sweeper!);
        this.sweeper = null;
      }
    }, SWEEP_MS);
    this.sweeper.unref();
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const set of this.sockets.values()) for (const ws of set) ws.terminate();
    this.wss.close();
  }
}
