import { UnprocessableError, type RequestContext } from '@atrium/sdk';
import { defaultCashRounding } from './money.ts';
import { zoneFormat } from './zone-format.ts';

/** The tenant's POS settings (atrium.plugin.json `settings`), with the manifest's defaults applied. */
export type PosSettings = {
  currency: string;
  cashierRefundLimit: number;
  loyaltyEarnBp: number;
  loyaltyMaxRedeemBp: number;
  fiscalMode: 'off' | 'hook';
  lowStockAlertEmail?: string;
  publicBaseUrl?: string;
  /** Overrides the tenant's time zone for the POS; unset: the tenant's. */
  timeZone?: string;
  /** Cash is paid to this many minor units (the smallest coin); unset: the currency's (KZT whole tenge). */
  cashRounding?: number;
  /** Kaspi QR at the till (through the payments core and its Kaspi provider). */
  kaspiQr?: boolean;
  /** The largest manual discount without a manager, basis points: `default`, and per role. */
  discountLimits?: { default?: number; roles?: Record<string, number> };
};

export const DEFAULT_SETTINGS: PosSettings = {
  currency: 'KZT',
  cashierRefundLimit: 2_000_000,
  loyaltyEarnBp: 100,
  loyaltyMaxRedeemBp: 5000,
  fiscalMode: 'off',
};

/** Minor units cash is rounded to in this shop. */
export function cashRoundingOf(settings: PosSettings): number {
  return settings.cashRounding ?? defaultCashRounding(settings.currency);
}

export async function posSettings(ctx: RequestContext): Promise<PosSettings> {
  const s = await ctx.settings<Partial<PosSettings>>();
  return { ...DEFAULT_SETTINGS, ...Object.fromEntries(Object.entries(s ?? {}).filter(([, v]) => v !== undefined && v !== null)) } as PosSettings;
}

/**
 * The zone receipts, shifts, reports and "today" are in: the POS setting `timeZone` when the shop
 * set one, else the tenant's (chosen at sign-up from the owner's browser). Intl screens out names
 * that are no zone before they reach SQL or a receipt.
 */
export async function posTimeZone(ctx: RequestContext): Promise<string> {
  const own = (await ctx.settings<{ timeZone?: string }>())?.timeZone;
  const timeZone = own || (await ctx.tenant()).timeZone || 'UTC';
  try {
    zoneFormat('clock', timeZone);
  } catch {
    throw new UnprocessableError(`The POS setting timeZone "${timeZone}" is not a known time zone`, 'TIME_ZONE_INVALID', { field: 'settings.timeZone' });
  }
  return timeZone;
}

export type StoreSettings = { storeId: string; name: string; allowNegativeStock: boolean; receiptHeader: string[]; receiptFooter: string[] };

/** POS settings of one store; a store the POS has not configured yet gets the defaults. */
export async function storeSettings(ctx: RequestContext, storeId: string): Promise<StoreSettings | null> {
  const [r] = await ctx.em.execute(
    'select store_id, name, allow_negative_stock, receipt_header, receipt_footer from pos.store_settings where store_id = ?',
    [storeId],
  );
  if (!r) return null;
  return { storeId: r.store_id, name: r.name, allowNegativeStock: r.allow_negative_stock, receiptHeader: r.receipt_header ?? [], receiptFooter: r.receipt_footer ?? [] };
}

/** The tenant's POS currency, for the money in error messages (`{amount, money}` needs it). */
export async function currencyOf(ctx: RequestContext): Promise<string> {
  return (await posSettings(ctx)).currency;
}
