/**
 * The anchor for the HTTP metrics: the same work as Atrium's routes, written by hand on node:http
 * + pg + jose — what a developer who knows these libraries well would write for exactly these
 * three requests. `bench/http.bench.ts` and `bench/pos-sales.bench.ts` run it as a child process
 * against the same PostgreSQL database, as the same role (`atrium_app`: not the owner, no
 * BYPASSRLS — Row Level Security applies), with the same pool size, over the same Unix socket, in
 * the same run as the platform, so `platform / bare` is what the platform costs.
 *
 *   GET  /api/notes/notes?limit=&offset=   verify the JWT; one transaction with the tenant's RLS
 *                                          setting; 20 rows with a window count; commit; JSON
 *   POST /api/notes/notes                  the rows Atrium writes for a note: the note, the outbox
 *                                          event, the audit entry, and the Idempotency-Key record
 *                                          (claimed first, response stored) when a key is sent
 *   POST /api/pos/sales                    the POS sale's statements and rows: key claim, head read
 *                                          (register + open shift locked, products), the number,
 *                                          header, guarded stock take, ledger moves, lines and
 *                                          payments, then outbox + audit + stored response
 *
 * Made as fast as these libraries allow: every statement is a named prepared statement; BEGIN, the
 * RLS settings and the first statements travel in one message, the last ones with the COMMIT
 * (pipelined on the extended protocol through `PipelinedQuery`, a pg `Submittable` — `pg` itself
 * has no pipelining API); tokens are verified once per token (an imported HMAC key, a bounded map
 * of verified tokens). The sale handles exactly what the benchmark sends (plain goods, cash and
 * card, no customer) and refuses anything else with 400; the note routes validate like the plugin.
 *
 * Run: `node bench/bare-stack.ts '<json: { appUrl, poolMax, secret }>'` → prints `{"port":N}` once
 * listening; `GET /cpu` answers this process's CPU time in ms (for CPU per request).
 */
import crypto from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import pg from 'pg';
import { jwtVerify } from 'jose';
import { pipelineRows, type PipelineStep } from '../kernel/src/db/pipelined-query.ts';

