import { NotFoundError, UnprocessableError, type RequestContext } from '@atrium/sdk';
import { adapterAction, type AdapterOperation, type ChannelKind, type ChannelLimits, type SealedAccount } from '@atrium/sdk/messaging';

export const ADAPTER_KEY = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Calls `messaging-<key>.channel.<op>`: the adapter plugin runs it with its own secrets key, behind
 * its own enablement gate (a disabled adapter → 403 PLUGIN_DISABLED), without a transaction.
 */
export async function callAdapter<T>(ctx: Pick<RequestContext, 'call'>, key: string, op: AdapterOperation, params: Record<string, unknown> = {}): Promise<T> {
  if (!ADAPTER_KEY.test(key)) throw new NotFoundError(`Unknown channel adapter "${key}"`);
  try {
    return await ctx.call<T>(adapterAction(key, op), params);
  } catch (e: any) {
    if (e?.type === 'SERVICE_NOT_FOUND' || e?.type === 'SERVICE_NOT_AVAILABLE') {
      throw new UnprocessableError(`The channel adapter "${key}" is not installed`, 'ADAPTER_NOT_INSTALLED', { adapter: key });
    }
    throw e;
  }
}

/** The columns of an account the send and ingest paths read. */
export const ACCOUNT_COLUMNS = 'a.id, a.adapter, a.channel, a.name, a.config, a.sealed, a.status, a.inbound, a.limits, a.poll_cursor';

export type AccountRow = {
  id: string;
  adapter: string;
  channel: ChannelKind;
  name: string;
  config: Record<string, unknown>;
  sealed: string | null;
  status: string;
  inbound: string;
  limits: ChannelLimits | null;
  poll_cursor: string | null;
};

/** An account as adapter actions take it. */
export function sealedAccount(row: AccountRow, webhookUrl: string | null): SealedAccount {
  return { id: row.id, channel: row.channel, config: row.config ?? {}, sealed: row.sealed, webhookUrl };
}

/** Limits until an account has connected once (conservative: short texts, slow pace, no extras). */
export const FALLBACK_LIMITS: ChannelLimits = {
  textMaxLength: 1000, buttons: null, media: null, rate: { perSecond: 1, burst: 1 }, window: null, providerTemplates: false,
};
export const limitsOf = (row: Pick<AccountRow, 'limits'>): ChannelLimits => row.limits ?? FALLBACK_LIMITS;
