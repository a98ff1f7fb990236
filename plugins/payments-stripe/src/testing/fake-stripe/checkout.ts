// The fake's Payment Links and Checkout Sessions (payment and subscription mode), and the payer's
// side of them (what a customer does on Stripe's hosted pages).
import { int, invalid, meta, req, str, sub, type DecodedForm, type Obj, type StripeStore } from './store.ts';
import { attachCard, createCustomer, lineItems } from './catalog.ts';
import { createSubscription, createInvoice } from './subscriptions.ts';

export function createPaymentLink(st: StripeStore, p: DecodedForm, account: string | null): Obj {
  const lines = lineItems(st, p, account);
  const id = st.id('plink');
  return st.put({
    id, object: 'payment_link', active: true, url: `${st.baseUrl}/pay/${id}`, metadata: meta(p.metadata),
    _lines: lines.map((l) => ({ price: l.price.id, quantity: l.quantity })),
    _fee: int(p.application_fee_amount, 'application_fee_amount') ?? null,
  }, account);
}

export function createSession(st: StripeStore, p: DecodedForm, account: string | null, link: Obj | null): Obj {
  const mode = link ? 'payment' : req(p, 'mode');
  if (!['payment', 'subscription'].includes(mode)) throw invalid(`Invalid mode: ${mode}`, 'mode');
  if (!link) req(p, 'success_url');
  const lines = link
    ? (link._lines as { price: string; quantity: number }[]).map((l) => ({ price: st.get('price', l.price, account), quantity: l.quantity }))
    : lineItems(st, p, account);
  const currency = String(lines[0]!.price.currency);
  if (lines.some((l) => l.price.currency !== currency)) throw invalid('All line items must use the same currency', 'line_items');
  if (mode === 'subscription' && lines.some((l) => !l.price.recurring)) throw invalid('subscription mode needs recurring prices', 'line_items');
  if (mode === 'payment' && lines.some((l) => l.price.recurring)) throw invalid('payment mode needs one-time prices', 'line_items');
  const now = st.now();
  const expiresAt = int(p.expires_at, 'expires_at') ?? now + 24 * 3600;
  if (expiresAt < now + 30 * 60 || expiresAt > now + 24 * 3600) {
    throw invalid('expires_at must be between 30 minutes and 24 hours from now', 'expires_at');
  }
  const pid = sub(p.payment_intent_data);
  const sd = sub(p.subscription_data);
  if (mode === 'subscription' && p.payment_intent_data !== undefined) throw invalid('You can not pass `payment_intent_data` in `subscription` mode.', 'payment_intent_data');
  if (mode === 'payment' && p.subscription_data !== undefined) throw invalid('You can not pass `subscription_data` in `payment` mode.', 'subscription_data');
  if (p.customer !== undefined && p.customer_email !== undefined) throw invalid('You may only specify one of these parameters: customer, customer_email.', 'customer_email');
  if (p.customer !== undefined) st.get('customer', req(p, 'customer'), account);
  const trial = int(sd.trial_period_days, 'subscription_data[trial_period_days]');
  if (trial !== undefined && trial < 1) throw invalid('subscription_data[trial_period_days] must be at least 1', 'subscription_data[trial_period_days]');
  const pmc = str(p.payment_method_collection) ?? 'always';
  if (!['always', 'if_required'].includes(pmc)) throw invalid(`Invalid payment_method_collection: ${pmc}`, 'payment_method_collection');
  if (mode === 'payment' && p.payment_method_collection !== undefined && pmc !== 'always') throw invalid('payment_method_collection=if_required is only for subscription mode', 'payment_method_collection');
  const id = st.id('cs_test');
  return st.put({
    id, object: 'checkout.session', mode, status: 'open', payment_status: 'unpaid',
    url: `${st.baseUrl}/checkout/${id}`,
    amount_total: lines.reduce((s, l) => s + Number(l.price.unit_amount) * l.quantity, 0),
    currency, payment_intent: null, payment_link: link?.id ?? null, subscription: null,
    customer: str(p.customer) ?? null, client_reference_id: str(p.client_reference_id) ?? null,
    expires_at: expiresAt, metadata: link ? { ...(link.metadata as object) } : meta(p.metadata), created: now,
    _lines: lines.map((l) => ({ price: l.price.id, quantity: l.quantity })),
    _capture: str(pid.capture_method) ?? 'automatic',
    _fee: link ? link._fee : (int(pid.application_fee_amount, 'payment_intent_data[application_fee_amount]') ?? null),
    _trial: trial ?? null,
    _subscriptionMetadata: meta(sd.metadata),
    _paymentMethodCollection: pmc,
  }, account);
}

