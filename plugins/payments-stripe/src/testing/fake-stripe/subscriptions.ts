// The fake's Billing: subscriptions, their invoices, and the customer portal (sessions and what a
// customer does there).
import { int, invalid, list, meta, req, str, sub, type DecodedForm, type Obj, type StripeStore } from './store.ts';
import { attachCard } from './catalog.ts';

export function subscriptionItems(st: StripeStore, items: DecodedForm[], account: string | null): Obj[] {
  return items.map((it, i) => {
    const price = it.price_data !== undefined ? inlinePrice(st, sub(it.price_data), `items[${i}][price_data]`, account) : st.get('price', req(it, 'price'), account);
    if (!price.recurring) throw invalid('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', `items[${i}][price]`);
    return { id: st.id('si'), object: 'subscription_item', price: st.view(price), quantity: int(it.quantity, `items[${i}][quantity]`) ?? 1 };
  });
}

/** `price_data` on a subscription item: Stripe creates an (inactive) recurring price under an existing product. */
export function inlinePrice(st: StripeStore, pd: DecodedForm, param: string, account: string | null): Obj {
  const product = st.get('product', req(pd, 'product'), account);
  const rec = sub(pd.recurring);
  if (!['day', 'week', 'month', 'year'].includes(String(rec.interval))) throw invalid(`Invalid ${param}[recurring][interval]`, `${param}[recurring][interval]`);
  const amount = int(pd.unit_amount, `${param}[unit_amount]`);
  if (amount === undefined) throw invalid(`Missing required param: ${param}[unit_amount].`, `${param}[unit_amount]`, 'parameter_missing');
  return st.put({
    id: st.id('price'), object: 'price', product: product.id, active: false, unit_amount: amount, currency: req(pd, 'currency').toLowerCase(),
    recurring: { interval: rec.interval, interval_count: int(rec.interval_count, `${param}[recurring][interval_count]`) ?? 1 }, metadata: {},
  }, account);
}

/** One billing period of the subscription's first item (fake: months are 30 days, years 365). */
export function periodSeconds(s: Obj): number {
  const rec = ((s.items as { data: Obj[] }).data[0]?.price as { recurring?: { interval: string; interval_count: number } }).recurring;
  const unit = { day: 86400, week: 7 * 86400, month: 30 * 86400, year: 365 * 86400 }[rec?.interval ?? 'month'] ?? 30 * 86400;
  return unit * (rec?.interval_count ?? 1);
}

export function createSubscription(st: StripeStore, p: DecodedForm, account: string | null): Obj {
  const customer = st.get('customer', req(p, 'customer'), account);
  const items = list(p.items);
  if (items.length === 0) throw invalid('Missing required param: items.', 'items', 'parameter_missing');
  const trialDays = int(p.trial_period_days, 'trial_period_days');
  const now = st.now();
  const s = st.put({
    id: st.id('sub'), object: 'subscription', customer: customer.id,
    status: trialDays ? 'trialing' : 'active',
    items: { object: 'list', data: subscriptionItems(st, items, account) },
    trial_end: trialDays ? now + trialDays * 86400 : null,
    cancel_at_period_end: false, canceled_at: null, default_payment_method: null as string | null, metadata: meta(p.metadata), created: now,
    current_period_start: now, current_period_end: now,
    _updates: [] as unknown[],
  }, account);
  s.current_period_end = trialDays ? Number(s.trial_end) : now + periodSeconds(s);
  st.event('customer.subscription.created', s, account);
  return s;
}

