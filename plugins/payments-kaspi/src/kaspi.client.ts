// Kaspi Pay partner QR API client (reconstructed from public client code; see
// /work/shared/research/verticals.md — to be checked against Kaspi's partner spec).
// Flow: trade points of the organisation (BIN) → register a device per trade point → create a
// QR or a payment link with our ExternalId → poll payment/status until Processed or Error →
// returns (refunds) against the payment. There are no callbacks: status is polled.
//
// Schemes: r1 (`Api-Key` header), r2/r3 (mTLS client certificate; r2 adds returns, r3 remote
// payments). mTLS is outside global fetch: pass a `fetch` bound to an agent with the
// certificate. Every answer is an envelope `{ StatusCode, Message, Data }`; StatusCode 0 is success.
import Type from 'typebox';
import Value from 'typebox/value';
import { AtriumError } from '@atrium/sdk';
import { MemoryIdempotencyStore, OnceByKey, type IdempotencyStore } from '@atrium/sdk/payments';

export const KASPI_API_BASE = 'https://qrapi-key.kaspi.kz';

/** StatusCode Kaspi uses for "service temporarily unavailable". */
export const KASPI_SERVICE_UNAVAILABLE = -999;

export type KaspiScheme = 'r1' | 'r2' | 'r3';

export interface KaspiClientConfig {
  baseUrl?: string;
  scheme?: KaspiScheme;
  organizationBin: string;
  /** r1 authentication. */
  apiKey?: string;
  /** Extra headers (e.g. a gateway's own auth). */
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** The HTTP client: in a plugin, the kernel's `ctx.fetch` (allowlisted, bounded); global fetch otherwise. */
  fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Where keys of returns are remembered (`ctx.idempotency` in a provider: PostgreSQL); in memory otherwise. */
  idempotencyStore?: IdempotencyStore;
}

/** Concurrent calls with one key in this process share one request (the records live in the store). */
const once = new OnceByKey();

export class KaspiApiError extends Error {
  readonly statusCode: number;
  readonly operation: string;
  constructor(operation: string, statusCode: number, message: string) {
    super(`Kaspi ${operation}: ${statusCode} ${message}`);
    this.name = 'KaspiApiError';
    this.statusCode = statusCode;
    this.operation = operation;
  }
}

export class KaspiNetworkError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'KaspiNetworkError';
  }
}

export class KaspiProtocolError extends Error {
  /** The HTTP status when the answer was not an envelope (a 5xx from a proxy is transient). */
  readonly httpStatus: number | undefined;
  constructor(message: string, httpStatus?: number) {
    super(message);
    this.name = 'KaspiProtocolError';
    this.httpStatus = httpStatus;
  }
}

export class KaspiPollTimeoutError extends Error {
  readonly paymentId: string;
  readonly lastStatus: KaspiPaymentStatus | null;
  constructor(paymentId: string, lastStatus: KaspiPaymentStatus | null) {
    super(`Kaspi payment ${paymentId} not final before the poll deadline (last status ${lastStatus ?? 'none'})`);
    this.name = 'KaspiPollTimeoutError';
    this.paymentId = paymentId;
    this.lastStatus = lastStatus;
  }
}

// ---- Wire schemas ----

const Envelope = <T extends Type.TSchema>(data: T) =>
  Type.Object({ StatusCode: Type.Integer(), Message: Type.Optional(Type.String()), Data: Type.Optional(data) });
const ErrorEnvelope = Type.Object({ StatusCode: Type.Integer(), Message: Type.Optional(Type.String()) });

export const KaspiTradePoint = Type.Object({ TradePointId: Type.Integer(), TradePointName: Type.String() });
export const KaspiDeviceToken = Type.Object({ DeviceToken: Type.String() });

const PollOptions = Type.Object({
  StatusPollingInterval: Type.Integer({ minimum: 1 }),
  PaymentConfirmationTimeout: Type.Optional(Type.Integer()),
  QrCodeScanWaitTimeout: Type.Optional(Type.Integer()),
  LinkActivationWaitTimeout: Type.Optional(Type.Integer()),
});

