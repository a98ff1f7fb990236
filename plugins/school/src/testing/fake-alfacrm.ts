import crypto from 'node:crypto';
import { FakeHttpServer, jsonReply, type FakeReply, type FakeRequest } from '@atrium/sdk/testing';

/**
 * A stateful fake of AlfaCRM's REST API v2 (alfacrm.pro/rest-api), as the import uses it:
 *
 *  - `POST /v2api/auth/login` with `{ email, api_key }` answers `{ token }`; every other call
 *    carries it in `X-ALFACRM-TOKEN` and gets 401 once it expired (the documented lifetime is 15
 *    minutes; `tokenCalls` makes it short in tests) — the client must sign in again;
 *  - `POST /v2api/branch/index` and `POST /v2api/{branch}/{model}/index` with `{ page, ...filters }`
 *    answer `{ total, count, page, items }`, pages numbered from 0, `pageSize` items each (50 at the
 *    real service); branch-scoped models list the branch's records only;
 *  - 429 when the client sends faster than allowed (`throttleNext(n)`), with `Retry-After`;
 *  - it counts requests that overlapped (`maxInFlight`): AlfaCRM asks for one request at a time.
 *
 * Field names and shapes follow the open-source clients of the API (nikitanp/alfacrm-api-php,
 * aioalfacrm): dates `YYYY-MM-DD` or `DD.MM.YYYY`, times `YYYY-MM-DD HH:MM:SS` in the centre's local
 * time, lists of phones and e-mails, money as decimal numbers, ids as integers. What the public
 * sources do not show is our assumption, marked here: lesson `status` 1 planned / 2 canceled /
 * 3 held; lesson `details[]` `{ customer_id, is_attend, reason_id }`; lesson-type `type` 1
 * individual / 2 group / 3 trial; pay `pay_type_id` 1 income / 2 expense; customer tariff
 * `paid_lesson_count` = lessons still paid for.
 */

export type AlfaRecord = Record<string, unknown> & { id: number };
export type AlfaModel =
  | 'branch' | 'location' | 'room' | 'subject' | 'lesson-type' | 'study-status' | 'lead-status' | 'lead-source' | 'lead-reject' | 'customer' | 'teacher' | 'group' | 'cgi'
  | 'regular-lesson' | 'lesson' | 'tariff' | 'customer-tariff' | 'discount' | 'pay-account' | 'pay';

/** Which field ties a model's records to a branch (branch-scoped index calls list only those). */
const BRANCH_FIELD: Partial<Record<AlfaModel, string>> = {
  location: 'branch_id', room: 'branch_id', customer: 'branch_ids', teacher: 'branch_ids', group: 'branch_ids', 'regular-lesson': 'branch_id', lesson: 'branch_id', pay: 'branch_id', tariff: 'branch_ids',
};

export class FakeAlfaCrm extends FakeHttpServer {
  readonly users = new Map<string, string>();
  readonly data = new Map<AlfaModel, AlfaRecord[]>();
  readonly tokens = new Map<string, number>();
  pageSize = 50;
  tokenTtlMs = 15 * 60_000;
  /**
   * How many data calls a token answers before it expires. Tests expire tokens by count, not by
   * time, so the renewal is exercised the same way on a quiet and on a loaded machine.
   */
  tokenCalls = Number.POSITIVE_INFINITY;
  readonly #tokenUses = new Map<string, number>();
  /** How long each call takes inside the server, to make overlapping calls visible. */
  workMs = 2;
  logins = 0;
  inFlight = 0;
  maxInFlight = 0;
  throttled = 0;
  #throttle = 0;

  static async start(opts: { email?: string; apiKey?: string } = {}): Promise<FakeAlfaCrm> {
    const f = new FakeAlfaCrm();
    f.users.set(opts.email ?? 'api@centre.test', opts.apiKey ?? 'alfa-key-123456');
    return f.listen();
  }

  /** The next `n` data calls answer 429 Too Many Requests (Retry-After: 1). */
  throttleNext(n: number): void {
    this.#throttle = n;
  }

