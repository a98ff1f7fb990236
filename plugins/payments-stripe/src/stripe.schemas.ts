// The subset of Stripe's resources we read. Objects are open (Stripe adds fields without a
// version bump), so only what we rely on is declared and checked. Amounts are integer minor
// units; Stripe's currencies are lowercase ISO 4217 codes.
import Type from 'typebox';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Metadata = Type.Record(Type.String(), Type.String());

export const StripeErrorBody = Type.Object({
  error: Type.Object({
    type: Type.String(),
    message: Type.Optional(Type.String()),
    code: Type.Optional(Type.String()),
    param: Type.Optional(Type.String()),
    decline_code: Type.Optional(Type.String()),
    doc_url: Type.Optional(Type.String()),
  }),
});
export type StripeErrorBody = Type.Static<typeof StripeErrorBody>;

export const StripeRecurring = Type.Object({
  interval: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month'), Type.Literal('year')]),
  interval_count: Type.Integer({ minimum: 1 }),
});

export const StripeProduct = Type.Object({
  id: Type.String(),
  object: Type.Literal('product'),
  name: Type.String(),
  active: Type.Boolean(),
  metadata: Metadata,
});
export type StripeProduct = Type.Static<typeof StripeProduct>;

export const StripePrice = Type.Object({
  id: Type.String(),
  object: Type.Literal('price'),
  product: Type.String(),
  unit_amount: Nullable(Type.Integer({ minimum: 0 })),
  currency: Type.String(),
  active: Type.Boolean(),
  recurring: Nullable(StripeRecurring),
  metadata: Metadata,
});
export type StripePrice = Type.Static<typeof StripePrice>;

export const StripeCustomer = Type.Object({
  id: Type.String(),
  object: Type.Literal('customer'),
  email: Nullable(Type.String()),
  name: Nullable(Type.String()),
  metadata: Metadata,
});
export type StripeCustomer = Type.Static<typeof StripeCustomer>;

export const StripePaymentLink = Type.Object({
  id: Type.String(),
  object: Type.Literal('payment_link'),
  url: Type.String(),
  active: Type.Boolean(),
  metadata: Metadata,
});
export type StripePaymentLink = Type.Static<typeof StripePaymentLink>;

export const StripeCheckoutSession = Type.Object({
  id: Type.String(),
  object: Type.Literal('checkout.session'),
  url: Nullable(Type.String()),
  mode: Type.Union([Type.Literal('payment'), Type.Literal('subscription'), Type.Literal('setup')]),
  status: Type.Union([Type.Literal('open'), Type.Literal('complete'), Type.Literal('expired')]),
  payment_status: Type.Union([Type.Literal('paid'), Type.Literal('unpaid'), Type.Literal('no_payment_required')]),
  amount_total: Nullable(Type.Integer()),
  currency: Nullable(Type.String()),
  payment_intent: Nullable(Type.String()),
  payment_link: Nullable(Type.String()),
  subscription: Nullable(Type.String()),
  client_reference_id: Nullable(Type.String()),
  /** The customer the session is for (given, or made by Checkout); subscription mode always has one once complete. */
  customer: Type.Optional(Nullable(Type.String())),
  expires_at: Type.Integer(),
  metadata: Metadata,
});
export type StripeCheckoutSession = Type.Static<typeof StripeCheckoutSession>;

export const StripePaymentIntentStatus = Type.Union([
  Type.Literal('requires_payment_method'),
  Type.Literal('requires_confirmation'),
  Type.Literal('requires_action'),
  Type.Literal('processing'),
  Type.Literal('requires_capture'),
  Type.Literal('canceled'),
  Type.Literal('succeeded'),
]);
export type StripePaymentIntentStatus = Type.Static<typeof StripePaymentIntentStatus>;

export const StripePaymentIntent = Type.Object({
  id: Type.String(),
  object: Type.Literal('payment_intent'),
  amount: Type.Integer({ minimum: 0 }),
  amount_received: Type.Integer({ minimum: 0 }),
  currency: Type.String(),
  status: StripePaymentIntentStatus,
  latest_charge: Nullable(Type.String()),
  metadata: Metadata,
});
export type StripePaymentIntent = Type.Static<typeof StripePaymentIntent>;

