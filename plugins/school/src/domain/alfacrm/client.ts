import { UnprocessableError } from '@atrium/sdk';

/**
 * A client of AlfaCRM's REST API v2, as its documentation asks clients to behave: sign in with the
 * user's e-mail and API key (`POST /v2api/auth/login`), send the token in `X-ALFACRM-TOKEN`, sign in
 * again when a call answers 401 (the token lives 15 minutes — one page says 3600 s), back off on 429
 * (Retry-After, else growing pauses), and send one request at a time (every call here is awaited
 * before the next is made). Index calls are paged from 0 and answer `{ total, count, page, items }`.
 * It never holds a database connection: the import calls it from a job without a transaction.
 */

export type AlfaPage<T = Record<string, unknown>> = { total: number; count: number; page: number; items: T[] };
type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export class AlfaCrmError extends Error {
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super(message);
    this.name = 'AlfaCrmError';
    this.status = status;
  }
}

export type ClientOptions = { maxAttempts?: number; sleep?: (ms: number) => Promise<void>; firstBackoffMs?: number };

export class AlfaCrmClient {
  private token: string | null = null;
  /** Sign-ins made (the first, and one per expired token). */
  logins = 0;
  /** Pauses made after 429 Too Many Requests. */
  throttled = 0;
  private readonly base: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly fetch: Fetch;
  private readonly email: string;
  private readonly apiKey: string;
  private readonly opts: ClientOptions;

  constructor(fetch: Fetch, baseUrl: string, email: string, apiKey: string, opts: ClientOptions = {}) {
    this.fetch = fetch;
    this.email = email;
    this.apiKey = apiKey;
    this.opts = opts;
    this.base = baseUrl.replace(/\/+$/, '');
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private async login(): Promise<void> {
    const res = await this.fetch(`${this.base}/v2api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ email: this.email, api_key: this.apiKey }) });
    const body = await res.json().catch(() => null) as { token?: string } | null;
    if (!res.ok || !body?.token) {
      throw new UnprocessableError(`AlfaCRM refused the sign-in (HTTP ${res.status}): check the e-mail and API key in the plugin's settings`, 'ALFACRM_AUTH_FAILED', { status: res.status });
    }
    this.token = body.token;
    this.logins++;
  }

  /** One API call: sign-in as needed, 401 → sign in again, 429 and outages → wait and try again. */
  async call<T = unknown>(path: string, body: Record<string, unknown>): Promise<T> {
    const attempts = this.opts.maxAttempts ?? 6;
    let backoff = this.opts.firstBackoffMs ?? 1000;
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      if (!this.token) await this.login();
      let res: Response;
      try {
        res = await this.fetch(`${this.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'x-alfacrm-token': this.token! }, body: JSON.stringify(body) });
      } catch (e) {
        if (attempt >= attempts) throw new AlfaCrmError(`AlfaCRM did not answer ${path}: ${(e as Error).message}`, null);
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      if (res.status === 401 && !renewed) {
        // the token expired: one new sign-in per call, then the call again
        this.token = null;
        renewed = true;
        attempt--;
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        if (attempt >= attempts) throw new AlfaCrmError(`AlfaCRM answered ${res.status} to ${path} ${attempts} times`, res.status);
        if (res.status === 429) this.throttled++;
        const retryAfter = Number(res.headers.get('retry-after'));
        await this.sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 60_000) : backoff);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      const text = await res.text();
      if (!res.ok) throw new AlfaCrmError(`AlfaCRM answered ${res.status} to ${path}: ${text.slice(0, 300)}`, res.status);
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new AlfaCrmError(`AlfaCRM answered ${path} with something that is not JSON`, res.status);
      }
    }
  }

  /** One page of a model's index (branch-scoped when `branchId` is given). */
  index<T = Record<string, unknown>>(model: string, branchId: number | null, page: number, filters: Record<string, unknown> = {}): Promise<AlfaPage<T>> {
    return this.call<AlfaPage<T>>(branchId === null ? `/v2api/${model}/index` : `/v2api/${branchId}/${model}/index`, { ...filters, page });
  }
}
