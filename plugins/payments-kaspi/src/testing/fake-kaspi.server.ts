// A local Kaspi partner QR API: trade points, device registration, qr/create, qr/create-link,
// payment/status, payment/details, payment/return, under /r1|/r2|/r3/v01 with the
// `{ StatusCode, Message, Data }` envelope. Test-only customer actions move a payment through
// QrTokenCreated → Wait → Processed | Error; an unpaid payment turns Error after ExpireDate.
// Fault knobs: outages (StatusCode -999), lagging status reads that show an older status (the
// poller must not go backwards), and the shared ones of FakeHttpServer (`@atrium/sdk/testing`):
// slow answers (`latencyMs`), hanging, lost answers, HTTP outages.
//
// StatusCode values other than 0 and -999 are this fake's own; Kaspi's exact codes must be
// taken from the partner spec.
import { FakeHttpServer, jsonReply, type FakeReply, type FakeRequest } from '@atrium/sdk/testing';
import type { KaspiPaymentStatus } from '../kaspi.client.ts';

export const FAKE_KASPI_CODES = {
  serviceUnavailable: -999,
  deviceNotFound: -1501,
  tradePointNotFound: -1502,
  paymentNotFound: -1601,
  invalidState: -1602,
  returnTooLarge: -1603,
  badRequest: -1604,
  unauthorized: -1605,
} as const;

export interface FakeKaspiPayment {
  id: number;
  kind: 'qr' | 'link';
  deviceToken: string;
  externalId: string;
  /** Tiyn, kept as integers internally. */
  amount: number;
  returned: number;
  status: KaspiPaymentStatus;
  history: KaspiPaymentStatus[];
  expireAt: number;
  transactionId: string | null;
  transactionDate: string | null;
}

export interface FakeKaspiOptions {
  apiKey: string;
  organizations: Record<string, { id: number; name: string }[]>;
  /** Seconds; Kaspi answers a few. */
  pollIntervalSeconds?: number;
  /** Lifetime of an unpaid QR/link in seconds. */
  ttlSeconds?: number;
  clock?: () => number;
}

class KaspiFault extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

export class FakeKaspiServer extends FakeHttpServer {
  readonly payments = new Map<number, FakeKaspiPayment>();
  readonly devices = new Map<string, { deviceId: string; tradePointId: number; bin: string }>();
  readonly requests: { method: string; path: string; body: unknown }[] = [];
  /** The next n requests answer StatusCode -999 (or HTTP 503 when `http` is set). */
  outage = { remaining: 0, http: false };
  /** The next n status reads return the status before the current one. */
  lagReads = 0;
  #options: Required<FakeKaspiOptions>;
  #nextId = 5_000;

  constructor(options: FakeKaspiOptions) {
    super();
    this.#options = { pollIntervalSeconds: 1, ttlSeconds: 300, clock: () => Date.now(), ...options };
  }

  static async start(options: FakeKaspiOptions): Promise<FakeKaspiServer> {
    return new FakeKaspiServer(options).listen();
  }

