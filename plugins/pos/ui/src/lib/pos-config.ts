import type { Promotion } from '@atrium/plugin-pos/pricing';
import { useAtrium } from '@atrium/sdk/ui';
import { ref, type Ref } from 'vue';

/**
 * What the POS pages need to know about the shop and the signed-in user, from `GET /api/pos/config`
 * (any POS role may read it, unlike the plugin's settings): the currency and its smallest coin, the
 * shop's time zone, how far this user may discount, and the active promotions. Fetched once per page load and shared.
 */
export interface PosConfig {
  currency: string;
  /** Cash totals are rounded to this many minor units (KZT: 100 = whole tenge); 1 = no rounding. */
  cashRounding: number;
  timeZone: string;
  /** Largest receipt/line discount this user may give without a manager's PIN, basis points. */
  maxDiscountBp: number;
  /** This user may approve discounts and prices above the limit (a manager). */
  canOverride: boolean;
  /** Kaspi QR is offered at the till. */
  kaspiQr?: boolean;
  /** Active promotions and preset discounts; `storeId` null: every store. */
  promotions?: (Promotion & { storeId: string | null })[];
  /** Category names in the owner's order (the quick keys are paged by them). */
  categories?: { id: string; name: string }[];
  [k: string]: unknown;
}

const DEFAULTS: PosConfig = { currency: 'KZT', cashRounding: 1, timeZone: 'UTC', maxDiscountBp: 10_000, canOverride: false };
const cache = new Map<string, { state: Ref<PosConfig>; loading: Promise<void> | null; loaded: boolean }>();

/** The config for this tenant and user (cached per both: the discount limit is the user's). */
export function usePosConfig(): Ref<PosConfig> {
  const atrium = useAtrium();
  const key = `${atrium.tenant()?.id ?? ''}:${atrium.user()?.id ?? ''}`;
  let entry = cache.get(key);
  if (!entry) cache.set(key, (entry = { state: ref({ ...DEFAULTS }), loading: null, loaded: false }));
  const e = entry;
  e.loading ??= atrium.http.get<PosConfig>('/api/pos/config').then((c) => { e.state.value = { ...DEFAULTS, ...c }; e.loaded = true; }).catch(() => { e.loading = null; });
  return e.state;
}

/** An offline till starts from the config it saved last time (the server's answer wins once it comes). */
export function seedPosConfig(state: Ref<PosConfig>, saved: Partial<PosConfig> | null | undefined): void {
  const e = [...cache.values()].find((x) => x.state === state);
  if (saved && e && !e.loaded) e.state.value = { ...DEFAULTS, ...saved };
}

/** Ask the server again (after settings changed). */
export function reloadPosConfig(): void {
  for (const e of cache.values()) e.loading = null;
}