export function updateSubscription(st: StripeStore, id: string, p: DecodedForm, account: string | null): Obj {
  const s = st.get('subscription', id, account);
  if (s.status === 'canceled') throw invalid('A canceled subscription can only update its cancellation_details and metadata.', undefined, 'resource_missing');
  const current = (s.items as { data: Obj[] }).data;
  for (const [i, it] of list(p.items).entries()) {
    const itemId = str(it.id);
    if (itemId) {
      const existing = current.find((x) => x.id === itemId);
      if (!existing) throw invalid(`No such subscription item: '${itemId}'`, `items[${i}][id]`, 'resource_missing');
      if (it.deleted === 'true') current.splice(current.indexOf(existing), 1);
      if (it.price !== undefined || it.price_data !== undefined) {
        const next: DecodedForm = it.price_data !== undefined ? { price_data: it.price_data } : { price: it.price! };
        existing.price = subscriptionItems(st, [next], account)[0]!.price;
      }
      if (it.quantity !== undefined) existing.quantity = int(it.quantity, `items[${i}][quantity]`);
    } else {
      current.push(...subscriptionItems(st, [it], account));
    }
  }
  if (p.cancel_at_period_end !== undefined) s.cancel_at_period_end = p.cancel_at_period_end === 'true';
  if (p.metadata !== undefined) s.metadata = { ...(s.metadata as object), ...meta(p.metadata) };
  const proration = str(p.proration_behavior);
  if (proration !== undefined && !['create_prorations', 'none', 'always_invoice'].includes(proration)) throw invalid(`Invalid proration_behavior: ${proration}`, 'proration_behavior');
  // what each update asked for, so tests can see the plan change and its proration at "Stripe"
  (s._updates as unknown[]).push({ items: current.map((x) => (x.price as Obj).id), proration_behavior: proration ?? 'create_prorations', cancel_at_period_end: s.cancel_at_period_end });
  st.event('customer.subscription.updated', s, account);
  return s;
}

export function cancelSubscription(st: StripeStore, id: string, account: string | null): Obj {
  const s = st.get('subscription', id, account);
  if (s.status === 'canceled') throw invalid(`No such subscription: '${id}'`, 'id', 'resource_missing');
  s.status = 'canceled';
  s.canceled_at = st.now();
  st.event('customer.subscription.deleted', s, account);
  return s;
}

/**
 * The subscription's next invoice is attempted: paid → `active` and `invoice.paid`; failed → `past_due` and
 * `invoice.payment_failed` (what Stripe does at trial end or renewal with a working or failing card).
 */
export function attemptSubscriptionInvoice(st: StripeStore, subscriptionId: string, outcome: 'paid' | 'failed', options: { account?: string } = {}): { invoice: Obj; subscription: Obj } {
  const account = options.account ?? null;
  const s = st.get('subscription', subscriptionId, account);
  if (s.status === 'canceled') throw new Error(`Subscription ${subscriptionId} is canceled`);
  const item = (s.items as { data: Obj[] }).data[0]!;
  const price = item.price as Obj;
  if (outcome === 'paid') {
    const start = Math.max(st.now(), Number(s.current_period_end));
    Object.assign(s, { status: 'active', trial_end: s.status === 'trialing' ? st.now() : s.trial_end, current_period_start: start, current_period_end: start + periodSeconds(s) });
  } else {
    s.status = 'past_due';
  }
  const invoice = createInvoice(st, s, Number(price.unit_amount) * Number(item.quantity), outcome, account);
  st.event('customer.subscription.updated', s, account);
  return { invoice, subscription: s };
}

/** The period ends: a subscription set to cancel at period end is canceled (`customer.subscription.deleted`). */
export function endSubscriptionPeriod(st: StripeStore, subscriptionId: string, options: { account?: string } = {}): Obj {
  const account = options.account ?? null;
  const s = st.get('subscription', subscriptionId, account);
  if (!s.cancel_at_period_end) throw new Error(`Subscription ${subscriptionId} is not set to cancel at period end`);
  return cancelSubscription(st, subscriptionId, account);
}

