// What the payments REST API returns (plugins/payments/src/domain/ledger.ts intentView and
// services/intents.service.ts). Kept structural so the UI does not import server code.
export const STATUSES = ['pending', 'requires_action', 'authorized', 'captured', 'partially_refunded', 'refunded', 'failed', 'canceled', 'expired'] as const;
export type PaymentStatus = (typeof STATUSES)[number];
export const OPEN: readonly PaymentStatus[] = ['pending', 'requires_action', 'authorized'];

export interface Intent {
  id: string;
  provider: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  amountCaptured: number;
  amountRefunded: number;
  description: string;
  flow: string;
  captureMethod: string;
  reference: { plugin: string; id: string } | null;
  customer: { email?: string; phone?: string; name?: string; ref?: string };
  providerPaymentId: string | null;
  action: { url?: string; qrToken?: string; [k: string]: unknown };
  livemode: boolean;
  expiresAt: string | null;
  nextPollAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Transition {
  id: string;
  from: PaymentStatus | null;
  to: PaymentStatus;
  source: 'api' | 'webhook' | 'poller' | 'reconcile' | 'hold' | string;
  eventId: string | null;
  detail: Record<string, unknown>;
  userId: string | null;
  at: string;
}

export interface Refund {
  id: string;
  intentId: string;
  amount: number;
  currency: string;
  status: string;
  providerRefundId: string | null;
  reason: string | null;
  source: string;
  createdAt: string;
}

export interface IntentDetail extends Intent {
  timeline: Transition[];
  refunds: Refund[];
  holds: { id: string; resource: { plugin: string; type: string; id: string }; quantity: number; status: string; expiresAt: string }[];
}

export interface Difference {
  intentId: string;
  field: 'status' | 'amountCaptured' | 'amountRefunded' | string;
  ours: unknown;
  theirs: unknown;
  /** the payment's currency (amount fields are its minor units); absent in reports made before it was recorded */
  currency?: string;
  provider?: string;
}
export interface ReconciliationRun {
  id: string;
  day: string;
  ranAt: string;
  checked: number;
  differences: Difference[];
  errors: { intentId?: string; provider?: string; error?: string }[];
}

/** Quasar colour per status (badges, timeline dots). */
export const STATUS_COLOR: Record<PaymentStatus, string> = {
  pending: 'grey-7',
  requires_action: 'orange-8',
  authorized: 'light-blue-8',
  captured: 'positive',
  partially_refunded: 'purple-6',
  refunded: 'purple-9',
  failed: 'negative',
  canceled: 'grey-9',
  expired: 'brown-6',
};
