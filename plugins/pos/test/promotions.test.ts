import { describe, expect, it } from 'vitest';
import { priceCart } from '../src/domain/pricing.ts';
import { applyPromotions, inHappyHour, localMoment, type Promotion } from '../src/domain/promotions.ts';

/** Promotions in the shared pricing module (issue 13): what the till shows is what the server stores. */
const line = (productId: string, qtyMilli: number, unitPrice: number, extra: Record<string, unknown> = {}) => ({ productId, name: productId, qtyMilli, unitPrice, taxBp: 0, taxIncluded: true, ...extra });
const MON_10 = { weekday: 1, minutes: 10 * 60 };

describe('promotions (pure)', () => {
  it('3 for 2: every third piece free, per product, over several lines; not for weighed goods', () => {
    const three: Promotion = { id: 'p3', name: '3 по цене 2', rule: { kind: 'n_for_m', buy: 3, pay: 2, productIds: ['cola'] } };
    const r = priceCart({ lines: [line('cola', 2000, 300_00), line('cola', 2000, 300_00), line('bread', 1000, 150_00)], promotions: [three], at: MON_10 });
    // 4 colas: one free (300.00), spread over the two lines of two
    expect(r.lines.map((l) => [l.promoDiscount, l.promotionId])).toEqual([[150_00, 'p3'], [150_00, 'p3'], [0, null]]);
    expect(r.total).toBe(4 * 300_00 + 150_00 - 300_00);
    expect(r.discountTotal).toBe(300_00);
    const kg = applyPromotions([{ productId: 'cola', qtyMilli: 3000, unitPrice: 100, unit: 'kg' }], [three], MON_10);
    expect(kg[0].amount).toBe(0);
  });

  it('% off a category; the best promotion per line wins; a manual line discount applies on what is left', () => {
    const dairy: Promotion = { id: 'd', name: 'Молочное −10 %', rule: { kind: 'percent', bp: 1000, categoryIds: ['dairy'] } };
    const all5: Promotion = { id: 'a', name: 'Всё −5 %', rule: { kind: 'percent', bp: 500 } };
    const r = priceCart({ lines: [line('milk', 1000, 1000_00, { categoryId: 'dairy', discount: { bp: 1000 } }), line('tea', 1000, 1000_00, { categoryId: 'tea' })], promotions: [dairy, all5], at: MON_10 });
    expect(r.lines.map((l) => [l.promotionId, l.promoDiscount, l.lineDiscount])).toEqual([['d', 100_00, 90_00], ['a', 50_00, 0]]);
    expect(r.total).toBe(810_00 + 950_00);
  });

  it('happy hour: only inside its hours and days, on the shop\'s clock; a window past midnight counts from its start day', () => {
    const hh: Promotion = { id: 'h', name: 'Счастливый час', rule: { kind: 'happy_hour', bp: 2000, days: [1, 2, 3, 4, 5], from: '17:00', to: '19:00', categoryIds: ['coffee'] } };
    const coffee = [line('latte', 1000, 900_00, { categoryId: 'coffee' })];
    expect(priceCart({ lines: coffee, promotions: [hh], at: { weekday: 1, minutes: 17 * 60 + 30 } }).total).toBe(720_00);
    expect(priceCart({ lines: coffee, promotions: [hh], at: { weekday: 1, minutes: 19 * 60 } }).total).toBe(900_00);
    expect(priceCart({ lines: coffee, promotions: [hh], at: { weekday: 6, minutes: 17 * 60 + 30 } }).total).toBe(900_00);
    const night = { days: [5], from: '22:00', to: '02:00' };
    expect(inHappyHour(night, { weekday: 5, minutes: 23 * 60 })).toBe(true);
    expect(inHappyHour(night, { weekday: 6, minutes: 60 })).toBe(true);
    expect(inHappyHour(night, { weekday: 6, minutes: 23 * 60 })).toBe(false);
    // Almaty is UTC+5: 12:30 UTC on a Monday is 17:30 there
    expect(localMoment(new Date('2026-12-07T12:30:00Z'), 'Asia/Almaty')).toEqual({ weekday: 1, minutes: 17 * 60 + 30, date: '2026-12-07' });
  });

  it('dates count on the shop\'s calendar: 20:00 UTC on the 7th is already the 8th in Almaty', () => {
    const xmas: Promotion = { id: 'x', name: 'Только 8-го', rule: { kind: 'percent', bp: 1000 }, validFrom: '2026-12-08', validTo: '2026-12-08' };
    const lines = [line('tea', 1000, 1000_00)];
    const at = (iso: string, zone: string) => localMoment(new Date(iso), zone);
    expect(priceCart({ lines, promotions: [xmas], at: at('2026-12-07T20:00:00Z', 'Asia/Almaty') }).total).toBe(900_00);
    expect(priceCart({ lines, promotions: [xmas], at: at('2026-12-07T20:00:00Z', 'UTC') }).total).toBe(1000_00);
    expect(priceCart({ lines, promotions: [xmas], at: at('2026-12-08T19:30:00Z', 'Asia/Almaty') }).total).toBe(1000_00);
  });

  it('an offline till\'s own promotion discount is taken as it is when given', () => {
    const r = priceCart({ lines: [line('cola', 3000, 300_00, { promo: { amount: 300_00, promotionId: 'old' } })], promotions: [], at: MON_10 });
    expect(r.lines[0]).toMatchObject({ promoDiscount: 300_00, promotionId: 'old' });
  });
});