export const StripeRefund = Type.Object({
  id: Type.String(),
  object: Type.Literal('refund'),
  amount: Type.Integer({ minimum: 0 }),
  currency: Type.String(),
  payment_intent: Nullable(Type.String()),
  status: Type.Union([
    Type.Literal('pending'),
    Type.Literal('requires_action'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('canceled'),
  ]),
  metadata: Metadata,
});
export type StripeRefund = Type.Static<typeof StripeRefund>;

export const StripeAccount = Type.Object({
  id: Type.String(),
  object: Type.Literal('account'),
  type: Type.Optional(Type.String()),
  charges_enabled: Type.Boolean(),
  payouts_enabled: Type.Boolean(),
  details_submitted: Type.Boolean(),
  /** What Stripe still needs before (or to keep) charges/payouts enabled. */
  requirements: Type.Optional(Nullable(Type.Object({
    currently_due: Type.Optional(Type.Array(Type.String())),
    eventually_due: Type.Optional(Type.Array(Type.String())),
    past_due: Type.Optional(Type.Array(Type.String())),
    pending_verification: Type.Optional(Type.Array(Type.String())),
    disabled_reason: Type.Optional(Nullable(Type.String())),
    current_deadline: Type.Optional(Nullable(Type.Integer())),
  }))),
  metadata: Metadata,
});
export type StripeAccount = Type.Static<typeof StripeAccount>;

export const StripeAccountLink = Type.Object({
  object: Type.Literal('account_link'),
  url: Type.String(),
  created: Type.Integer(),
  expires_at: Type.Integer(),
});
export type StripeAccountLink = Type.Static<typeof StripeAccountLink>;

export const StripeSubscriptionStatus = Type.Union([
  Type.Literal('incomplete'),
  Type.Literal('incomplete_expired'),
  Type.Literal('trialing'),
  Type.Literal('active'),
  Type.Literal('past_due'),
  Type.Literal('canceled'),
  Type.Literal('unpaid'),
  Type.Literal('paused'),
]);

export const StripeSubscriptionItem = Type.Object({
  id: Type.String(),
  object: Type.Literal('subscription_item'),
  price: StripePrice,
  quantity: Type.Integer({ minimum: 0 }),
  // API versions from 2025-03-31 carry the billing period on the item, older ones on the subscription.
  current_period_end: Type.Optional(Type.Integer()),
});

export const StripeSubscription = Type.Object({
  id: Type.String(),
  object: Type.Literal('subscription'),
  customer: Type.String(),
  status: StripeSubscriptionStatus,
  items: Type.Object({ object: Type.Literal('list'), data: Type.Array(StripeSubscriptionItem) }),
  trial_end: Nullable(Type.Integer()),
  current_period_end: Type.Optional(Type.Integer()),
  cancel_at_period_end: Type.Boolean(),
  canceled_at: Nullable(Type.Integer()),
  metadata: Metadata,
});
export type StripeSubscription = Type.Static<typeof StripeSubscription>;

export const StripeEvent = Type.Object({
  id: Type.String(),
  object: Type.Literal('event'),
  type: Type.String(),
  created: Type.Integer(),
  livemode: Type.Boolean(),
  // Present on events from connected accounts (Connect endpoints).
  account: Type.Optional(Type.String()),
  data: Type.Object({ object: Type.Record(Type.String(), Type.Unknown()) }),
});
export type StripeEvent = Type.Static<typeof StripeEvent>;

/** A Billing customer portal session: a short-lived URL where the customer manages cards, invoices and subscriptions. */
export const StripeBillingPortalSession = Type.Object({
  id: Type.String(),
  object: Type.Literal('billing_portal.session'),
  customer: Type.String(),
  url: Type.String(),
  return_url: Nullable(Type.String()),
  created: Type.Integer(),
  livemode: Type.Boolean(),
});
export type StripeBillingPortalSession = Type.Static<typeof StripeBillingPortalSession>;
