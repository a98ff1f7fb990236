import { resolveUrl } from '../api/http.ts';
import { tokens } from '../api/token-store.ts';

// The kernel pushes small JSON messages ({type:'plugins.changed'}) over /api/ws. We reconnect with
// backoff; the handler decides what to reload. No-op where WebSocket does not exist (tests, SSR).
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
    ws.onclose = () => {
      if (stopped) return;
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
