import { useAtrium } from '@atrium/sdk/ui';
import { useI18n } from 'vue-i18n';
import { formatMinor } from './lib/money.ts';
import type { PaymentStatus } from './lib/types.ts';

/** What every payments page needs: the host, money in the user's locale, status and source labels. */
export function usePayments() {
  const atrium = useAtrium();
  const { t } = useI18n();
  return {
    atrium,
    t,
    money: (minor: number, currency: string) => formatMinor(minor, currency, atrium.locale()),
    statusLabel: (s: PaymentStatus | string) => t(`payments.status.${s}`),
    sourceLabel: (s: string) => t(`payments.source.${s}`),
  };
}

/** First-party provider names; other providers show their key. */
export const PROVIDER_NAMES: Record<string, string> = { stripe: 'Stripe', paybox: 'FreedomPay (PayBox)', kaspi: 'Kaspi' };
export const providerName = (key: string) => PROVIDER_NAMES[key] ?? key;