export const KaspiQrCreated = Type.Object({
  QrToken: Type.String(),
  ExpireDate: Type.String(),
  QrPaymentId: Type.Integer(),
  PaymentMethods: Type.Optional(Type.Array(Type.String())),
  QrPaymentBehaviorOptions: PollOptions,
});

export const KaspiLinkCreated = Type.Object({
  PaymentLink: Type.String(),
  ExpireDate: Type.String(),
  PaymentId: Type.Integer(),
  PaymentMethods: Type.Optional(Type.Array(Type.String())),
  PaymentBehaviorOptions: PollOptions,
});

export const KaspiPaymentStatus = Type.Union([
  Type.Literal('QrTokenCreated'),
  Type.Literal('Wait'),
  Type.Literal('Processed'),
  Type.Literal('Error'),
]);
export type KaspiPaymentStatus = Type.Static<typeof KaspiPaymentStatus>;

export const KaspiStatusData = Type.Object({
  Status: KaspiPaymentStatus,
  TransactionId: Type.Optional(Type.String()),
});

export const KaspiPaymentDetails = Type.Object({
  QrPaymentId: Type.Integer(),
  TotalAmount: Type.Number({ minimum: 0 }),
  AvailableReturnAmount: Type.Number({ minimum: 0 }),
  TransactionDate: Type.String(),
});

export const KaspiReturnData = Type.Object({ ReturnOperationId: Type.Integer() });

// ---- Results in our terms (integer minor units of KZT) ----

export interface KaspiCreated {
  paymentId: string;
  /** ISO 8601 (results are kept in the idempotency ledger as JSON). */
  expiresAt: string;
  pollIntervalMs: number;
  /** QR: the token to render as a QR code; link: the URL to send to the customer. */
  qrToken?: string;
  paymentLink?: string;
}

export interface KaspiDetails {
  paymentId: string;
  totalAmount: number;
  availableReturnAmount: number;
  transactionDate: string;
}

export interface CreatePaymentParams {
  deviceToken: string;
  /** Minor units (tiyn). Kaspi takes tenge. */
  amount: number;
  currency: 'KZT';
  /** Our reference, shown in Kaspi's reports: used for reconciliation. */
  externalId: string;
}

/** Tenge with up to 2 decimals, computed without float drift. */
export function tiynToTenge(minor: number): number {
  if (!Number.isSafeInteger(minor) || minor <= 0) throw new RangeError(`Amount must be a positive integer of tiyn, got ${minor}`);
  return Number(`${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`);
}

export function tengeToTiyn(tenge: number): number {
  const minor = Math.round(tenge * 100);
  if (Math.abs(minor - tenge * 100) > 1e-6) throw new KaspiProtocolError(`Amount ${tenge} has more than 2 decimals`);
  return minor;
}

const FINAL = new Set<KaspiPaymentStatus>(['Processed', 'Error']);
const RANK: Record<KaspiPaymentStatus, number> = { QrTokenCreated: 0, Wait: 1, Processed: 2, Error: 2 };

export class KaspiClient {
  readonly organizationBin: string;
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #fetch: NonNullable<KaspiClientConfig['fetch']>;
  readonly #store: IdempotencyStore;

  constructor(config: KaspiClientConfig) {
    this.organizationBin = config.organizationBin;
    this.#base = `${(config.baseUrl ?? KASPI_API_BASE).replace(/\/+$/, '')}/${config.scheme ?? 'r1'}/v01`;
    this.#headers = { accept: 'application/json', ...(config.apiKey ? { 'api-key': config.apiKey } : {}), ...config.headers };
    this.#timeoutMs = config.timeoutMs ?? 30_000;
    this.#fetch = config.fetch ?? globalThis.fetch;
    this.#store = config.idempotencyStore ?? new MemoryIdempotencyStore();
  }

