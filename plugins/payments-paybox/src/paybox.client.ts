// FreedomPay/PayBox merchant API client: signed form posts to `<base>/<script>.php`, signed XML
// answers. Every answer's pg_sig is checked with the same script name before it is trusted.
import Type from 'typebox';
import Value from 'typebox/value';
import { AtriumError } from '@atrium/sdk';
import { MemoryIdempotencyStore, OnceByKey, type IdempotencyStore } from '@atrium/sdk/payments';
import { decimalToMinor, minorToDecimal } from './paybox.money.ts';
import { encodePayboxForm, verifyPaybox, withPayboxSignature, type PayboxFields } from './paybox.signature.ts';
import { parsePayboxXml } from './paybox.xml.ts';

export const PAYBOX_API_BASE = 'https://api.freedompay.kz';

export const PAYBOX_SCRIPTS = {
  initPayment: 'init_payment.php',
  getStatus: 'get_status3.php',
  revoke: 'revoke.php',
  cancel: 'cancel.php',
  capture: 'do_capture.php',
} as const;

/** pg_error_code for an unknown merchant: the only answer the gateway does not sign. */
export const PAYBOX_UNKNOWN_MERCHANT = '9998';

export interface PayboxClientConfig {
  merchantId: string;
  secretKey: string;
  baseUrl?: string;
  timeoutMs?: number;
  /** The HTTP client: in a plugin, the kernel's `ctx.fetch` (allowlisted, bounded); global fetch otherwise. */
  fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>;
  /** Where keys of revoke/cancel/capture are remembered (`ctx.idempotency` in a provider: PostgreSQL); in memory otherwise. */
  idempotencyStore?: IdempotencyStore;
}

/** Concurrent calls with one key in this process share one request (the records live in the store). */
const once = new OnceByKey();

export class PayboxApiError extends Error {
  readonly script: string;
  readonly code: string;
  readonly description: string;
  constructor(script: string, code: string, description: string) {
    super(`PayBox ${script}: error ${code}: ${description}`);
    this.name = 'PayboxApiError';
    this.script = script;
    this.code = code;
    this.description = description;
  }
}

export class PayboxNetworkError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'PayboxNetworkError';
  }
}

/** Not 200, not XML, a bad pg_sig, or fields missing: the answer cannot be trusted. */
export class PayboxProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayboxProtocolError';
  }
}

const Str = Type.String();

export const InitPaymentResponse = Type.Object({
  pg_status: Type.Literal('ok'),
  pg_payment_id: Str,
  pg_redirect_url: Str,
  pg_redirect_url_type: Type.Optional(Str),
});

export const PayboxPaymentStatus = Type.Union([
  Type.Literal('new'),
  Type.Literal('pending'),
  Type.Literal('success'),
  Type.Literal('failed'),
  Type.Literal('revoked'),
  Type.Literal('canceled'),
]);
export type PayboxPaymentStatus = Type.Static<typeof PayboxPaymentStatus>;

export const GetStatusResponse = Type.Object({
  pg_status: Type.Literal('ok'),
  pg_payment_id: Str,
  pg_order_id: Type.Optional(Str),
  pg_payment_status: PayboxPaymentStatus,
  pg_amount: Str,
  pg_currency: Str,
  pg_clearing_amount: Type.Optional(Str),
  pg_refund_amount: Type.Optional(Str),
  pg_captured: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')])),
  pg_can_reject: Type.Optional(Type.Union([Type.Literal('0'), Type.Literal('1')])),
});

const OkResponse = Type.Object({ pg_status: Type.Literal('ok') });

export interface InitPaymentParams {
  /** Our reference; PayBox leaves de-duplication by it to the merchant. */
  orderId: string;
  amount: number;
  currency: string;
  description: string;
  resultUrl?: string;
  checkUrl?: string;
  successUrl?: string;
  failureUrl?: string;
  /** Seconds the payment page stays valid: the hold TTL for pay-then-book. */
  lifetimeSeconds?: number;
  userPhone?: string;
  userEmail?: string;
  language?: 'ru' | 'en' | 'kz';
  testingMode?: boolean;
  /** Two-step payments: authorize now, capture later with capture(). */
  autoClearing?: boolean;
  /** Merchant fields, echoed back in callbacks (and signed, like all fields). */
  extra?: PayboxFields;
}

export interface InitPaymentResult {
  paymentId: string;
  redirectUrl: string;
}

