// A local FreedomPay/PayBox gateway: init_payment.php, get_status3.php, revoke.php, cancel.php,
// do_capture.php with pg_sig checked on every request and every answer signed, and result_url
// callbacks signed exactly as the gateway signs them (script name = last segment of the
// merchant's result URL). Fault knobs: wrong/missing signatures, duplicates, reordering,
// delays, receiver timeouts; non-200 answers are queued for the gateway's retry schedule. The
// lifecycle and the shared fault knobs (slow, hanging, lost answers, outages) are FakeHttpServer's
// (`@atrium/sdk/testing`).
//
// Error codes: 9998 (unknown merchant, unsigned) is documented; the other codes here are this
// fake's own and only need to be stable.
import { FakeHttpServer, type FakeReply, type FakeRequest } from '@atrium/sdk/testing';
import { decimalToMinor, minorToDecimal } from '../paybox.money.ts';
import {
  encodePayboxForm,
  generateSalt,
  parsePayboxForm,
  scriptNameFromUrl,
  verifyPaybox,
  withPayboxSignature,
  type PayboxFields,
} from '../paybox.signature.ts';
import { buildPayboxXml, parsePayboxXml } from '../paybox.xml.ts';

export const FAKE_PAYBOX_ERRORS = {
  unknownMerchant: '9998',
  badSignature: '9997',
  missingField: '9996',
  notFound: '9995',
  invalidState: '9994',
  amountTooLarge: '9993',
  orderConflict: '9992',
} as const;

export interface FakePayment {
  paymentId: string;
  merchantId: string;
  orderId: string;
  amount: number;
  currency: string;
  status: 'new' | 'pending' | 'success' | 'failed' | 'revoked' | 'canceled';
  autoClearing: boolean;
  captured: boolean;
  clearingAmount: number;
  refundedAmount: number;
  resultUrl: string | null;
  extra: PayboxFields;
  /** Every callback the gateway produced for this payment, in order. */
  callbacks: PayboxFields[];
}

export type CallbackSignature = 'valid' | 'wrong_secret' | 'tampered' | 'missing';

export interface CallbackDelivery {
  paymentId: string;
  status: number | null;
  error: 'timeout' | 'network' | null;
  /** The merchant's XML answer, and whether its pg_sig verified with the result URL's script name. */
  answer: PayboxFields | null;
  answerSignatureValid: boolean;
}

export interface CallbackOptions {
  signature?: CallbackSignature;
  times?: number;
  concurrent?: boolean;
  delayMs?: number;
  timeoutMs?: number;
}

class GatewayError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class FakePayboxServer extends FakeHttpServer {
  readonly merchants = new Map<string, string>();
  readonly payments = new Map<string, FakePayment>();
  readonly requests: { script: string; fields: PayboxFields }[] = [];
  /** Callbacks answered with something other than HTTP 200: the gateway retries them later. */
  readonly retryQueue: { paymentId: string; fields: PayboxFields }[] = [];
  #nextId = 1_000_000;

  constructor(merchants: Record<string, string>) {
    super();
    for (const [id, secret] of Object.entries(merchants)) this.merchants.set(id, secret);
  }

  static async start(merchants: Record<string, string>): Promise<FakePayboxServer> {
    return new FakePayboxServer(merchants).listen();
  }

  protected handle(rq: FakeRequest): FakeReply {
    const script = scriptNameFromUrl(rq.path);
    const fields = parsePayboxForm(rq.text);
    this.requests.push({ script, fields });
    const merchantId = String(fields.pg_merchant_id ?? '');
    const secret = this.merchants.get(merchantId);
    const reply = (answer: PayboxFields, signWith: string | null): FakeReply => {
      const body = signWith ? withPayboxSignature(script, answer, signWith) : answer;
      return { status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: buildPayboxXml(body) };
    };
    if (rq.method !== 'POST') return { status: 405 };
    if (!secret) {
      return reply({ pg_status: 'error', pg_error_code: FAKE_PAYBOX_ERRORS.unknownMerchant, pg_error_description: 'Unknown merchant' }, null);
    }
    try {
      if (!verifyPaybox(script, fields, [secret]).ok) throw new GatewayError(FAKE_PAYBOX_ERRORS.badSignature, 'Invalid signature');
      return reply({ pg_status: 'ok', ...this.#route(script, merchantId, fields) }, secret);
    } catch (e) {
      if (!(e instanceof GatewayError)) throw e;
      return reply({ pg_status: 'error', pg_error_code: e.code, pg_error_description: e.message }, secret);
    }
  }

  #route(script: string, merchantId: string, f: PayboxFields): PayboxFields {
    switch (script) {
      case 'init_payment.php':
        return this.#init(merchantId, f);
      case 'get_status3.php':
        return this.#statusFields(this.#find(merchantId, f));
      case 'revoke.php':
        return this.#revoke(this.#find(merchantId, f), f);
      case 'cancel.php':
        return this.#cancel(this.#find(merchantId, f));
      case 'do_capture.php':
        return this.#capture(this.#find(merchantId, f), f);
      default:
        throw new GatewayError(FAKE_PAYBOX_ERRORS.notFound, `Unknown script ${script}`);
    }
  }

  #need(f: PayboxFields, name: string): string {
    const v = f[name];
    if (typeof v !== 'string' || v === '') throw new GatewayError(FAKE_PAYBOX_ERRORS.missingField, `Missing ${name}`);
    return v;
  }