  /** Every token issued so far stops working (as after its 15 minutes). */
  expireTokens(): void {
    this.tokens.clear();
  }

  records(model: AlfaModel): AlfaRecord[] {
    let list = this.data.get(model);
    if (!list) this.data.set(model, (list = []));
    return list;
  }

  add(model: AlfaModel, r: Omit<AlfaRecord, 'id'> & { id?: number }): AlfaRecord {
    const list = this.records(model);
    const rec = { ...r, id: r.id ?? (list.reduce((m, x) => Math.max(m, x.id), 0) + 1) } as AlfaRecord;
    list.push(rec);
    return rec;
  }

  /** Data calls made (not counting sign-ins). */
  get dataCalls(): number {
    return this.received.filter((r) => !r.path.endsWith('/auth/login')).length;
  }

  protected async handle(req: FakeRequest): Promise<FakeReply> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, this.workMs));
      return this.route(req);
    } finally {
      this.inFlight--;
    }
  }

  private route(req: FakeRequest): FakeReply {
    if (req.method !== 'POST') return jsonReply(405, { name: 'Method Not Allowed', message: 'Method Not Allowed', status: 405 });
    let body: Record<string, unknown> = {};
    try {
      body = req.text ? JSON.parse(req.text) : {};
    } catch {
      return jsonReply(400, { name: 'Bad Request', message: 'Invalid JSON', status: 400 });
    }
    if (req.path === '/v2api/auth/login') {
      if (typeof body.email !== 'string' || this.users.get(body.email) !== body.api_key) return jsonReply(403, { name: 'Forbidden', message: 'Wrong email or api key', status: 403 });
      const token = crypto.randomBytes(16).toString('hex');
      this.tokens.set(token, Date.now() + this.tokenTtlMs);
      this.logins++;
      return jsonReply(200, { token });
    }
    const token = String(req.headers['x-alfacrm-token'] ?? '');
    const until = this.tokens.get(token);
    const uses = this.#tokenUses.get(token) ?? 0;
    if (!until || until < Date.now() || uses >= this.tokenCalls) return jsonReply(401, { name: 'Unauthorized', message: 'Your request was made with invalid credentials.', status: 401 });
    this.#tokenUses.set(token, uses + 1);
    if (this.#throttle > 0) {
      this.#throttle--;
      this.throttled++;
      return jsonReply(429, { name: 'Too Many Requests', message: 'Please try in 1 second!', status: 429 }, { 'retry-after': '1' });
    }
    const m = /^\/v2api\/(?:(\d+)\/)?([a-z-]+)\/index$/.exec(req.path);
    if (!m) return jsonReply(404, { name: 'Not Found', message: 'Page not found.', status: 404 });
    const branch = m[1] ? Number(m[1]) : null;
    const model = m[2] as AlfaModel;
    if (!this.data.has(model) && model !== 'branch') return jsonReply(404, { name: 'Not Found', message: 'Page not found.', status: 404 });
    if (model !== 'branch' && branch === null) return jsonReply(400, { name: 'Bad Request', message: 'Branch is required', status: 400 });
    let items = this.records(model);
    const field = BRANCH_FIELD[model];
    if (branch !== null && field) items = items.filter((r) => (Array.isArray(r[field]) ? (r[field] as number[]).includes(branch) : r[field] === branch));
    for (const [k, v] of Object.entries(body)) {
      if (k === 'page' || k === 'count' || v === undefined || v === null) continue;
      if (k === 'is_active' && model === 'branch') continue;
      items = items.filter((r) => r[k] === undefined || r[k] === v || String(r[k]) === String(v));
    }
    const page = Number(body.page ?? 0);
    if (!Number.isInteger(page) || page < 0) return jsonReply(400, { name: 'Bad Request', message: 'page must be a non-negative integer', status: 400 });
    const slice = items.slice(page * this.pageSize, (page + 1) * this.pageSize);
    return jsonReply(200, { total: items.length, count: slice.length, page, items: slice });
  }
}
