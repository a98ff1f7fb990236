import { refreshSession, resolveUrl } from '../api/http.ts';
import { tokens } from '../api/token-store.ts';

// The kernel pushes small JSON messages ({type:'plugins.changed'}) over /api/ws. We reconnect with
// backoff; the handler decides what to reload. No-op where WebSocket does not exist (tests, SSR).
// The kernel closes the socket with 4401 when its token expires or its session ends: we refresh the
// session first (a revoked one fails and signs out through the http layer), then reconnect.
const SESSION_ENDED_CLOSE = 4401;
export function connectLiveUpdates(onMessage: (msg: { type: string; [k: string]: unknown }) => void) {
  if (typeof WebSocket === 'undefined') return () => {};
  let ws: WebSocket | null = null;
  let stopped = false;
  let delay = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const open = () => {
    const token = tokens.access;
    if (stopped || !token) return;
    const base = resolveUrl('/api/ws');
    const url = new URL(base, globalThis.location?.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', token);
    ws = new WebSocket(url);
    ws.onopen = () => (delay = 1000);
    ws.onmessage = (ev) => {
      try {
        const msg = JSON.parse(String(ev.data));
        if (msg && typeof msg.type === 'string') onMessage(msg);
      } catch {
        /* not ours */
      }
    };
    ws.onclose = (ev) => {
      if (stopped) return;
      if (ev.code === SESSION_ENDED_CLOSE) {
        // a failed refresh is either a lost session (the http layer signs out; no token, open() stops)
        // or no network: try again later as for any close
        void refreshSession().then((ok) => {
          if (stopped) return;
          if (ok) return open();
          timer = setTimeout(open, delay);
          delay = Math.min(delay * 2, 30_000);
        });
        return;
      }
      timer = setTimeout(open, delay);
      delay = Math.min(delay * 2, 30_000);
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    ws?.close();
  };
}