  #init(merchantId: string, f: PayboxFields): PayboxFields {
    const orderId = this.#need(f, 'pg_order_id');
    const currency = typeof f.pg_currency === 'string' ? f.pg_currency : 'KZT';
    const amount = decimalToMinor(this.#need(f, 'pg_amount'), currency);
    this.#need(f, 'pg_description');
    const known = new Set(['pg_merchant_id', 'pg_order_id', 'pg_amount', 'pg_currency', 'pg_description', 'pg_salt', 'pg_sig', 'pg_result_url', 'pg_check_url', 'pg_success_url', 'pg_failure_url', 'pg_lifetime', 'pg_user_phone', 'pg_user_contact_email', 'pg_language', 'pg_testing_mode', 'pg_auto_clearing']);
    const extra: PayboxFields = {};
    for (const [k, v] of Object.entries(f)) if (!known.has(k)) extra[k] = v;
    // A repeated init for an order that is still open returns the same payment; a different
    // amount for the same order is refused (the merchant must not reuse order ids).
    const existing = [...this.payments.values()].find((p) => p.merchantId === merchantId && p.orderId === orderId);
    if (existing) {
      if (existing.amount !== amount || existing.currency !== currency) throw new GatewayError(FAKE_PAYBOX_ERRORS.orderConflict, `Order ${orderId} exists with other parameters`);
      return this.#initAnswer(existing);
    }
    const p: FakePayment = {
      paymentId: String(this.#nextId++), merchantId, orderId, amount, currency, status: 'new',
      autoClearing: f.pg_auto_clearing !== '0', captured: false, clearingAmount: 0, refundedAmount: 0,
      resultUrl: typeof f.pg_result_url === 'string' ? f.pg_result_url : null, extra, callbacks: [],
    };
    this.payments.set(p.paymentId, p);
    return this.#initAnswer(p);
  }

  #initAnswer(p: FakePayment): PayboxFields {
    return { pg_payment_id: p.paymentId, pg_redirect_url: `${this.baseUrl}/pay.html?customer=${p.paymentId}`, pg_redirect_url_type: 'need data' };
  }

