import { defineAction, defineService, Type } from '@atrium/sdk';
import { discountLimitBp, NO_LIMIT_BP } from '../domain/sale-rules.ts';
import { cashRoundingOf, posSettings, posTimeZone } from '../domain/settings.ts';

/**
 * `GET /api/pos/config`: what the POS screens need to know about the shop and the signed-in user —
 * readable by every POS role (the plugin's settings are not): currency and the smallest coin cash
 * is rounded to, the shop's time zone, this user's discount limit and whether they may approve
 * beyond it, and the active promotions and preset discounts (the till prices with them, and keeps
 * them for offline sales; each names its store, or none for every store), and the category names
 * (the till's quick keys are paged by category, offline too).
 */
export const configService = defineService({
  name: 'config',
  actions: {
    get: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Store'],
      summary: 'Currency, cash rounding, time zone, the caller\'s discount limit and the active promotions, for the POS screens',
      params: Type.Object({}, { additionalProperties: false }),
      async handler(ctx) {
        const settings = await posSettings(ctx);
        const canOverride = ctx.can('overrideDiscount', 'pos.Sale');
        return {
          currency: settings.currency,
          cashRounding: cashRoundingOf(settings),
          timeZone: await posTimeZone(ctx),
          maxDiscountBp: discountLimitBp(settings, ctx.user?.roles ?? [], canOverride),
          canOverride: canOverride && discountLimitBp(settings, ctx.user?.roles ?? [], canOverride) === NO_LIMIT_BP,
          loyaltyEarnBp: settings.loyaltyEarnBp,
          loyaltyMaxRedeemBp: settings.loyaltyMaxRedeemBp,
          kaspiQr: !!settings.kaspiQr,
          promotions: (await ctx.em.execute(`select id, name, rule, store_id, valid_from::text as valid_from, valid_to::text as valid_to from pos.promotion where active order by lower(name), id limit 500`))
            .map((r: any) => ({ id: r.id as string, name: r.name as string, rule: r.rule, storeId: r.store_id as string | null, validFrom: r.valid_from as string | null, validTo: r.valid_to as string | null })),
          categories: (await ctx.em.execute('select id, name from pos.category order by sort, lower(name), id limit 1000')).map((r: any) => ({ id: r.id as string, name: r.name as string })),
        };
      },
    }),
  },
});