  protected handle(rq: FakeRequest): FakeReply {
    let body: Record<string, unknown> = {};
    try {
      if (rq.body.length) body = JSON.parse(rq.text) as Record<string, unknown>;
    } catch {
      return jsonReply(400, { StatusCode: FAKE_KASPI_CODES.badRequest, Message: 'Malformed JSON' });
    }
    this.requests.push({ method: rq.method, path: rq.path, body });
    if (this.outage.remaining > 0) {
      this.outage.remaining--;
      return this.outage.http ? jsonReply(503, { message: 'Service Unavailable' }) : jsonReply(200, { StatusCode: FAKE_KASPI_CODES.serviceUnavailable, Message: 'Service temporarily unavailable' });
    }
    if (rq.headers['api-key'] !== this.#options.apiKey) {
      return jsonReply(401, { StatusCode: FAKE_KASPI_CODES.unauthorized, Message: 'Unauthorized' });
    }
    const m = /^\/r[123]\/v01\/(.+)$/.exec(rq.path);
    try {
      if (!m) throw new KaspiFault(FAKE_KASPI_CODES.badRequest, `Unknown path ${rq.path}`);
      return jsonReply(200, { StatusCode: 0, Message: '', Data: this.#route(rq.method, m[1]!, rq.query, body) });
    } catch (e) {
      if (!(e instanceof KaspiFault)) throw e;
      return jsonReply(200, { StatusCode: e.code, Message: e.message });
    }
  }

  #route(method: string, path: string, query: URLSearchParams, b: Record<string, unknown>): unknown {
    let mm: RegExpExecArray | null;
    if (method === 'GET' && (mm = /^partner\/tradepoints\/(\d+)$/.exec(path))) {
      const points = this.#options.organizations[mm[1]!];
      if (!points?.length) throw new KaspiFault(FAKE_KASPI_CODES.tradePointNotFound, 'No trade points');
      return points.map((p) => ({ TradePointId: p.id, TradePointName: p.name }));
    }
    if (method === 'POST' && path === 'device/register') {
      const bin = String(b.OrganizationBin ?? '');
      const tp = Number(b.TradePointId);
      const deviceId = String(b.DeviceId ?? '');
      if (!deviceId) throw new KaspiFault(FAKE_KASPI_CODES.badRequest, 'DeviceId required');
      if (!this.#options.organizations[bin]?.some((p) => p.id === tp)) throw new KaspiFault(FAKE_KASPI_CODES.tradePointNotFound, 'Trade point not found');
      // The same device at the same trade point gets the same token back.
      for (const [token, d] of this.devices) if (d.deviceId === deviceId && d.tradePointId === tp && d.bin === bin) return { DeviceToken: token };
      const token = crypto.randomUUID();
      this.devices.set(token, { deviceId, tradePointId: tp, bin });
      return { DeviceToken: token };
    }
    if (method === 'POST' && path === 'device/delete') {
      this.#device(b.DeviceToken);
      this.devices.delete(String(b.DeviceToken));
      return {};
    }
    if (method === 'POST' && (path === 'qr/create' || path === 'qr/create-link')) return this.#create(path === 'qr/create' ? 'qr' : 'link', b);
    if (method === 'GET' && (mm = /^payment\/status\/(\d+)$/.exec(path))) {
      const p = this.#payment(Number(mm[1]));
      if (this.lagReads > 0 && p.history.length > 1) {
        this.lagReads--;
        return { Status: p.history[p.history.length - 2] };
      }
      return { Status: p.status, ...(p.transactionId ? { TransactionId: p.transactionId } : {}) };
    }
    if (method === 'GET' && path === 'payment/details') {
      const p = this.#payment(Number(query.get('QrPaymentId')));
      this.#device(query.get('DeviceToken'));
      if (p.status !== 'Processed') throw new KaspiFault(FAKE_KASPI_CODES.invalidState, 'Payment is not processed');
      return { QrPaymentId: p.id, TotalAmount: p.amount / 100, AvailableReturnAmount: (p.amount - p.returned) / 100, TransactionDate: p.transactionDate };
    }
    if (method === 'POST' && path === 'payment/return') {
      const p = this.#payment(Number(b.QrPaymentId));
      this.#device(b.DeviceToken);
      if (p.status !== 'Processed') throw new KaspiFault(FAKE_KASPI_CODES.invalidState, 'Payment is not processed');
      const amount = Math.round(Number(b.ReturnAmount) * 100);
      if (!(amount > 0)) throw new KaspiFault(FAKE_KASPI_CODES.badRequest, 'ReturnAmount must be positive');
      if (amount > p.amount - p.returned) throw new KaspiFault(FAKE_KASPI_CODES.returnTooLarge, 'ReturnAmount exceeds the available return amount');
      p.returned += amount;
      return { ReturnOperationId: this.#nextId++ };
    }
    throw new KaspiFault(FAKE_KASPI_CODES.badRequest, `Unknown operation ${method} ${path}`);
  }

  #device(token: unknown): { deviceId: string; tradePointId: number; bin: string } {
    const d = this.devices.get(String(token ?? ''));
    if (!d) throw new KaspiFault(FAKE_KASPI_CODES.deviceNotFound, 'Device not found');
    return d;
  }

  #payment(id: number): FakeKaspiPayment {
    const p = this.payments.get(id);
    if (!p) throw new KaspiFault(FAKE_KASPI_CODES.paymentNotFound, 'Payment not found');
    this.#expire(p);
    return p;
  }

  #expire(p: FakeKaspiPayment): void {
    if (p.status === 'QrTokenCreated' && this.#options.clock() >= p.expireAt) this.#move(p, 'Error');
  }

  #move(p: FakeKaspiPayment, s: KaspiPaymentStatus): void {
    p.status = s;
    p.history.push(s);
  }

