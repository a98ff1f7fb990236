import { AtriumError } from '@atrium/sdk';
import { ProviderRejectedError, ProviderUnavailableError } from '@atrium/sdk/payments';
import { StripeApiError, StripeNetworkError, StripeProtocolError } from './stripe.client.ts';

/** Stripe errors as Atrium errors: 4xx from Stripe → 422 PROVIDER_REJECTED; no/odd answer, 409, 429, 5xx → 502. */
export function mapStripeError(e: unknown): unknown {
  if (e instanceof AtriumError) return e;
  if (e instanceof StripeApiError) {
    if (e.status >= 500 || e.status === 409 || e.status === 429) return new ProviderUnavailableError(`Stripe: ${e.message}`, { type: e.type, code: e.code });
    return new ProviderRejectedError(`Stripe: ${e.message}`, { type: e.type, code: e.code, param: e.param });
  }
  if (e instanceof StripeNetworkError || e instanceof StripeProtocolError) return new ProviderUnavailableError(`Stripe: ${e.message}`);
  return e;
}

export async function stripeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw mapStripeError(e);
  }
}
