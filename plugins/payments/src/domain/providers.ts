import crypto from 'node:crypto';
import { NotFoundError, type RequestContext } from '@atrium/sdk';
import { providerAction, type ProviderOperation, type ProviderPaymentRef } from '@atrium/sdk/payments';
import type { IntentEntity } from '../entities/intent.ts';

export const PROVIDER_KEY = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Calls `payments-<key>.provider.<op>`: the provider plugin runs it with its own settings and
 * secrets, behind its own enablement gate (a disabled provider → 403 PLUGIN_DISABLED).
 */
export async function callProvider<T>(ctx: RequestContext, key: string, op: ProviderOperation, params: Record<string, unknown> = {}): Promise<T> {
  if (!PROVIDER_KEY.test(key)) throw new NotFoundError(`Unknown payment provider "${key}"`, { provider: key }, 'PROVIDER_UNKNOWN');
  try {
    return await ctx.call<T>(providerAction(key, op), params);
  } catch (e: any) {
    if (e?.type === 'SERVICE_NOT_FOUND' || e?.type === 'SERVICE_NOT_AVAILABLE') {
      throw new NotFoundError(`Payment provider "${key}" is not installed`, { provider: key }, 'PROVIDER_UNKNOWN');
    }
    throw e;
  }
}

export function refOf(intent: IntentEntity): ProviderPaymentRef {
  return {
    intentId: intent.id,
    providerPaymentId: intent.providerPaymentId ?? '',
    amount: Number(intent.amount),
    currency: intent.currency,
    amountCaptured: Number(intent.amountCaptured),
    amountRefunded: Number(intent.amountRefunded),
    data: intent.providerData ?? {},
  };
}

/** A uuid derived from (tenant, purpose, client key): a retried request maps to the same intent and provider keys. */
export function stableUuid(...parts: string[]): string {
  const h = crypto.createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** A provider de-duplication key for one operation on one intent (Stripe keeps ≤ 255 chars). */
export function providerKey(intentId: string, op: string, clientKey?: string): string {
  const suffix = clientKey ? `-${crypto.createHash('sha256').update(clientKey).digest('hex').slice(0, 32)}` : '';
  return `atrium-${intentId}-${op}${suffix}`;
}
