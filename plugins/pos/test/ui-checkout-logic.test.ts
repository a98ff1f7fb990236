import { reactive } from 'vue';
import { describe, expect, it } from 'vitest';
import { priceCart } from '../src/domain/pricing.ts';
import { isValidEan13, parseWeightBarcode } from '../ui/src/lib/barcode.ts';
import { addProduct, buildSalePayload, emptyCart, parkedCart, priceOf, quickKeyPages, remaining, restoreCart, setLineDiscount, stepQty } from '../ui/src/lib/cart.ts';
import { formatQty, minorToInput, parseMoney, parsePercentBp, parseQty } from '../ui/src/lib/money.ts';
import type { CatalogProduct, Customer } from '../ui/src/lib/types.ts';

const milk: CatalogProduct = { id: 'milk', sku: 'MILK', name: 'Молоко', unit: 'pcs', price: 45000, taxBp: 1200, taxIncluded: true, barcodes: [] };
const cheese: CatalogProduct = { id: 'cheese', sku: 'CH', name: 'Сыр', unit: 'kg', price: 450000, taxBp: 1200, taxIncluded: true, barcodes: [] };

describe('checkout cart', () => {
  it('adds pieces onto one line, weighed labels on their own lines; +/- steps; totals from the shared pricing', () => {
    let cart = addProduct(emptyCart(), milk);
    cart = addProduct(cart, milk);
    cart = addProduct(cart, cheese, 250, cheese.price, { weighed: true });
    cart = addProduct(cart, cheese, 300, cheese.price, { weighed: true });
    expect(cart.lines.map((l) => [l.product.id, l.qtyMilli])).toEqual([['milk', 2000], ['cheese', 250], ['cheese', 300]]);
    const milkKey = cart.lines[0].key;
    cart = stepQty(cart, milkKey, 1);
    expect(cart.lines[0].qtyMilli).toBe(3000);
    cart = stepQty(cart, cart.lines[1].key, -1); // 0.25 kg − 0.1 kg
    expect(cart.lines[1].qtyMilli).toBe(150);
    cart = stepQty(stepQty(stepQty(cart, milkKey, -1), milkKey, -1), milkKey, -1);
    expect(cart.lines.map((l) => l.product.id)).toEqual(['cheese', 'cheese']);

    const p = priceOf(cart);
    // 0.15 × 4500.00 + 0.30 × 4500.00 = 675.00 + 1350.00
    expect(p.total).toBe(67500 + 135000);
    expect(p).toEqual(priceCart({ lines: cart.lines.map((l) => ({ productId: l.product.id, name: l.product.name, qtyMilli: l.qtyMilli, unitPrice: l.unitPrice, taxBp: 1200, taxIncluded: true, categoryId: null, unit: l.product.unit })), groupDiscountBp: 0 }));
  });

  it('line, receipt and customer-group discounts; the payload carries prices, ids and the expected total', () => {
    const customer: Customer = { id: 'c1', name: 'Айгерим', creditLimit: 0, balance: 0, points: 0, group: { id: 'g', name: 'VIP', discountBp: 500 } };
    let cart = addProduct(addProduct(emptyCart(), milk, 2000), cheese, 1000, cheese.price, { weighed: true });
    cart = setLineDiscount(cart, cart.lines[0].key, { bp: 1000 });
    cart = { ...cart, customer };
    const p = priceOf(cart);
    // milk 900.00 − 10 % = 810.00; cheese 4500.00; group 5 % of 5310.00 = 265.50
    expect(p.subtotal).toBe(540000);
    expect(p.discountTotal).toBe(9000 + 26550);
    expect(p.total).toBe(540000 - 35550);
    const body = buildSalePayload(cart, { id: 'id-1', registerId: 'r', payments: [{ method: 'cash', amount: p.total, tendered: 600000 }], offline: true, now: new Date('2026-01-02T03:04:05Z') });
    expect(body).toEqual({
      id: 'id-1', registerId: 'r', customerId: 'c1',
      // offline, each line names the promotion the till applied (none here)
      lines: [{ productId: 'milk', qtyMilli: 2000, unitPrice: 45000, discount: { bp: 1000 }, promotionId: null, promoDiscount: 0 }, { productId: 'cheese', qtyMilli: 1000, unitPrice: 450000, promotionId: null, promoDiscount: 0 }],
      payments: [{ method: 'cash', amount: p.total, tendered: 600000 }],
      clientCreatedAt: '2026-01-02T03:04:05.000Z', offline: true, expectedTotal: p.total,
    });
    // an explicit receipt discount replaces the group's
    expect(priceOf({ ...cart, discount: { amount: 10000 } }).discountTotal).toBe(9000 + 10000);
    expect(remaining(1000, [{ amount: 300 }, { amount: 200 }])).toBe(500);
    expect(remaining(1000, [{ amount: 1300 }])).toBe(0);
  });

  it('quick keys come in pages by category, in the owner\'s category order; keys without a known category last; one page needs no tabs', () => {
    const k = (id: string, categoryId: string | null) => ({ id, categoryId });
    const keys = [k('cola', 'drinks'), k('bread', 'bakery'), k('tea', 'drinks'), k('bag', null), k('old', 'deleted')];
    const pages = quickKeyPages(keys, [{ id: 'bakery', name: 'Выпечка' }, { id: 'drinks', name: 'Напитки' }, { id: 'empty', name: 'Пусто' }]);
    expect(pages.map((p) => [p.name, p.keys.map((x) => x.id)])).toEqual([['Выпечка', ['bread']], ['Напитки', ['cola', 'tea']], [null, ['bag', 'old']]]);
    expect(quickKeyPages([k('cola', 'drinks')], [{ id: 'drinks', name: 'Напитки' }])).toHaveLength(1);
    expect(quickKeyPages([], [{ id: 'drinks', name: 'Напитки' }])).toEqual([]);
  });

  it('the payload of a reactive cart with discounts is plain data IndexedDB can store (a Vue proxy is not)', () => {
    const cart = reactive(setLineDiscount({ ...addProduct(emptyCart(), milk, 2000), discount: { bp: 500 } }, '', undefined));
    cart.lines[0].discount = { amount: 100 };
    expect(() => structuredClone(cart.discount)).toThrow();
    const body = buildSalePayload(cart as any, { id: 'id-4', registerId: 'r', payments: [{ method: 'card', amount: 1 }], offline: false });
    expect(() => structuredClone(body)).not.toThrow();
    expect(body).toMatchObject({ discount: { bp: 500 }, lines: [{ discount: { amount: 100 } }] });
  });

  it('a parked cart comes back the same (lines, discounts, customer), priced with this till\'s rules', () => {
    const customer: Customer = { id: 'c1', name: 'Айгерим', creditLimit: 0, balance: 0, points: 0 };
    let cart = addProduct(addProduct(emptyCart(), milk, 2000), cheese, 250, cheese.price, { weighed: true });
    cart = { ...setLineDiscount(cart, cart.lines[0].key, { bp: 500 }), discount: { amount: 1000 }, customer };
    const stored = JSON.parse(JSON.stringify(parkedCart(cart)));
    expect(stored).not.toHaveProperty('rules');
    const rules = { timeZone: 'UTC', promotions: [{ id: 'm', name: '−10 %', rule: { kind: 'percent' as const, bp: 1000, productIds: ['milk'] } }] };
    const back = restoreCart(stored, rules);
    expect(back.lines.map((l) => [l.product.id, l.qtyMilli, l.unitPrice, l.discount])).toEqual(cart.lines.map((l) => [l.product.id, l.qtyMilli, l.unitPrice, l.discount]));
    expect(back.lines.every((l, i) => l.key !== cart.lines[i].key)).toBe(true);
    expect(back).toMatchObject({ discount: { amount: 1000 }, customer: { id: 'c1' }, rules });
    // the same cart as before, plus this till's promotion on the milk
    expect(priceOf(back).subtotal).toBe(priceOf(cart).subtotal);
    expect(priceOf(back).lines[0].promotionId).toBe('m');
    expect(restoreCart({ lines: [{ qtyMilli: 1000 }, null] })).toMatchObject({ lines: [] });
  });

  it('the till prices the shop\'s promotions on the shop\'s clock, as the server does; an offline sale carries them', () => {
    const coffee: CatalogProduct = { ...milk, id: 'latte', name: 'Латте', price: 90000, categoryId: 'coffee' };
    const rules = {
      timeZone: 'Asia/Almaty',
      promotions: [
        { id: 'hh', name: 'Счастливый час', rule: { kind: 'happy_hour' as const, bp: 2000, days: [1], from: '17:00', to: '19:00', categoryIds: ['coffee'] } },
        { id: 'm3', name: '3 по цене 2', rule: { kind: 'n_for_m' as const, buy: 3, pay: 2, productIds: ['milk'] } },
      ],
    };
    const cart = addProduct(addProduct(emptyCart(rules), coffee), milk, 3000);
    // Monday 12:30 UTC = 17:30 in Almaty: the happy hour is on; one milk of three is free
    const monday = new Date('2026-12-07T12:30:00Z');
    const p = priceOf(cart, monday);
    expect(p.lines.map((l) => [l.promotionId, l.promoDiscount])).toEqual([['hh', 18000], ['m3', 45000]]);
    expect(p.total).toBe(72000 + 90000);
    // 14:30 UTC = 19:30 there: over
    expect(priceOf(cart, new Date('2026-12-07T14:30:00Z')).lines[0].promoDiscount).toBe(0);
    const body = buildSalePayload(cart, { id: 'id-2', registerId: 'r', payments: [{ method: 'card', amount: p.total }], offline: true, now: monday });
    expect(body.lines.map((l) => [l.promotionId, l.promoDiscount])).toEqual([['hh', 18000], ['m3', 45000]]);
    expect(body.expectedTotal).toBe(p.total);
    // online the server applies them itself: the lines carry no promotion
    expect(buildSalePayload(cart, { id: 'id-3', registerId: 'r', payments: [], offline: false, now: monday }).lines[0]).not.toHaveProperty('promotionId');
  });
});