  #create(kind: 'qr' | 'link', b: Record<string, unknown>): unknown {
    const token = String(b.DeviceToken ?? '');
    this.#device(token);
    const tenge = Number(b.Amount);
    const amount = Math.round(tenge * 100);
    if (!(amount > 0) || Math.abs(amount - tenge * 100) > 1e-6) throw new KaspiFault(FAKE_KASPI_CODES.badRequest, 'Invalid Amount');
    const externalId = String(b.ExternalId ?? '');
    if (!externalId) throw new KaspiFault(FAKE_KASPI_CODES.badRequest, 'ExternalId required');
    const p: FakeKaspiPayment = {
      id: this.#nextId++, kind, deviceToken: token, externalId, amount, returned: 0, status: 'QrTokenCreated',
      history: ['QrTokenCreated'], expireAt: this.#options.clock() + this.#options.ttlSeconds * 1000, transactionId: null, transactionDate: null,
    };
    this.payments.set(p.id, p);
    const expire = new Date(p.expireAt).toISOString();
    const poll = this.#options.pollIntervalSeconds;
    if (kind === 'qr') {
      return { QrToken: `https://qr.kaspi.kz/fake/${p.id}`, ExpireDate: expire, QrPaymentId: p.id, PaymentMethods: ['Gold', 'Red', 'Loan'], QrPaymentBehaviorOptions: { StatusPollingInterval: poll, QrCodeScanWaitTimeout: this.#options.ttlSeconds, PaymentConfirmationTimeout: 65 } };
    }
    return { PaymentLink: `${this.baseUrl}/pay/${p.id}`, ExpireDate: expire, PaymentId: p.id, PaymentMethods: ['Gold', 'Red', 'Loan'], PaymentBehaviorOptions: { StatusPollingInterval: poll, LinkActivationWaitTimeout: this.#options.ttlSeconds, PaymentConfirmationTimeout: 65 } };
  }

  // ---- Test-only customer actions ----

  /** The customer scans the QR / opens the link: Wait. */
  scan(id: number | string): void {
    const p = this.#payment(Number(id));
    if (p.status !== 'QrTokenCreated') throw new Error(`Payment ${id} is ${p.status}`);
    this.#move(p, 'Wait');
  }

  /** The customer confirms in the Kaspi app: Processed. */
  confirm(id: number | string): void {
    const p = this.#payment(Number(id));
    if (p.status !== 'Wait') throw new Error(`Payment ${id} is ${p.status}`);
    p.transactionId = String(900_000_000 + p.id);
    p.transactionDate = new Date(this.#options.clock()).toISOString();
    this.#move(p, 'Processed');
  }

  /** The customer cancels or the payment fails: Error. */
  decline(id: number | string): void {
    const p = this.#payment(Number(id));
    if (p.status === 'Processed' || p.status === 'Error') throw new Error(`Payment ${id} is ${p.status}`);
    this.#move(p, 'Error');
  }
}