export function expireSession(st: StripeStore, id: string, account: string | null): Obj {
  const s = st.get('checkout.session', id, account);
  if (s.status !== 'open') throw invalid(`Only Checkout Sessions with a status of open can be expired (status is ${String(s.status)}).`, undefined, 'checkout_session_not_open');
  s.status = 'expired';
  st.event('checkout.session.expired', s, account);
  return s;
}

/** The customer pays a Checkout Session. `manual` capture leaves the intent in requires_capture. */
export function completeCheckoutSession(st: StripeStore, id: string, options: { account?: string; outcome?: 'succeeded' | 'failed' } = {}): Obj {
  const account = options.account ?? null;
  const s = st.get('checkout.session', id, account);
  if (s.status !== 'open') throw new Error(`Checkout Session ${id} is ${String(s.status)}`);
  if (st.now() >= Number(s.expires_at)) {
    s.status = 'expired';
    st.event('checkout.session.expired', s, account);
    throw new Error(`Checkout Session ${id} has expired`);
  }
  if (s.mode === 'subscription') {
    const customer = s.customer ? String(s.customer) : createCustomer(st, {}, account).id;
    s.customer = customer;
    // the card typed on the page becomes the customer's default (not asked for a trial with if_required)
    const card = !(s._trial && s._paymentMethodCollection === 'if_required');
    if (card) attachCard(st, customer, account);
    if (options.outcome === 'failed' && !s._trial) {
      // the first payment is declined: Checkout keeps the page open and makes no subscription
      return s;
    }
    const items = (s._lines as { price: string; quantity: number }[]).map((l) => ({ price: l.price, quantity: String(l.quantity) }));
    const sub = createSubscription(st, { customer, items, metadata: s._subscriptionMetadata as DecodedForm, ...(s._trial ? { trial_period_days: String(s._trial) } : {}) }, account);
    if (card) sub.default_payment_method = (st.objects.get(customer)!.invoice_settings as { default_payment_method: string }).default_payment_method;
    // the first invoice: 0 during a trial, else the first period, paid with the card just given
    createInvoice(st, sub, s._trial ? 0 : Number(s.amount_total), 'paid', account);
    s.subscription = sub.id;
    s.status = 'complete';
    s.payment_status = s._trial ? 'no_payment_required' : 'paid';
    st.event('checkout.session.completed', s, account);
    return s;
  }
  const amount = Number(s.amount_total);
  const manual = s._capture === 'manual';
  const failed = options.outcome === 'failed';
  const charge = st.put({
    id: st.id('ch'), object: 'charge', amount, currency: s.currency, captured: !manual && !failed,
    amount_captured: manual || failed ? 0 : amount, amount_refunded: 0, refunded: false, paid: !failed,
    status: failed ? 'failed' : 'succeeded', payment_intent: null as string | null, created: st.now(),
  }, account);
  const pi = st.put({
    id: st.id('pi'), object: 'payment_intent', amount, currency: s.currency,
    amount_received: manual || failed ? 0 : amount, amount_capturable: manual && !failed ? amount : 0,
    status: failed ? 'requires_payment_method' : manual ? 'requires_capture' : 'succeeded',
    latest_charge: charge.id, capture_method: s._capture, application_fee_amount: s._fee,
    metadata: { ...(s.metadata as object) }, created: st.now(),
  }, account);
  charge.payment_intent = pi.id;
  s.payment_intent = pi.id;
  if (failed) {
    st.event('payment_intent.payment_failed', pi, account);
    return s;
  }
  s.status = 'complete';
  s.payment_status = 'paid';
  st.event('checkout.session.completed', s, account);
  st.event(manual ? 'payment_intent.amount_capturable_updated' : 'payment_intent.succeeded', pi, account);
  return s;
}

/** The customer opens a Payment Link and pays: a Checkout Session is made from the link. */
export function payPaymentLink(st: StripeStore, linkId: string, options: { account?: string; clientReferenceId?: string } = {}): Obj {
  const account = options.account ?? null;
  const link = st.get('payment_link', linkId, account);
  if (!link.active) throw new Error(`Payment Link ${linkId} is deactivated`);
  const s = createSession(st, { client_reference_id: options.clientReferenceId ?? '' }, account, link);
  if (!options.clientReferenceId) s.client_reference_id = null;
  return completeCheckoutSession(st, s.id, { account: options.account });
}
