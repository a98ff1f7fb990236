import type { RequestContext } from '@atrium/sdk';

/**
 * What the inbox hears over the gateway WebSocket: which conversations changed (ids only — the
 * page reloads them through the authorized routes, so a push tells nobody what they may not read).
 */
export const CONVERSATIONS_CHANGED = 'messaging.conversations';
export const ACCOUNTS_CHANGED = 'messaging.accounts';

export function pushConversations(ctx: Pick<RequestContext, 'push'>, ids: string[]): void {
  if (ids.length) ctx.push({ type: CONVERSATIONS_CHANGED, ids: ids.slice(0, 200) });
}

export function pushAccounts(ctx: Pick<RequestContext, 'push'>, ids: string[]): void {
  if (ids.length) ctx.push({ type: ACCOUNTS_CHANGED, ids });
}
