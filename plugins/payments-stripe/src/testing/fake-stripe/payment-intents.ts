// The fake's PaymentIntents (capture, cancel) and refunds.
import { int, invalid, meta, str, type DecodedForm, type Obj, type StripeStore } from './store.ts';

export function capture(st: StripeStore, id: string, p: DecodedForm, account: string | null): Obj {
  const pi = st.get('payment_intent', id, account);
  if (pi.status !== 'requires_capture') {
    throw invalid(`This PaymentIntent could not be captured because it has a status of ${String(pi.status)}.`, undefined, 'payment_intent_unexpected_state');
  }
  const amount = int(p.amount_to_capture, 'amount_to_capture') ?? Number(pi.amount);
  if (amount > Number(pi.amount)) throw invalid('amount_to_capture cannot exceed the authorized amount', 'amount_to_capture');
  pi.status = 'succeeded';
  pi.amount_received = amount;
  pi.amount_capturable = 0;
  const charge = st.objects.get(String(pi.latest_charge))!;
  charge.captured = true;
  charge.amount_captured = amount;
  st.event('payment_intent.succeeded', pi, account);
  return pi;
}

export function cancelIntent(st: StripeStore, id: string, account: string | null): Obj {
  const pi = st.get('payment_intent', id, account);
  if (['succeeded', 'canceled'].includes(String(pi.status))) {
    throw invalid(`You cannot cancel this PaymentIntent because it has a status of ${String(pi.status)}.`, undefined, 'payment_intent_unexpected_state');
  }
  pi.status = 'canceled';
  st.event('payment_intent.canceled', pi, account);
  return pi;
}

export function refund(st: StripeStore, p: DecodedForm, account: string | null): Obj {
  const piId = str(p.payment_intent);
  const chargeId = str(p.charge);
  if (!piId && !chargeId) throw invalid('One of charge or payment_intent is required.', 'payment_intent', 'parameter_missing');
  const pi = piId
    ? st.get('payment_intent', piId, account)
    : st.get('payment_intent', String(st.get('charge', chargeId!, account).payment_intent), account);
  if (pi.status !== 'succeeded') {
    throw invalid(`This PaymentIntent (${pi.id}) does not have a successful charge to refund.`, 'payment_intent');
  }
  const charge = st.objects.get(String(pi.latest_charge))!;
  const remaining = Number(charge.amount_captured) - Number(charge.amount_refunded);
  if (remaining <= 0) throw invalid(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded');
  const amount = int(p.amount, 'amount') ?? remaining;
  if (amount <= 0) throw invalid('Refund amount must be positive', 'amount');
  if (amount > remaining) {
    throw invalid(`Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`, 'amount');
  }
  const refund = st.put({
    id: st.id('re'), object: 'refund', amount, currency: pi.currency, payment_intent: pi.id, charge: charge.id,
    status: 'succeeded', reason: str(p.reason) ?? null, metadata: meta(p.metadata), created: st.now(),
  }, account);
  charge.amount_refunded = Number(charge.amount_refunded) + amount;
  charge.refunded = charge.amount_refunded === charge.amount_captured;
  st.event('refund.created', refund, account);
  st.event('charge.refunded', charge, account);
  return refund;
}