/** An invoice of the subscription (API 2025-02-24 shape: `subscription` and `subscription_details.metadata`). */
export function createInvoice(st: StripeStore, s: Obj, amount: number, outcome: 'paid' | 'failed', account: string | null): Obj {
  const price = (s.items as { data: Obj[] }).data[0]!.price as Obj;
  const invoice = st.put({
    id: st.id('in'), object: 'invoice', customer: s.customer, subscription: s.id, currency: price.currency,
    subscription_details: { metadata: { ...(s.metadata as object) } },
    amount_due: amount, amount_paid: outcome === 'paid' ? amount : 0,
    status: outcome === 'paid' ? 'paid' : 'open', attempt_count: 1, created: st.now(), metadata: {},
    hosted_invoice_url: `${st.baseUrl}/invoices/${s.id}`,
  }, account);
  st.event(outcome === 'paid' ? 'invoice.paid' : 'invoice.payment_failed', invoice, account);
  return invoice;
}

export function createPortalSession(st: StripeStore, p: DecodedForm, account: string | null): Obj {
  const customer = st.get('customer', req(p, 'customer'), account);
  const returnUrl = str(p.return_url);
  if (returnUrl !== undefined && !/^https?:\/\//.test(returnUrl)) throw invalid('Invalid URL: return_url', 'return_url', 'url_invalid');
  const configuration = str(p.configuration);
  if (configuration !== undefined && !configuration.startsWith('bpc_')) throw invalid(`No such configuration: '${configuration}'`, 'configuration', 'resource_missing');
  // a configuration made in the dashboard has a default return URL; the account default here has none
  if (returnUrl === undefined && configuration === undefined) throw invalid('Missing required param: return_url.', 'return_url', 'parameter_missing');
  const flow = p.flow_data === undefined ? null : sub(p.flow_data);
  if (flow) {
    const type = req(flow, 'type');
    if (!['payment_method_update', 'subscription_cancel', 'subscription_update', 'subscription_update_confirm'].includes(type)) throw invalid(`Invalid flow_data[type]: ${type}`, 'flow_data[type]');
    if (type === 'subscription_cancel') {
      const subId = str(sub(flow.subscription_cancel).subscription);
      if (!subId) throw invalid('Missing required param: flow_data[subscription_cancel][subscription].', 'flow_data[subscription_cancel][subscription]', 'parameter_missing');
      const target = st.get('subscription', subId, account);
      if (target.customer !== customer.id) throw invalid('The subscription does not belong to this customer.', 'flow_data[subscription_cancel][subscription]');
    }
  }
  const id = st.id('bps');
  return st.put({
    id, object: 'billing_portal.session', customer: customer.id, url: `${st.baseUrl}/billing_portal/${id}`, return_url: returnUrl ?? null,
    configuration: configuration ?? 'bpc_default', flow: flow ? { type: flow.type } : null, locale: str(p.locale) ?? null, created: st.now(), livemode: false,
  }, account);
}

export function portalSession(st: StripeStore, id: string, account: string | null): Obj {
  return st.get('billing_portal.session', id, account);
}

/** In the portal, the customer replaces its card (becomes the default for the subscription's invoices). */
export function portalUpdatePaymentMethod(st: StripeStore, portalSessionId: string, options: { account?: string } = {}): Obj {
  const account = options.account ?? null;
  const ps = portalSession(st, portalSessionId, account);
  const pm = attachCard(st, String(ps.customer), account);
  for (const o of st.objects.values()) {
    if (o.object === 'subscription' && o.customer === ps.customer && o.status !== 'canceled' && (o._account ?? null) === account) {
      o.default_payment_method = pm.id;
      st.event('customer.subscription.updated', o, account);
    }
  }
  return pm;
}

/** In the portal, the customer cancels (the portal's default: at the end of the period). */
export function portalCancelSubscription(st: StripeStore, portalSessionId: string, subscriptionId: string, options: { account?: string; immediately?: boolean } = {}): Obj {
  const account = options.account ?? null;
  const ps = portalSession(st, portalSessionId, account);
  const s = st.get('subscription', subscriptionId, account);
  if (s.customer !== ps.customer) throw new Error(`Subscription ${subscriptionId} is not the portal customer's`);
  if (options.immediately) return cancelSubscription(st, subscriptionId, account);
  s.cancel_at_period_end = true;
  st.event('customer.subscription.updated', s, account);
  return s;
}