  #find(merchantId: string, f: PayboxFields): FakePayment {
    const byId = typeof f.pg_payment_id === 'string' ? this.payments.get(f.pg_payment_id) : undefined;
    const p = byId ?? [...this.payments.values()].find((x) => x.orderId === f.pg_order_id && f.pg_order_id !== undefined);
    if (!p || p.merchantId !== merchantId) throw new GatewayError(FAKE_PAYBOX_ERRORS.notFound, 'Payment not found');
    return p;
  }

  #statusFields(p: FakePayment): PayboxFields {
    return {
      pg_payment_id: p.paymentId, pg_order_id: p.orderId, pg_payment_status: p.status,
      pg_amount: minorToDecimal(p.amount, p.currency), pg_currency: p.currency,
      pg_clearing_amount: minorToDecimal(p.clearingAmount, p.currency),
      pg_refund_amount: minorToDecimal(p.refundedAmount, p.currency),
      pg_captured: p.captured ? '1' : '0', pg_can_reject: p.status === 'success' ? '1' : '0',
    };
  }

  #revoke(p: FakePayment, f: PayboxFields): PayboxFields {
    if (p.status !== 'success' || !p.captured) throw new GatewayError(FAKE_PAYBOX_ERRORS.invalidState, `Payment is ${p.status}${p.captured ? '' : ', not captured'}`);
    const left = p.clearingAmount - p.refundedAmount;
    const amount = typeof f.pg_refund_amount === 'string' ? decimalToMinor(f.pg_refund_amount, p.currency) : left;
    if (amount <= 0 || amount > left) throw new GatewayError(FAKE_PAYBOX_ERRORS.amountTooLarge, `Refund ${amount} exceeds the refundable ${left}`);
    p.refundedAmount += amount;
    if (p.refundedAmount === p.clearingAmount) p.status = 'revoked';
    return {};
  }

  #cancel(p: FakePayment): PayboxFields {
    if (!(p.status === 'new' || p.status === 'pending' || (p.status === 'success' && !p.captured))) {
      throw new GatewayError(FAKE_PAYBOX_ERRORS.invalidState, `Cannot cancel a ${p.status}${p.captured ? ' captured' : ''} payment`);
    }
    p.status = 'canceled';
    return {};
  }

  #capture(p: FakePayment, f: PayboxFields): PayboxFields {
    if (p.status !== 'success' || p.captured) throw new GatewayError(FAKE_PAYBOX_ERRORS.invalidState, 'Nothing to capture');
    const amount = typeof f.pg_clearing_amount === 'string' ? decimalToMinor(f.pg_clearing_amount, p.currency) : p.amount;
    if (amount <= 0 || amount > p.amount) throw new GatewayError(FAKE_PAYBOX_ERRORS.amountTooLarge, 'Clearing amount exceeds the authorized amount');
    p.captured = true;
    p.clearingAmount = amount;
    return {};
  }

  // ---- Test-only payer actions and callback delivery ----

  /**
   * The customer completes (result 1) or fails (result 0) the payment page. Produces the
   * result_url callback and delivers it once (unless `deliver: false`).
   */
  async pay(paymentId: string, options: { result?: 0 | 1; deliver?: boolean } & CallbackOptions = {}): Promise<CallbackDelivery[]> {
    const p = this.payments.get(paymentId);
    if (!p) throw new Error(`No payment ${paymentId}`);
    if (p.status !== 'new' && p.status !== 'pending' && p.status !== 'failed') throw new Error(`Payment ${paymentId} is ${p.status}`);
    const ok = (options.result ?? 1) === 1;
    p.status = ok ? 'success' : 'failed';
    if (ok && p.autoClearing) {
      p.captured = true;
      p.clearingAmount = p.amount;
    }
    const cb: PayboxFields = {
      pg_order_id: p.orderId, pg_payment_id: p.paymentId, pg_amount: minorToDecimal(p.amount, p.currency),
      pg_currency: p.currency, pg_net_amount: minorToDecimal(p.amount, p.currency), pg_ps_currency: p.currency,
      pg_payment_system: 'EPAYWEBKZT', pg_result: ok ? '1' : '0', pg_can_reject: ok ? '1' : '0',
      pg_payment_date: new Date().toISOString().replace('T', ' ').slice(0, 19),
      pg_captured: p.captured ? '1' : '0', ...p.extra,
      ...(ok ? {} : { pg_failure_code: '101', pg_failure_description: 'Card declined' }),
    };
    p.callbacks.push(cb);
    if (options.deliver === false) return [];
    return this.deliverCallback(paymentId, p.callbacks.length - 1, options);
  }

  /** Sends the `index`-th callback of a payment (again), signed as the gateway would. */
  async deliverCallback(paymentId: string, index: number, options: CallbackOptions = {}): Promise<CallbackDelivery[]> {
    const p = this.payments.get(paymentId)!;
    const cb = p.callbacks[index];
    if (!cb || !p.resultUrl) throw new Error(`No callback ${index} / result URL for ${paymentId}`);
    const sends = Array.from({ length: options.times ?? 1 }, () => () => this.#sendCallback(p, cb, options));
    if (options.concurrent) return Promise.all(sends.map((s) => s()));
    const out: CallbackDelivery[] = [];
    for (const s of sends) out.push(await s());
    return out;
  }

  /** Delivers every callback of a payment, newest first (out of order). */
  async deliverAllReversed(paymentId: string, options: CallbackOptions = {}): Promise<CallbackDelivery[]> {
    const p = this.payments.get(paymentId)!;
    const out: CallbackDelivery[] = [];
    for (let i = p.callbacks.length - 1; i >= 0; i--) out.push(...(await this.deliverCallback(paymentId, i, options)));
    return out;
  }

  /** The gateway's later retries of non-200 answers: those can no longer be rejected. */
  async runRetries(options: CallbackOptions = {}): Promise<CallbackDelivery[]> {
    const due = this.retryQueue.splice(0);
    const out: CallbackDelivery[] = [];
    for (const item of due) {
      const p = this.payments.get(item.paymentId)!;
      out.push(await this.#sendCallback(p, { ...item.fields, pg_can_reject: '0' }, options));
    }
    return out;
  }

  async #sendCallback(p: FakePayment, cb: PayboxFields, options: CallbackOptions): Promise<CallbackDelivery> {
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    const secret = this.merchants.get(p.merchantId)!;
    const script = scriptNameFromUrl(p.resultUrl!);
    const mode = options.signature ?? 'valid';
    let fields: PayboxFields = withPayboxSignature(script, cb, mode === 'wrong_secret' ? 'not-the-secret' : secret, generateSalt());
    if (mode === 'tampered') fields = { ...fields, pg_amount: minorToDecimal(p.amount + 100, p.currency) };
    if (mode === 'missing') {
      const { pg_sig: _s, ...rest } = fields;
      fields = rest;
    }
    const sent = await this.send(p.resultUrl!, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encodePayboxForm(fields), timeoutMs: options.timeoutMs });
    const result: CallbackDelivery = { paymentId: p.paymentId, status: sent.status, error: sent.error, answer: null, answerSignatureValid: false };
    if (sent.status === 200) {
      try {
        result.answer = parsePayboxXml(sent.body ?? '').fields;
        result.answerSignatureValid = verifyPaybox(script, result.answer, [secret]).ok;
      } catch {
        result.answer = null;
      }
    }
    if (result.status !== 200) {
      this.retryQueue.push({ paymentId: p.paymentId, fields: cb });
    } else if (result.answerSignatureValid && result.answer?.pg_status === 'rejected' && cb.pg_can_reject === '1' && mode === 'valid') {
      // A rejection of a rejectable payment reverses it at the gateway.
      p.status = 'revoked';
      p.refundedAmount = p.clearingAmount;
    }
    return result;
  }
}
