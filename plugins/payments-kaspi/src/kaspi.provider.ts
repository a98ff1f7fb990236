// The Kaspi QR / payment-link provider. Kaspi sends no callbacks: the payments core polls
// `status` at the interval Kaspi gives (StatusPollingInterval) until Processed or Error.
import { definePaymentProvider, ProviderRejectedError, ProviderUnavailableError, type PaymentStatus, type ProviderContext, type ProviderPaymentState } from '@atrium/sdk/payments';
import { KASPI_API_BASE, KASPI_SERVICE_UNAVAILABLE, KaspiApiError, KaspiClient, KaspiNetworkError, KaspiProtocolError, type KaspiScheme } from './kaspi.client.ts';

export type KaspiSettings = {
  mode?: 'test' | 'live';
  apiBaseUrl?: string;
  scheme?: KaspiScheme;
  organizationBin: string;
  apiKey?: string;
  tradePointId: number;
  /** Our device id at the trade point (one device per trade point). */
  deviceId?: string;
};

/** A client for this call: the kernel's fetch (allowlisted, bounded) and the core's key ledger (PostgreSQL). */
function client(ctx: ProviderContext<KaspiSettings>): KaspiClient {
  const s = ctx.settings;
  return new KaspiClient({ baseUrl: s.apiBaseUrl ?? KASPI_API_BASE, scheme: s.scheme, organizationBin: s.organizationBin, apiKey: s.apiKey, timeoutMs: 20_000, fetch: ctx.fetch, idempotencyStore: ctx.idempotency });
}

/** Device tokens per (organisation, trade point, device): Kaspi answers the same token for a repeated registration. */
const devices = new Map<string, Promise<string>>();
function deviceToken(ctx: ProviderContext<KaspiSettings>, tradePointId = ctx.settings.tradePointId): Promise<string> {
  const s = ctx.settings;
  const deviceId = s.deviceId ?? `atrium-${ctx.tenantId.slice(0, 8)}-${tradePointId}`;
  const key = `${s.apiBaseUrl ?? ''}|${s.organizationBin}|${tradePointId}|${deviceId}`;
  let t = devices.get(key);
  if (!t) {
    t = client(ctx).registerDevice({ deviceId, tradePointId }).then((r) => r.deviceToken);
    t.catch(() => devices.delete(key));
    if (devices.size > 5000) devices.clear();
    devices.set(key, t);
  }
  return t;
}

export const kaspiProvider = definePaymentProvider<KaspiSettings>({
  key: 'kaspi',
  displayName: 'Kaspi QR',
  capabilities: { webhooks: false, manualCapture: false, partialCapture: false, partialRefund: true, cancel: false, flows: ['qr', 'link'], currencies: ['KZT'] },
  pollIntervalMs: 5_000,
  mapError(e) {
    if (e instanceof KaspiApiError) {
      return e.statusCode === KASPI_SERVICE_UNAVAILABLE ? new ProviderUnavailableError(`Kaspi: ${e.message}`) : new ProviderRejectedError(`Kaspi: ${e.message}`, { statusCode: e.statusCode });
    }
    if (e instanceof KaspiNetworkError || e instanceof KaspiProtocolError) return new ProviderUnavailableError(`Kaspi: ${e.message}`);
    return undefined;
  },
  async create(ctx, input) {
    const s = ctx.settings;
    const token = await deviceToken(ctx);
    const p = { deviceToken: token, amount: input.amount, currency: 'KZT' as const, externalId: input.intentId };
    const r = input.flow === 'qr' ? await client(ctx).createQr(p, { idempotencyKey: input.idempotencyKey }) : await client(ctx).createLink(p, { idempotencyKey: input.idempotencyKey });
    return {
      status: 'pending', providerPaymentId: r.paymentId, amount: input.amount, currency: 'KZT',
      action: { type: input.flow, url: r.paymentLink, qrToken: r.qrToken },
      expiresAt: r.expiresAt, pollIntervalMs: r.pollIntervalMs, data: { tradePointId: s.tradePointId },
    };
  },
  async status(ctx, ref) {
    const s = ctx.settings;
    const st = await client(ctx).getStatus(ref.providerPaymentId);
    const map: Record<string, PaymentStatus> = { QrTokenCreated: 'pending', Wait: 'requires_action', Processed: 'captured', Error: 'failed' };
    const out: ProviderPaymentState = { status: map[st.status] ?? 'pending', providerPaymentId: ref.providerPaymentId, data: st.transactionId ? { transactionId: st.transactionId } : undefined };
    if (st.status === 'Processed') {
      const d = await client(ctx).getDetails({ paymentId: ref.providerPaymentId, deviceToken: await deviceToken(ctx, Number(ref.data.tradePointId ?? s.tradePointId)) });
      out.amount = d.totalAmount;
      out.amountCaptured = d.totalAmount;
      out.amountRefunded = d.totalAmount - d.availableReturnAmount;
      if (out.amountRefunded > 0) out.status = out.amountRefunded >= d.totalAmount ? 'refunded' : 'partially_refunded';
    }
    return out;
  },
  async refund(ctx, ref, input) {
    const s = ctx.settings;
    const token = await deviceToken(ctx, Number(ref.data.tradePointId ?? s.tradePointId));
    // No idempotency key at Kaspi: a lost answer of an earlier attempt shows in AvailableReturnAmount.
    const d = await client(ctx).getDetails({ paymentId: ref.providerPaymentId, deviceToken: token });
    const refunded = d.totalAmount - d.availableReturnAmount;
    if (refunded >= input.refundedBefore + input.amount) return { providerRefundId: null, refundedTotal: refunded };
    const r = await client(ctx).refund({ paymentId: ref.providerPaymentId, deviceToken: token, amount: input.amount, currency: 'KZT' }, { idempotencyKey: input.idempotencyKey });
    return { providerRefundId: r.returnOperationId, refundedTotal: d.totalAmount - r.availableReturnAmount };
  },
});