describe('typed money and quantities', () => {
  it('parses both decimal separators and the currency digits', () => {
    expect(parseMoney('1 250,5', 'KZT')).toBe(125050);
    expect(parseMoney('1250.50', 'UAH')).toBe(125050);
    expect(parseMoney('12.345', 'RUB')).toBeNull();
    expect(parseMoney('-5', 'KZT')).toBeNull();
    expect(parseMoney('abc', 'KZT')).toBeNull();
    expect(parseMoney('500', 'JPY')).toBe(500);
    expect(minorToInput(125050, 'KZT')).toBe('1250.50');
    expect(parseQty('0,25', 'kg')).toBe(250);
    expect(parseQty('2', 'pcs')).toBe(2000);
    expect(parseQty('1.5', 'pcs')).toBeNull();
    expect(parseQty('0', 'kg')).toBeNull();
    expect(formatQty(1250, 'en')).toBe('1.25');
    expect(parsePercentBp('12,5')).toBe(1250);
    expect(parsePercentBp('101')).toBeNull();
  });

  it('reads weight labels (EAN-13 20–29) and checks the check digit', () => {
    expect(isValidEan13('4006381333931')).toBe(true);
    expect(isValidEan13('4006381333932')).toBe(false);
    expect(parseWeightBarcode('2112345012506')).toEqual({ prefix: '2112345', qtyMilli: 1250 });
    expect(parseWeightBarcode('4006381333931')).toBeNull();
  });
});