type Args = { appUrl: string; poolMax: number; secret: string };
type Claims = { userId: string; tenantId: string; exp: number };

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: Record<string, unknown>;
  constructor(status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CFG = `select set_config('app.tenant_id', $1::text, true), set_config('app.user_id', $2::text, true)`;

export function createBareStack(args: Args) {
  const socketHost = new URL(args.appUrl).searchParams.get('host') ?? undefined;
  const pool = new pg.Pool({ connectionString: args.appUrl, host: socketHost, max: args.poolMax });
  pool.on('error', () => {});
  const key = crypto.webcrypto.subtle.importKey('raw', new Uint8Array(crypto.hkdfSync('sha256', args.secret, 'atrium', 'jwt-access', 32)), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const verified = new Map<string, Claims>();

  async function authenticate(req: IncomingMessage): Promise<Claims> {
    const h = req.headers.authorization;
    if (!h?.startsWith('Bearer ')) throw new HttpError(401, 'UNAUTHORIZED', 'Sign in first');
    const token = h.slice(7);
    const hit = verified.get(token);
    if (hit && hit.exp > Date.now()) return hit;
    try {
      const { payload } = await jwtVerify(token, await key, { issuer: 'atrium', algorithms: ['HS256'] });
      const claims = { userId: payload.sub!, tenantId: String(payload.tid), exp: (payload.exp ?? 0) * 1000 };
      if (verified.size >= 10_000) verified.clear();
      verified.set(token, claims);
      return claims;
    } catch {
      throw new HttpError(401, 'INVALID_TOKEN', 'Invalid access token');
    }
  }

  /** Statements in one message (one Sync): each step's rows. A failure rejects; the caller rolls back. */
  const pipeline = (client: pg.PoolClient, steps: PipelineStep[]) => pipelineRows(client, steps);

  /** A transaction under the tenant's RLS settings; `body` sends the statements (the first pipeline opens it). */
  async function inTransaction<T>(claims: Claims, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    try {
      return await body(client);
    } catch (e) {
      await client.query('rollback').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  const begin = (claims: Claims): PipelineStep[] => [{ text: 'begin' }, { text: CFG, values: [claims.tenantId, claims.userId] }];

  // ── notes ──────────────────────────────────────────────────────────────────────────────────
  const LIST_NOTES = `select id, title, body, author_id, created_at, updated_at, version, count(*) over () as total
    from notes.note where tenant_id = $1::uuid order by updated_at desc, id limit $2::int offset $3::int`;

  async function listNotes(claims: Claims, url: URL) {
    const limit = intParam(url, 'limit', 20, 1, 100);
    const offset = intParam(url, 'offset', 0, 0, 1e9);
    const rows = await inTransaction(claims, async (c) => (await pipeline(c, [...begin(claims), { text: LIST_NOTES, values: [claims.tenantId, limit, offset] }, { text: 'commit' }]))[2]);
    return { items: rows.map(noteView), total: rows.length ? Number(rows[0].total) : 0 };
  }

  const INSERT_NOTE = `insert into notes.note (id, tenant_id, title, body, author_id, created_at, updated_at, version)
    values ($1::uuid, $2::uuid, $3::text, $4::text, $5::uuid, $6::timestamptz, $6::timestamptz, 1)`;
  const CLAIM_KEY = `insert into kernel.idempotency (tenant_id, action, key, request_hash) values ($1::uuid, $2::text, $3::text, $4::text) on conflict do nothing returning 1 as ok`;
  const STORED_RESPONSE = `select request_hash, response from kernel.idempotency where tenant_id = $1::uuid and action = $2::text and key = $3::text`;
  /**
   * The event, the audit entry and (with a key) the stored response: one statement. Nothing here
   * consumes the events, so they are stored as published — as the platform stores an event that no
   * plugin subscribes to.
   */
  const finish = (withKey: boolean) => `with ev as (
      insert into kernel.outbox (event_id, tenant_id, name, payload, user_id, published_at) values ($1::uuid, $2::uuid, $3::text, $4::jsonb, $5::uuid, now())),
    au as (
      insert into kernel.audit (tenant_id, user_id, action, subject, target_id, diff, request_id) values ($2::uuid, $5::uuid, $6::text, $7::text, $8::text, $9::jsonb, $10::text))
    ${withKey ? `update kernel.idempotency set response = $11::jsonb where tenant_id = $2::uuid and action = $6::text and key = $12::text` : 'select 1'}`;
  const FINISH = finish(false);
  const FINISH_KEYED = finish(true);

  function finishStep(claims: Claims, e: { event: string; payload: unknown; action: string; subject: string; target: string; params: unknown; key?: string; response?: unknown }): PipelineStep {
    const values: unknown[] = [crypto.randomUUID(), claims.tenantId, e.event, JSON.stringify(e.payload), claims.userId, e.action, e.subject, e.target, JSON.stringify({ params: e.params }), crypto.randomUUID()];
    if (e.key) values.push(JSON.stringify({ v: e.response }), e.key);
    return { text: e.key ? FINISH_KEYED : FINISH, values };
  }

  /** Claims the key in the transaction's first message; null when the work is to be done, else the stored answer. */
  async function replayOf(c: pg.PoolClient, claims: Claims, claimed: unknown[], action: string, key: string, hash: string): Promise<unknown | null> {
    if (claimed.length) return null;
    const [row] = (await pipeline(c, [{ text: STORED_RESPONSE, values: [claims.tenantId, action, key] }, { text: 'commit' }]))[0];
    if (row.request_hash !== hash) throw new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with different parameters');
    return row.response?.v ?? null;
  }

  async function createNote(claims: Claims, body: any, key: string | undefined): Promise<[number, unknown]> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'VALIDATION', 'The request body must be a JSON object');
    for (const k of Object.keys(body)) if (k !== 'title' && k !== 'body') throw new HttpError(400, 'VALIDATION', `Unknown field "${k}"`);
    if (typeof body.title !== 'string' || body.title.length < 1 || body.title.length > 200) throw new HttpError(400, 'VALIDATION', 'title: 1–200 characters');
    if (body.body !== undefined && (typeof body.body !== 'string' || body.body.length > 102400)) throw new HttpError(400, 'VALIDATION', 'body: at most 102400 characters');
    const now = new Date();
    const note = { id: crypto.randomUUID(), title: body.title.trim() || body.title, body: body.body ?? '', authorId: claims.userId, createdAt: now, updatedAt: now, version: 1 };
    const view = JSON.parse(JSON.stringify(note));
    const action = 'notes.notes.create';
    const insert = { text: INSERT_NOTE, values: [note.id, claims.tenantId, note.title, note.body, note.authorId, now] };
    const last = finishStep(claims, { event: 'notes.note.created.v1', payload: { id: note.id, title: note.title, authorId: note.authorId }, action, subject: 'notes.Note', target: note.id, params: body, key, response: view });
    return inTransaction(claims, async (c) => {
      if (!key) {
        // nothing to decide between the statements: the whole request is one message
        await pipeline(c, [...begin(claims), insert, last, { text: 'commit' }]);
        return [201, view];
      }
      const hash = crypto.createHash('sha256').update(JSON.stringify(body)).digest('hex');
      const [, , claimed] = await pipeline(c, [...begin(claims), { text: CLAIM_KEY, values: [claims.tenantId, action, key, hash] }]);
      const replay = await replayOf(c, claims, claimed, action, key, hash);
      if (replay !== null) return [200, replay];
      await pipeline(c, [insert, last, { text: 'commit' }]);
      return [201, view];
    });
  }

  // ── POS sale ───────────────────────────────────────────────────────────────────────────────
  /** $1 sale id, $2 register, $3 product ids: is it a replay, the register with its open shift (key-share locked), the products with store price and tax. */
  const SALE_HEAD = `select
      exists (select 1 from pos.sale where id = $1::uuid) as existing,
      (select row_to_json(x) from (
         select r.id, r.store_id, r.code, r.print_receipts, s.id as shift_id, coalesce(ss.allow_negative_stock, false) as allow_negative_stock
         from pos.register r
         join pos.shift s on s.tenant_id = r.tenant_id and s.register_id = r.id and s.status = 'open'
         left join pos.store_settings ss on ss.tenant_id = r.tenant_id and ss.store_id = r.store_id
         where r.id = $2::uuid and not r.archived
         for key share of s) x) as reg,
      (select coalesce(json_agg(row_to_json(x)), '[]'::json) from (
         select p.id, p.name, p.unit, coalesce(sp.price, p.price) as price, p.cost, p.track_stock, p.track_batches, p.archived,
                coalesce(t.rate_bp, 0) as rate_bp, coalesce(t.included, true) as tax_included
         from pos.product p
         left join pos.store_price sp on sp.tenant_id = p.tenant_id and sp.product_id = p.id and sp.store_id = (select store_id from pos.register where id = $2::uuid)
         left join pos.tax_rate t on t.tenant_id = p.tenant_id and t.id = p.tax_rate_id
         where p.id = any($3::uuid[])) x) as products`;
  /**
   * The register's next number, the header, the stock taken (rows locked in product order, guarded
   * by on hand − reserved), its ledger moves, the lines and the payments.
   * $1 tenant, $2 counter scope, $3 sale id, $4 register code, $5 store, $6 register, $7 shift, $8 currency, $9 subtotal,
   * $10 tax, $11 total, $12 paid, $13 change, $14 cost, $15 user, $16 receipt token, $17 product ids, $18 quantities, $19 lines, $20 payments.
   */
  const RECORD_SALE = `with n as (
      insert into pos.counter (tenant_id, scope, value) values ($1::uuid, $2::text, 1)
      on conflict (tenant_id, scope) do update set value = pos.counter.value + 1 returning value),
    ins as (
      insert into pos.sale (tenant_id, id, number, store_id, register_id, shift_id, currency, subtotal, discount_total, tax_total, total, paid_total, change_due,
        cost_total, fiscal_status, sold_by, receipt_token, receipt_status)
      select $1::uuid, $3::uuid, $4::text || '-' || lpad(n.value::text, 6, '0'), $5::uuid, $6::uuid, $7::uuid, $8::text, $9::bigint, 0, $10::bigint, $11::bigint,
        $12::bigint, $13::bigint, $14::bigint, 'not_required', $15::uuid, $16::text, 'none' from n
      on conflict do nothing
      returning id, number, sold_at),
    req as (select * from unnest($17::uuid[], $18::bigint[]) as r(p, q)),
    locked as materialized (
      select l.product_id from pos.stock_level l
      where l.store_id = $5::uuid and l.product_id = any($17::uuid[]) and exists (select 1 from ins) order by l.product_id for update),
    upd as (
      update pos.stock_level l set on_hand_milli = l.on_hand_milli - req.q, updated_at = now() from req
      where l.store_id = $5::uuid and l.product_id = any($17::uuid[]) and l.product_id = req.p
        and l.product_id in (select product_id from locked) and l.on_hand_milli - l.reserved_milli >= req.q
      returning l.product_id),
    mv as (
      insert into pos.stock_move (tenant_id, store_id, product_id, qty_milli, kind, ref_type, ref_id, user_id)
      select $1::uuid, $5::uuid, req.p, -req.q, 'sale', 'sale', $3::uuid, $15::uuid from req join upd on upd.product_id = req.p
      returning product_id),
    li as (
      insert into pos.sale_line (tenant_id, sale_id, line_no, product_id, name, qty_milli, unit_price, tax_bp, tax, total, cost)
      select $1::uuid, $3::uuid, r.line_no, r.product_id, r.name, r.qty_milli, r.unit_price, r.tax_bp, r.tax, r.total, r.cost
      from jsonb_to_recordset($19::jsonb) as r(line_no int, product_id uuid, name text, qty_milli bigint, unit_price bigint, tax_bp int, tax bigint, total bigint, cost bigint)
      where exists (select 1 from ins)),
    pa as (
      insert into pos.sale_payment (tenant_id, sale_id, line_no, method, amount, tendered, reference)
      select $1::uuid, $3::uuid, r.line_no, r.method, r.amount, r.tendered, r.reference
      from jsonb_to_recordset($20::jsonb) as r(line_no int, method text, amount bigint, tendered bigint, reference text)
      where exists (select 1 from ins))
    select ins.number, ins.sold_at, (select count(*)::int from mv) as taken from ins`;
  const currencies = new Map<string, string>();

  async function createSale(claims: Claims, body: any, key: string | undefined): Promise<[number, unknown]> {
    const fail = (field: string, message: string) => new HttpError(400, 'VALIDATION', `${field}: ${message}`, { fields: [{ field, message }] });
    if (!body || typeof body !== 'object') throw fail('(body)', 'must be an object');
    if (!UUID.test(body.id ?? '')) throw fail('id', 'must be a uuid');
    if (!UUID.test(body.registerId ?? '')) throw fail('registerId', 'must be a uuid');
    if (!Array.isArray(body.lines) || !body.lines.length || body.lines.length > 500) throw fail('lines', 'must have 1–500 items');
    if (!Array.isArray(body.payments) || !body.payments.length || body.payments.length > 10) throw fail('payments', 'must have 1–10 items');
    body.lines.forEach((l: any, i: number) => {
      if (!UUID.test(l?.productId ?? '')) throw fail(`lines/${i}/productId`, 'must be a uuid');
      if (!Number.isInteger(l.qtyMilli) || l.qtyMilli < 1) throw fail(`lines/${i}/qtyMilli`, 'must be a positive integer');
    });
    body.payments.forEach((p: any, i: number) => {
      if (p?.method !== 'cash' && p?.method !== 'card') throw fail(`payments/${i}/method`, 'this server takes cash and card only');
      if (!Number.isInteger(p.amount) || p.amount < 1) throw fail(`payments/${i}/amount`, 'must be a positive integer');
    });
    const action = 'pos.sales.create';
    const hash = key ? crypto.createHash('sha256').update(JSON.stringify(body)).digest('hex') : '';
    const productIds = [...new Set<string>(body.lines.map((l: any) => l.productId))];
    return inTransaction(claims, async (c) => {
      const first: PipelineStep[] = [...begin(claims), ...(key ? [{ text: CLAIM_KEY, values: [claims.tenantId, action, key, hash] }] : []), { text: SALE_HEAD, values: [body.id, body.registerId, productIds] }];
      const results = await pipeline(c, first);
      if (key) {
        const replay = await replayOf(c, claims, results[2], action, key, hash);
        if (replay !== null) return [200, replay];
      }
      const [head] = results[results.length - 1];
      if (head.existing) throw new HttpError(409, 'SALE_EXISTS', 'This sale was recorded already');
      const reg = head.reg;
      if (!reg) throw new HttpError(409, 'NO_OPEN_SHIFT', 'The register has no open shift');
      const products = new Map<string, any>(head.products.map((p: any) => [p.id, p]));
      // price the cart: tax included in the price, rounded per line
      const lines = body.lines.map((l: any, i: number) => {
        const p = products.get(l.productId);
        if (!p || p.archived || p.track_batches) throw fail(`lines/${i}/productId`, 'no such product (or batch-tracked, which this server does not sell)');
        const total = Math.round((Number(p.price) * l.qtyMilli) / 1000);
        const tax = p.tax_included ? Math.round((total * p.rate_bp) / (10_000 + p.rate_bp)) : Math.round((total * p.rate_bp) / 10_000);
        return { line_no: i + 1, product_id: p.id, name: p.name, qty_milli: l.qtyMilli, unit_price: Number(p.price), tax_bp: p.rate_bp, tax, total: total + (p.tax_included ? 0 : tax), cost: Math.round((Number(p.cost) * l.qtyMilli) / 1000), track: p.track_stock };
      });
      const total = lines.reduce((a: number, l: any) => a + l.total, 0);
      const paid = body.payments.reduce((a: number, p: any) => a + p.amount, 0);
      const cashGiven = body.payments.reduce((a: number, p: any) => a + (p.method === 'cash' ? (p.tendered ?? p.amount) - p.amount : 0), 0);
      if (paid !== total) throw new HttpError(422, 'PAYMENT_MISMATCH', `The payments add up to ${paid}, the total is ${total}`);
      const takes = new Map<string, number>();
      for (const l of lines) if (l.track) takes.set(l.product_id, (takes.get(l.product_id) ?? 0) + l.qty_milli);
      const ids = [...takes.keys()].sort();
      let currency = currencies.get(claims.tenantId);
      if (!currency) {
        const [s] = (await pipeline(c, [{ text: `select coalesce(settings->>'currency', 'KZT') as currency from kernel.tenant_plugin where tenant_id = $1::uuid and plugin_id = 'pos'`, values: [claims.tenantId] }]))[0];
        currencies.set(claims.tenantId, (currency = s?.currency ?? 'KZT'));
      }
      const payments = body.payments.map((p: any, i: number) => ({ line_no: i + 1, method: p.method, amount: p.amount, tendered: p.method === 'cash' ? p.tendered ?? p.amount : null, reference: p.reference ?? null }));
      const token = crypto.randomBytes(24).toString('base64url');
      const [rec] = (await pipeline(c, [{
        text: RECORD_SALE,
        values: [claims.tenantId, `sale:${reg.id}`, body.id, String(reg.code), reg.store_id, reg.id, reg.shift_id, currency, total, lines.reduce((a: number, l: any) => a + l.tax, 0), total, paid, cashGiven,
          lines.reduce((a: number, l: any) => a + l.cost, 0), claims.userId, token, ids, ids.map((id) => takes.get(id)), JSON.stringify(lines), JSON.stringify(payments)],
      }]))[0];
      if (!rec) throw new HttpError(409, 'SALE_EXISTS', 'This sale was recorded already');
      if (rec.taken !== ids.length) throw new HttpError(409, 'OUT_OF_STOCK', 'Not enough stock');
      const sale = {
        id: body.id, number: rec.number, status: 'completed', storeId: reg.store_id, registerId: reg.id, shiftId: reg.shift_id, currency, total, paidTotal: paid, changeDue: cashGiven,
        lines: lines.map(({ track: _t, ...l }: any) => l), payments, receipt: { status: 'none', token }, soldBy: claims.userId, soldAt: rec.sold_at,
      };
      const response = JSON.parse(JSON.stringify(sale));
      const event = { saleId: body.id, number: rec.number, storeId: reg.store_id, registerId: reg.id, shiftId: reg.shift_id, customerId: null, currency, total, offline: false,
        lines: lines.map((l: any) => ({ productId: l.product_id, qtyMilli: l.qty_milli, total: l.total })), payments: body.payments.map((p: any) => ({ method: p.method, amount: p.amount })) };
      await pipeline(c, [finishStep(claims, { event: 'pos.sale.completed.v1', payload: event, action, subject: 'pos.Sale', target: body.id, params: body, key, response }), { text: 'commit' }]);
      return [201, response];
    });
  }

  // ── HTTP ───────────────────────────────────────────────────────────────────────────────────
  async function route(req: IncomingMessage, url: URL): Promise<[number, unknown]> {
    if (url.pathname === '/cpu') {
      const u = process.cpuUsage();
      return [200, { ms: (u.user + u.system) / 1000 }];
    }
    const claims = await authenticate(req);
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    if (url.pathname === '/api/notes/notes' && req.method === 'GET') return [200, await listNotes(claims, url)];
    if (url.pathname === '/api/notes/notes' && req.method === 'POST') return createNote(claims, await readJson(req), key);
    if (url.pathname === '/api/pos/sales' && req.method === 'POST') return createSale(claims, await readJson(req), key);
    throw new HttpError(404, 'NOT_FOUND', 'No such route');
  }

  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    route(req, url).then(([status, body]) => send(res, status, body), (e) => {
      if (e instanceof HttpError) return send(res, e.status, { error: { code: e.code, message: e.message, ...e.extra } });
      console.error(e);
      send(res, 500, { error: { code: 'INTERNAL', message: 'Internal error' } });
    });
  });
  server.keepAliveTimeout = 65_000;
  return { server, close: async () => { server.closeAllConnections(); await new Promise((r) => server.close(r)); await pool.end(); } };
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 1024 * 1024) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', 'Request body is larger than 1 MB');
    chunks.push(chunk);
  }
  if (!String(req.headers['content-type'] ?? '').includes('application/json')) throw new HttpError(400, 'VALIDATION', 'Send JSON');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'VALIDATION', 'The request body is not valid JSON');
  }
}

function intParam(url: URL, name: string, dflt: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, 'VALIDATION', `${name}: an integer from ${min} to ${max}`);
  return n;
}

function noteView(r: any) {
  return { id: r.id, title: r.title, body: r.body, authorId: r.author_id, createdAt: r.created_at, updatedAt: r.updated_at, version: r.version };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!) && process.argv[2]) {
  const stack = createBareStack(JSON.parse(process.argv[2]));
  stack.server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (stack.server.address() as any).port })));
  process.on('SIGTERM', () => void stack.close().then(() => process.exit(0)));
}