  async #call<S extends Type.TSchema>(operation: string, method: 'GET' | 'POST', path: string, body: unknown, data: S): Promise<Type.Static<S>> {
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}/${path}`, {
        method,
        headers: { ...this.#headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      // refused by the platform before anything was sent (base URL not allowed, tenant busy): not a network error
      if (err instanceof AtriumError) throw err;
      throw new KaspiNetworkError(`Kaspi ${operation} failed: ${(err as Error).message}`, err);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new KaspiProtocolError(`Kaspi ${operation}: HTTP ${res.status}, not JSON`, res.status);
    }
    if (Value.Check(ErrorEnvelope, json) && json.StatusCode !== 0) {
      throw new KaspiApiError(operation, json.StatusCode, json.Message ?? '');
    }
    if (!res.ok) throw new KaspiProtocolError(`Kaspi ${operation}: HTTP ${res.status}`, res.status);
    const schema = Envelope(data);
    const envelope = json as { Data?: unknown };
    if (!Value.Check(schema, json) || envelope.Data === undefined) {
      const first = [...Value.Errors(schema, json)][0];
      throw new KaspiProtocolError(`Kaspi ${operation}: unexpected answer at ${first?.instancePath || '/Data'}: ${first?.message ?? 'missing'}`);
    }
    return envelope.Data as Type.Static<S>;
  }

  /** Once per key (OnceByKey from the SDK: replay, settle an unknown outcome, refuse reuse). */
  #once<T>(key: string | undefined, operation: string, params: unknown, fn: () => Promise<T>, settle?: (ctx: unknown) => Promise<T | undefined>, context?: unknown): Promise<T> {
    return once.run(this.#store, { key, scope: this.organizationBin, operation, params, fn, settle, context });
  }

  async getTradePoints(): Promise<{ id: number; name: string }[]> {
    const data = await this.#call('tradepoints', 'GET', `partner/tradepoints/${encodeURIComponent(this.organizationBin)}`, undefined, Type.Array(KaspiTradePoint));
    return data.map((t) => ({ id: t.TradePointId, name: t.TradePointName }));
  }

  /** One device per trade point; Kaspi answers the same token for a repeated registration. */
  async registerDevice(p: { deviceId: string; tradePointId: number }): Promise<{ deviceToken: string }> {
    const data = await this.#call('device/register', 'POST', 'device/register', { DeviceId: p.deviceId, TradePointId: p.tradePointId, OrganizationBin: this.organizationBin }, KaspiDeviceToken);
    return { deviceToken: data.DeviceToken };
  }

  async deleteDevice(deviceToken: string): Promise<void> {
    await this.#call('device/delete', 'POST', 'device/delete', { DeviceToken: deviceToken, OrganizationBin: this.organizationBin }, Type.Unknown());
  }

  async createQr(p: CreatePaymentParams, options: { idempotencyKey?: string } = {}): Promise<KaspiCreated> {
    const body = { DeviceToken: p.deviceToken, Amount: tiynToTenge(p.amount), ExternalId: p.externalId, OrganizationBin: this.organizationBin };
    return this.#once(options.idempotencyKey, 'qr/create', body, async () => {
      const d = await this.#call('qr/create', 'POST', 'qr/create', body, KaspiQrCreated);
      return { paymentId: String(d.QrPaymentId), qrToken: d.QrToken, expiresAt: new Date(d.ExpireDate).toISOString(), pollIntervalMs: d.QrPaymentBehaviorOptions.StatusPollingInterval * 1000 };
    });
  }

  async createLink(p: CreatePaymentParams, options: { idempotencyKey?: string } = {}): Promise<KaspiCreated> {
    const body = { DeviceToken: p.deviceToken, Amount: tiynToTenge(p.amount), ExternalId: p.externalId, OrganizationBin: this.organizationBin };
    return this.#once(options.idempotencyKey, 'qr/create-link', body, async () => {
      const d = await this.#call('qr/create-link', 'POST', 'qr/create-link', body, KaspiLinkCreated);
      return { paymentId: String(d.PaymentId), paymentLink: d.PaymentLink, expiresAt: new Date(d.ExpireDate).toISOString(), pollIntervalMs: d.PaymentBehaviorOptions.StatusPollingInterval * 1000 };
    });
  }

  async getStatus(paymentId: string): Promise<{ status: KaspiPaymentStatus; transactionId: string | undefined }> {
    const d = await this.#call('payment/status', 'GET', `payment/status/${encodeURIComponent(paymentId)}`, undefined, KaspiStatusData);
    return { status: d.Status, transactionId: d.TransactionId };
  }

  async getDetails(p: { paymentId: string; deviceToken: string }): Promise<KaspiDetails> {
    const q = new URLSearchParams({ QrPaymentId: p.paymentId, DeviceToken: p.deviceToken });
    const d = await this.#call('payment/details', 'GET', `payment/details?${q}`, undefined, KaspiPaymentDetails);
    return { paymentId: String(d.QrPaymentId), totalAmount: tengeToTiyn(d.TotalAmount), availableReturnAmount: tengeToTiyn(d.AvailableReturnAmount), transactionDate: d.TransactionDate };
  }

  /**
   * A (partial) return. Retried with the same key it refunds once: a finished key replays, and a
   * key whose first attempt had an unknown outcome is settled from AvailableReturnAmount.
   */
  async refund(p: { paymentId: string; deviceToken: string; amount: number; currency: 'KZT' }, options: { idempotencyKey?: string } = {}): Promise<{ returnOperationId: string | null; availableReturnAmount: number }> {
    const body = { DeviceToken: p.deviceToken, QrPaymentId: Number(p.paymentId), ReturnAmount: tiynToTenge(p.amount), OrganizationBin: this.organizationBin };
    const send = async (): Promise<{ returnOperationId: string | null; availableReturnAmount: number }> => {
      const d = await this.#call('payment/return', 'POST', 'payment/return', body, KaspiReturnData);
      const after = await this.getDetails(p);
      return { returnOperationId: String(d.ReturnOperationId), availableReturnAmount: after.availableReturnAmount };
    };
    if (!options.idempotencyKey) return send();
    const before = (await this.getDetails(p)).availableReturnAmount;
    return this.#once(options.idempotencyKey, 'payment/return', body, send, async (ctx) => {
      const was = (ctx as { before: number }).before;
      const now = await this.getDetails(p);
      // The operation id of a lost answer cannot be recovered; the amount moved is what matters.
      return now.availableReturnAmount <= was - p.amount ? { returnOperationId: null, availableReturnAmount: now.availableReturnAmount } : undefined;
    }, { before });
  }

  /**
   * Polls payment/status every `intervalMs` (Kaspi's StatusPollingInterval) until Processed or
   * Error, or until `deadline`. Never goes backwards: a lagging read showing an earlier status
   * than one already seen is ignored. Transient network errors are retried until the deadline.
   */
  async pollStatus(paymentId: string, options: { intervalMs: number; timeoutMs: number; signal?: AbortSignal; onStatus?: (s: KaspiPaymentStatus) => void }): Promise<{ status: 'Processed' | 'Error'; transactionId: string | undefined; polls: number }> {
    const deadline = Date.now() + options.timeoutMs;
    let last: KaspiPaymentStatus | null = null;
    let polls = 0;
    for (;;) {
      options.signal?.throwIfAborted();
      try {
        polls++;
        const s = await this.getStatus(paymentId);
        if (last === null || RANK[s.status] > RANK[last]) {
          last = s.status;
          options.onStatus?.(s.status);
        }
        if (FINAL.has(s.status)) return { status: s.status as 'Processed' | 'Error', transactionId: s.transactionId, polls };
      } catch (err) {
        // Outages are expected while a customer takes minutes to pay: keep polling until the deadline.
        const transient =
          err instanceof KaspiNetworkError ||
          (err instanceof KaspiApiError && err.statusCode === KASPI_SERVICE_UNAVAILABLE) ||
          (err instanceof KaspiProtocolError && (err.httpStatus ?? 0) >= 500);
        if (!transient) throw err;
      }
      const wait = Math.min(options.intervalMs, deadline - Date.now());
      if (wait <= 0) throw new KaspiPollTimeoutError(paymentId, last);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
