// The fake Stripe's state — every object it holds, its events and the webhook endpoints they are
// queued for — and the helpers every resource module uses: ids, Connect scoping, Stripe's error
// shapes and form parameters.
import { randomBytes } from 'node:crypto';
import type { DecodedForm, DecodedValue } from '../../stripe.form.ts';

export type { DecodedForm, DecodedValue };
export type Obj = Record<string, unknown> & { id: string; object: string };

export interface WebhookEndpoint {
  id: string;
  url: string;
  /** Every secret signs (one v1 per secret), like Stripe during a secret roll. */
  secrets: string[];
  /** Connect endpoints receive events of connected accounts (with `account`), others the platform's. */
  connect: boolean;
  /** Event types this endpoint is subscribed to (`*` = all), like the dashboard's "events to send". */
  enabledEvents: string[];
}

export class FakeError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  /** Errors raised while validating parameters are not stored against the idempotency key. */
  readonly stored: boolean;
  constructor(status: number, error: Record<string, unknown>, stored = false) {
    super(String(error.message));
    this.status = status;
    this.body = { error };
    this.stored = stored;
  }
}

export const invalid = (message: string, param?: string, code?: string) =>
  new FakeError(400, { type: 'invalid_request_error', message, ...(param ? { param } : {}), ...(code ? { code } : {}) });
export const missing = (kind: string, id: string) =>
  new FakeError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such ${kind}: '${id}'` });

export function str(v: DecodedValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
export function req(params: DecodedForm, name: string): string {
  const v = str(params[name]);
  if (v === undefined || v === '') throw invalid(`Missing required param: ${name}.`, name, 'parameter_missing');
  return v;
}
export function int(v: DecodedValue | undefined, param: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw invalid(`Invalid integer: ${String(v)}`, param, 'parameter_invalid_integer');
  return Number(v);
}
export function meta(v: DecodedValue | undefined): Record<string, string> {
  if (v === undefined || typeof v === 'string') return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}
export function list(v: DecodedValue | undefined): DecodedForm[] {
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && !Array.isArray(x)) as DecodedForm[]) : [];
}
export function sub(v: DecodedValue | undefined): DecodedForm {
  return typeof v === 'object' && !Array.isArray(v) ? v : {};
}
export const subscribed = (ep: WebhookEndpoint, type: string) => ep.enabledEvents.includes('*') || ep.enabledEvents.includes(type);

export class StripeStore {
  readonly objects = new Map<string, Obj>();
  readonly events: Obj[] = [];
  readonly endpoints: WebhookEndpoint[] = [];
  /** Events queued for endpoints but not sent yet. */
  pending: { eventId: string; endpointId: string }[] = [];
  readonly #clock: () => number;
  readonly #baseUrl: () => string;

  constructor(clock: () => number, baseUrl: () => string) {
    this.#clock = clock;
    this.#baseUrl = baseUrl;
  }

  /** Unix seconds (injectable: tests move time for expiry and stale signatures). */
  now(): number {
    return this.#clock();
  }

  get baseUrl(): string {
    return this.#baseUrl();
  }

  id(prefix: string): string {
    return `${prefix}_${randomBytes(10).toString('hex')}`;
  }

  get(kind: string, id: string, account: string | null): Obj {
    const o = this.objects.get(id);
    // Objects of a connected account are invisible without its Stripe-Account header, and vice versa.
    if (!o || o.object !== kind || (o._account ?? null) !== account) throw missing(kind.replace('.', '_'), id);
    return o;
  }

  put<T extends Obj>(o: T, account: string | null): T {
    if (account) (o as Obj)._account = account;
    this.objects.set(o.id, o);
    return o;
  }

  /** Strips internal fields before an object leaves the server. */
  view(o: Obj): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!k.startsWith('_')) out[k] = v;
    return structuredClone(out);
  }

  /** Records an event and queues it for every endpoint subscribed to it. */
  event(type: string, object: Obj, account: string | null): Obj {
    const event: Obj = {
      id: this.id('evt'), object: 'event', type, api_version: '2025-01-27', created: this.now(), livemode: false,
      pending_webhooks: 0, data: { object: this.view(object) }, ...(account ? { account } : {}),
    };
    this.events.push(event);
    for (const ep of this.endpoints) {
      if (ep.connect === (account !== null) && subscribed(ep, type)) this.pending.push({ eventId: event.id, endpointId: ep.id });
    }
    return event;
  }
}
