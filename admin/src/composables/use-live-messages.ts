import { onBeforeUnmount, onMounted } from 'vue';

// The shell holds one socket to /api/ws (MainLayout); pages that show live state subscribe here
// instead of opening their own.
export type LiveMessage = { type: string; [k: string]: unknown };
const listeners = new Set<(m: LiveMessage) => void>();

export function publishLiveMessage(m: LiveMessage): void {
  for (const l of [...listeners]) {
    try {
      l(m);
    } catch (e) {
      console.error('[atrium] live message handler failed', e);
    }
  }
}

/** Calls `fn` for every pushed message until the returned function is called (plugins: `useAtrium().onLive`). */
export function subscribeLiveMessages(fn: (m: LiveMessage) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Calls `fn` for every pushed message while the calling component is mounted. */
export function useLiveMessages(fn: (m: LiveMessage) => void): void {
  let stop: (() => void) | null = null;
  onMounted(() => { stop = subscribeLiveMessages(fn); });
  onBeforeUnmount(() => stop?.());
}
