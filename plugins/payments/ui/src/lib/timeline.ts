import type { IntentDetail, PaymentStatus } from './types.ts';

export type TimelineKind = 'created' | 'status' | 'refund';
export interface TimelineRow {
  id: string;
  at: string;
  kind: TimelineKind;
  from: PaymentStatus | null;
  to: PaymentStatus;
  source: string;
  /** Refund rows: the amount of this refund and the total refunded after it (minor units). */
  amount?: number;
  amountRefunded?: number;
  reason?: string | null;
  /** The refund was seen at the provider, not made here. */
  external?: boolean;
  /** A payment the provider took after our link had expired/failed. */
  late: boolean;
  eventId: string | null;
  userId: string | null;
  /** What caused it: 'capture' | 'cancel' | 'status' | 'create' … (detail.via), or the webhook event type. */
  via: string | null;
  providerStatus: string | null;
  /** The poller's reason (e.g. 'link expired'). */
  note: string | null;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Turns an intent's recorded transitions (in the order they happened) into display rows,
 * attaching each refund's reason through `detail.refundId`.
 */
export function timelineRows(d: Pick<IntentDetail, 'timeline' | 'refunds'>): TimelineRow[] {
  const refunds = new Map(d.refunds.map((r) => [r.id, r]));
  return d.timeline.map((t) => {
    const detail = t.detail ?? {};
    const refundId = str(detail.refundId);
    const isRefund = !!refundId || ((t.to === 'partially_refunded' || t.to === 'refunded') && num(detail.amount) !== undefined);
    const refund = refundId ? refunds.get(refundId) : undefined;
    const row: TimelineRow = {
      id: t.id,
      at: t.at,
      kind: t.from === null ? 'created' : isRefund ? 'refund' : 'status',
      from: t.from,
      to: t.to,
      source: t.source,
      late: detail.late === true,
      eventId: t.eventId,
      userId: t.userId,
      via: str(detail.via) ?? str(detail.type),
      providerStatus: str(detail.providerStatus),
      note: str(detail.reason),
    };
    if (row.kind === 'created') row.amount = num(detail.amount);
    if (row.kind === 'refund') {
      row.amount = num(detail.amount) ?? refund?.amount;
      row.amountRefunded = num(detail.amountRefunded);
      row.reason = refund?.reason ?? null;
      row.external = refund ? refund.source === 'provider' : t.source !== 'api';
    }
    return row;
  });
}