export interface PayboxStatus {
  paymentId: string;
  orderId: string | undefined;
  status: PayboxPaymentStatus;
  currency: string;
  amount: number;
  captured: boolean;
  clearingAmount: number;
  refundedAmount: number;
  canReject: boolean;
  fields: PayboxFields;
}

export interface MutationOptions {
  idempotencyKey?: string;
}

export class PayboxClient {
  readonly merchantId: string;
  readonly #secretKey: string;
  readonly #baseUrl: string;
  readonly #timeoutMs: number;
  readonly #fetch: NonNullable<PayboxClientConfig['fetch']>;
  readonly #store: IdempotencyStore;

  constructor(config: PayboxClientConfig) {
    if (!config.merchantId || !config.secretKey) throw new TypeError('PayboxClient needs merchantId and secretKey');
    this.merchantId = config.merchantId;
    this.#secretKey = config.secretKey;
    this.#baseUrl = (config.baseUrl ?? PAYBOX_API_BASE).replace(/\/+$/, '');
    this.#timeoutMs = config.timeoutMs ?? 30_000;
    this.#fetch = config.fetch ?? globalThis.fetch;
    this.#store = config.idempotencyStore ?? new MemoryIdempotencyStore();
  }

  /** Signs and posts `fields` to `script`, verifies and returns the answer's fields. */
  async call<S extends Type.TSchema>(script: string, fields: PayboxFields, schema: S): Promise<Type.Static<S> & PayboxFields> {
    const signed = withPayboxSignature(script, { pg_merchant_id: this.merchantId, ...fields }, this.#secretKey);
    let res: Response;
    try {
      res = await this.#fetch(`${this.#baseUrl}/${script}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: encodePayboxForm(signed),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      // refused by the platform before anything was sent (base URL not allowed, tenant busy): not a network error
      if (err instanceof AtriumError) throw err;
      throw new PayboxNetworkError(`PayBox ${script} failed: ${(err as Error).message}`, err);
    }
    const text = await res.text();
    if (res.status !== 200) throw new PayboxProtocolError(`PayBox ${script}: HTTP ${res.status}`);
    let answer: PayboxFields;
    try {
      answer = parsePayboxXml(text).fields;
    } catch (err) {
      throw new PayboxProtocolError(`PayBox ${script}: unreadable XML: ${(err as Error).message}`);
    }
    const code = typeof answer.pg_error_code === 'string' ? answer.pg_error_code : undefined;
    // Only the unknown-merchant error comes unsigned; everything else must verify.
    if (code !== PAYBOX_UNKNOWN_MERCHANT) {
      const check = verifyPaybox(script, answer, [this.#secretKey]);
      if (!check.ok) throw new PayboxProtocolError(`PayBox ${script}: answer signature invalid (${check.reason})`);
    }
    if (answer.pg_status !== 'ok') {
      throw new PayboxApiError(script, code ?? 'unknown', String(answer.pg_error_description ?? answer.pg_description ?? ''));
    }
    if (!Value.Check(schema, answer)) {
      const first = [...Value.Errors(schema, answer)][0];
      throw new PayboxProtocolError(`PayBox ${script}: unexpected answer at ${first?.instancePath || '/'}: ${first?.message}`);
    }
    return answer as Type.Static<S> & PayboxFields;
  }

  /** Runs `fn` once per key (OnceByKey from the SDK): replays its stored result; refuses a key reused for other params. */
  #once<T>(key: string | undefined, operation: string, params: unknown, fn: () => Promise<T>, settle?: (ctx: unknown) => Promise<T | undefined>, context?: unknown): Promise<T> {
    return once.run(this.#store, { key, scope: this.merchantId, operation, params, fn, settle, context });
  }

  async initPayment(p: InitPaymentParams, options: MutationOptions = {}): Promise<InitPaymentResult> {
    const fields: PayboxFields = {
      pg_order_id: p.orderId,
      pg_amount: minorToDecimal(p.amount, p.currency),
      pg_currency: p.currency.toUpperCase(),
      pg_description: p.description,
      ...(p.resultUrl ? { pg_result_url: p.resultUrl } : {}),
      ...(p.checkUrl ? { pg_check_url: p.checkUrl } : {}),
      ...(p.successUrl ? { pg_success_url: p.successUrl } : {}),
      ...(p.failureUrl ? { pg_failure_url: p.failureUrl } : {}),
      ...(p.lifetimeSeconds ? { pg_lifetime: p.lifetimeSeconds } : {}),
      ...(p.userPhone ? { pg_user_phone: p.userPhone } : {}),
      ...(p.userEmail ? { pg_user_contact_email: p.userEmail } : {}),
      ...(p.language ? { pg_language: p.language } : {}),
      ...(p.testingMode ? { pg_testing_mode: 1 } : {}),
      ...(p.autoClearing === false ? { pg_auto_clearing: 0 } : {}),
      ...(p.extra ?? {}),
    };
    return this.#once(options.idempotencyKey, 'init_payment', fields, async () => {
      const a = await this.call(PAYBOX_SCRIPTS.initPayment, fields, InitPaymentResponse);
      return { paymentId: a.pg_payment_id, redirectUrl: a.pg_redirect_url };
    });
  }

  async getStatus(ref: { paymentId: string } | { orderId: string }): Promise<PayboxStatus> {
    const fields: PayboxFields = 'paymentId' in ref ? { pg_payment_id: ref.paymentId } : { pg_order_id: ref.orderId };
    const a = await this.call(PAYBOX_SCRIPTS.getStatus, fields, GetStatusResponse);
    const currency = a.pg_currency;
    return {
      paymentId: a.pg_payment_id,
      orderId: a.pg_order_id,
      status: a.pg_payment_status,
      currency,
      amount: decimalToMinor(a.pg_amount, currency),
      captured: a.pg_captured !== '0',
      clearingAmount: decimalToMinor(a.pg_clearing_amount ?? a.pg_amount, currency),
      refundedAmount: decimalToMinor(a.pg_refund_amount ?? '0', currency),
      canReject: a.pg_can_reject === '1',
      fields: a,
    };
  }

  /**
   * Refund (`revoke.php`), partial when `amount` is given. Retried with the same key it refunds
   * once: a completed key replays; a key whose first attempt had an unknown outcome is settled by
   * reading the refunded total from get_status before sending again.
   */
  async revoke(p: { paymentId: string; amount?: number; currency: string }, options: MutationOptions = {}): Promise<{ paymentId: string; refundedAmount: number }> {
    const send = async () => {
      await this.call(PAYBOX_SCRIPTS.revoke, {
        pg_payment_id: p.paymentId,
        ...(p.amount !== undefined ? { pg_refund_amount: minorToDecimal(p.amount, p.currency) } : {}),
      }, OkResponse);
      return { paymentId: p.paymentId, refundedAmount: (await this.getStatus({ paymentId: p.paymentId })).refundedAmount };
    };
    if (!options.idempotencyKey) return send();
    const before = (await this.getStatus({ paymentId: p.paymentId })).refundedAmount;
    return this.#once(options.idempotencyKey, 'revoke', p, send, async (ctx) => {
      const { before: was, amount } = ctx as { before: number; amount: number | null };
      const now = await this.getStatus({ paymentId: p.paymentId });
      const done = amount === null ? now.status === 'revoked' : now.refundedAmount >= was + amount;
      return done ? { paymentId: p.paymentId, refundedAmount: now.refundedAmount } : undefined;
    }, { before, amount: p.amount ?? null });
  }

  /** Cancels an authorized, not yet captured payment (releases the hold). */
  async cancel(p: { paymentId: string }, options: MutationOptions = {}): Promise<{ paymentId: string }> {
    return this.#once(options.idempotencyKey, 'cancel', p, async () => {
      await this.call(PAYBOX_SCRIPTS.cancel, { pg_payment_id: p.paymentId }, OkResponse);
      return { paymentId: p.paymentId };
    });
  }

  /** Captures (clears) an authorized payment, partially when `amount` is given. */
  async capture(p: { paymentId: string; amount?: number; currency: string }, options: MutationOptions = {}): Promise<{ paymentId: string; clearingAmount: number }> {
    return this.#once(options.idempotencyKey, 'capture', p, async () => {
      await this.call(PAYBOX_SCRIPTS.capture, {
        pg_payment_id: p.paymentId,
        ...(p.amount !== undefined ? { pg_clearing_amount: minorToDecimal(p.amount, p.currency) } : {}),
      }, OkResponse);
      return { paymentId: p.paymentId, clearingAmount: (await this.getStatus({ paymentId: p.paymentId })).clearingAmount };
    });
  }
}
