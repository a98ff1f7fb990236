import { defineAction, defineService, Type } from '@atrium/sdk';
import { discountLimitBp, NO_LIMIT_BP } from '../domain/sale-rules.ts';
import { cashRoundingOf, posSettings, posTimeZone } from '../domain/settings.ts';

/**
 * `GET /api/pos/config`: what the POS screens need to know about the shop and the signed-in user —
 * readable by every POS role (the plugin's settings are not): currency and the smallest coin cash
 * is rounded to, the shop's time zone, this user's discount limit and whether they may approve
 * beyond it.
 */
export const configService = defineService({
  name: 'config',
  actions: {
    get: defineAction({
      rest: 'GET /',
      permission: ['read', 'pos.Store'],
      summary: 'Currency, cash rounding, time zone and the caller\'s discount limit, for the POS screens',
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
        };
      },
    }),
  },
});
