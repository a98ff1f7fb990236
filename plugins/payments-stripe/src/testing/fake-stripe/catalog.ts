// The fake's catalogue and customers: products, prices (and inline ones), customers, cards.
import { int, invalid, list, meta, req, str, sub, type DecodedForm, type Obj, type StripeStore } from './store.ts';

export function createProduct(st: StripeStore, p: DecodedForm, account: string | null): Obj {
  const own = str(p.id);
  if (own !== undefined && st.objects.has(own)) throw invalid(`Product already exists.`, 'id', 'resource_already_exists');
  return st.put({ id: own ?? st.id('prod'), object: 'product', name: req(p, 'name'), active: true, metadata: meta(p.metadata), created: st.now() }, account);
}

export function createPrice(st: StripeStore, p: DecodedForm, account: string | null): Obj {
  const product = st.get('product', req(p, 'product'), account);
  const rec = p.recurring === undefined ? null : sub(p.recurring);
  if (rec && !['day', 'week', 'month', 'year'].includes(String(rec.interval))) throw invalid('Invalid recurring[interval]', 'recurring[interval]');
  return st.put({
    id: st.id('price'), object: 'price', product: product.id, active: true,
    unit_amount: int(p.unit_amount, 'unit_amount') ?? (() => { throw invalid('Missing required param: unit_amount.', 'unit_amount', 'parameter_missing'); })(),
    currency: req(p, 'currency').toLowerCase(),
    recurring: rec ? { interval: rec.interval, interval_count: int(rec.interval_count, 'recurring[interval_count]') ?? 1 } : null,
    metadata: meta(p.metadata),
  }, account);
}

export function createCustomer(st: StripeStore, p: DecodedForm, account: string | null): Obj {
  return st.put({ id: st.id('cus'), object: 'customer', email: str(p.email) ?? null, name: str(p.name) ?? null, metadata: meta(p.metadata), invoice_settings: { default_payment_method: null }, created: st.now() }, account);
}

/** Resolves line_items into { amount, currency, recurring } lines, creating inline prices. */
export function lineItems(st: StripeStore, p: DecodedForm, account: string | null): { price: Obj; quantity: number }[] {
  const items = list(p.line_items);
  if (items.length === 0) throw invalid('Missing required param: line_items.', 'line_items', 'parameter_missing');
  return items.map((item, i) => {
    const quantity = int(item.quantity, `line_items[${i}][quantity]`) ?? 1;
    if (quantity < 1) throw invalid('quantity must be at least 1', `line_items[${i}][quantity]`);
    if (item.price !== undefined) return { price: st.get('price', String(item.price), account), quantity };
    const pd = sub(item.price_data);
    const amount = int(pd.unit_amount, `line_items[${i}][price_data][unit_amount]`);
    if (amount === undefined || pd.currency === undefined) throw invalid('price or price_data required', `line_items[${i}]`, 'parameter_missing');
    const productName = str(sub(pd.product_data).name) ?? 'Item';
    if (pd.product !== undefined && pd.product_data !== undefined) throw invalid('You may only specify one of these parameters: product, product_data.', `line_items[${i}][price_data][product]`);
    const product = str(pd.product) ? st.get('product', str(pd.product)!, account) : createProduct(st, { name: productName }, account);
    const rec = pd.recurring === undefined ? null : sub(pd.recurring);
    if (rec && !['day', 'week', 'month', 'year'].includes(String(rec.interval))) throw invalid(`Invalid line_items[${i}][price_data][recurring][interval]`, `line_items[${i}][price_data][recurring][interval]`);
    const price = st.put({ id: st.id('price'), object: 'price', product: product.id, active: false, unit_amount: amount, currency: String(pd.currency).toLowerCase(), recurring: rec ? { interval: rec.interval, interval_count: int(rec.interval_count, `line_items[${i}][price_data][recurring][interval_count]`) ?? 1 } : null, metadata: {} }, account);
    return { price, quantity };
  });
}

export function attachCard(st: StripeStore, customerId: string, account: string | null): Obj {
  const customer = st.get('customer', customerId, account);
  const pm = st.put({ id: st.id('pm'), object: 'payment_method', type: 'card', customer: customer.id, card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2034 }, created: st.now() }, account);
  customer.invoice_settings = { default_payment_method: pm.id };
  st.event('payment_method.attached', pm, account);
  st.event('customer.updated', customer, account);
  return pm;
}
