import type { MessageStatus } from './types.ts';

/**
 * How an outgoing message's state shows next to it, like the messengers people know: a clock while
 * it waits, one tick when the provider took it, two when delivered, two blue when read, a red mark
 * when it failed (with "retry"), an amber question mark when the outcome is unknown.
 */
export function tickOf(status: MessageStatus): { icon: string; color: string; retry: boolean } {
  switch (status) {
    case 'queued':
    case 'sending':
      return { icon: 'schedule', color: 'grey-6', retry: false };
    case 'sent':
      return { icon: 'done', color: 'grey-7', retry: false };
    case 'delivered':
      return { icon: 'done_all', color: 'grey-7', retry: false };
    case 'read':
      return { icon: 'done_all', color: 'light-blue-7', retry: false };
    case 'failed':
      return { icon: 'error', color: 'negative', retry: true };
    case 'unknown':
      return { icon: 'help', color: 'orange-8', retry: true };
    case 'canceled':
      return { icon: 'block', color: 'grey-6', retry: false };
    default:
      return { icon: '', color: '', retry: false };
  }
}

/** Minutes left in a customer-service window, or null (no window); 0 = closed. */
export function windowMinutesLeft(closesAt: string | null, now = Date.now()): number | null {
  if (!closesAt) return null;
  return Math.max(0, Math.floor((new Date(closesAt).getTime() - now) / 60_000));
}
