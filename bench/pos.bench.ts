/**
 * pos.catalog.* — the checkout's catalogue reads over HTTP through a real kernel with the POS
 * plugin (auth, plugin gate, ajv, CASL, tenant transaction with RLS): barcode lookup and
 * search-as-you-type over 100,000 products of one tenant. Goal (issue 5): p95 ≤ 10 ms. Also
 * pos.catalog.customers.search: name fragments and phone suffixes over 100,000 customers of that
 * tenant (skipped when a metric prefix that excludes it is asked for: its seeding takes a while).
 *
 * Anchors, measured in the same run on the same PostgreSQL: a bare `select 1` round trip, and the
 * same barcode / text query sent straight to PostgreSQL (no HTTP, no kernel), so the ratio shows
 * what the platform adds on top of the database.
 *
 * The catalogue is seeded with generate_series straight into the kernel's tables, as rows of a
 * real signed-up tenant (the API would take minutes for 100k products; the reads are what is
 * measured). Sales throughput is in pos-sales.bench.ts.
 */
import pg from 'pg';
import pos from '../plugins/pos/src/index.ts';
import { gs1CheckDigit } from '../plugins/pos/src/domain/barcode.ts';
import { productSearchStatement, SEARCH_CAP } from '../plugins/pos/src/domain/product-search.ts';
import { percentile, round, runAsScript, startBenchEnv, startBenchKernel, type BenchResult } from './bench-env.ts';

const PRODUCTS = Number(process.env.BENCH_POS_PRODUCTS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_POS_SEARCH_REQUESTS ?? 2000);
const CUSTOMERS = Number(process.env.BENCH_POS_CUSTOMERS ?? 100_000);
const log = (...a: unknown[]) => { if (process.env.BENCH_VERBOSE) console.error('[pos.catalog]', ...a); };

const NOUNS = ['Молоко', 'Кефир', 'Сыр', 'Хлеб', 'Батон', 'Йогурт', 'Сметана', 'Масло', 'Колбаса', 'Сосиски', 'Чай', 'Кофе', 'Сок', 'Вода', 'Пиво', 'Печенье', 'Конфеты',
  'Шоколад', 'Макароны', 'Рис', 'Гречка', 'Сахар', 'Соль', 'Мука', 'Яйца', 'Курица', 'Говядина', 'Рыба', 'Шампунь', 'Мыло', 'Зубная паста', 'Порошок', 'Салфетки',
  'Apple juice', 'Banana', 'Cola', 'Chips', 'Cookies', 'Coffee beans', 'Green tea', 'Ketchup', 'Toothpaste', 'Shampoo', 'Detergent'];
const BRANDS = ['Простоквашино', 'Домик в деревне', 'Президент', 'Эконива', 'Lactel', 'Danone', 'Агуша', 'Bonduelle', 'Nestle', 'Mars', 'Ritter Sport', 'Alpen Gold',
  'Рахат', 'Баян Сулу', 'Food Master', 'Самрук', 'Алель', 'Tassay', 'Shoro', 'Heinz'];
const SIZES = ['1 л', '0,5 л', '900 г', '450 г', '200 г', '1 кг', '2,5%', '3,2%', '15%', '20%', 'классический', 'с ванилью', 'клубника', 'персик', 'без сахара', 'XL',
  '300 мл', '0,33 л', '1,5 л', '5 кг'];

const ean = (i: number) => {
  const body = `46${String(i).padStart(10, '0')}`;
  return body + gs1CheckDigit(body);
};

/** What a cashier types: the first 3–5 letters of a word of the vocabulary, Cyrillic and Latin alike. */
function fragment(): string {
  const words = [...NOUNS, ...BRANDS, ...SIZES].join(' ').split(/[\s,%]+/).filter((w) => /^\p{L}{3,}$/u.test(w));
  const w = words[Math.floor(Math.random() * words.length)];
  return w.slice(0, Math.min(w.length, 3 + Math.floor(Math.random() * 3))).toLowerCase();
}

async function timeEach(n: number, warmup: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

export async function seed(sys: pg.Client, tenantId: string, storeId: string): Promise<void> {
  await sys.query('begin');
  await sys.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
  await sys.query(
    `insert into pos.category (tenant_id, id, name) select $1, gen_random_uuid(), n from unnest($2::text[]) n`,
    [tenantId, NOUNS],
  );
  await sys.query(
    `insert into pos.product (tenant_id, id, sku, name, category_id, price, cost)
     select $1, gen_random_uuid(), 'SKU-' || lpad(i::text, 6, '0'),
            n.a[1 + i % cardinality(n.a)] || ' ' || n.b[1 + (i / cardinality(n.a)) % cardinality(n.b)] || ' ' || n.c[1 + (i / (cardinality(n.a) * cardinality(n.b))) % cardinality(n.c)] || ' ' || (i % 997),
            (select id from pos.category c where c.tenant_id = $1 and c.name = n.a[1 + i % cardinality(n.a)]),
            100 * (5 + (i * 37) % 5000), 100 * (3 + (i * 37) % 3000)
     from generate_series(1, $5::int) i, (select $2::text[] as a, $3::text[] as b, $4::text[] as c) n`,
    [tenantId, NOUNS, BRANDS, SIZES, PRODUCTS],
  );
  await sys.query(
    `insert into pos.barcode (tenant_id, code, product_id)
     select $1, c.code, p.id from unnest($2::text[]) with ordinality c(code, i) join pos.product p on p.tenant_id = $1 and p.sku = 'SKU-' || lpad(c.i::text, 6, '0')`,
    [tenantId, Array.from({ length: PRODUCTS }, (_, i) => ean(i + 1))],
  );
  // every tenth product has its own price in the store
  await sys.query(`insert into pos.store_price (tenant_id, store_id, product_id, price) select $1, $2, id, price - 100 from pos.product where tenant_id = $1 and right(sku, 1) = '0'`, [tenantId, storeId]);
  await sys.query('commit');
  // as autovacuum would by then: statistics, and the visibility map for index-only scans
  await sys.query('vacuum analyze pos.product, pos.product_term, pos.barcode, pos.store_price, pos.category');
}

// surnames are built from roots × endings (~1,300 of them), so a typed fragment matches tens to a
// few thousand of 100,000 customers (about 460 on average) as in a real customer base
const ROOTS = ['Иван', 'Петр', 'Сидор', 'Смирн', 'Кузнец', 'Поп', 'Василь', 'Сокол', 'Михайл', 'Новик', 'Фёдор', 'Мороз', 'Волк', 'Алексе', 'Лебед', 'Семён',
  'Егор', 'Павл', 'Козл', 'Степан', 'Никола', 'Орл', 'Андре', 'Макар', 'Ахмет', 'Нурлан', 'Сулеймен', 'Жумаба', 'Касым', 'Бекмухамбет', 'Омар', 'Иса', 'Шевч',
  'Бондар', 'Ковал', 'Ткач', 'Абдрахман', 'Байтурсын', 'Гали', 'Дауле', 'Ерм', 'Жук', 'Зайц', 'Комар', 'Латып', 'Мусин', 'Назарб', 'Оспан', 'Рахим', 'Сагинта',
  'Тулеген', 'Уразб', 'Хасен', 'Чернышёв', 'Шарип', 'Юсуп', 'Ясин', 'Белоус', 'Громык', 'Дорофе', 'Журавл', 'Казанц', 'Лаврент', 'Медвед', 'Нестер', 'Осип', 'Прохор',
  'Русак', 'Тарас', 'Устин', 'Филипп', 'Харит', 'Цветк', 'Щербак', 'Kim', 'Li', 'Smith', 'Brown', 'Taylor', 'Wilson', 'Ким', 'Пак', 'Тен', 'Хан', 'Цой', 'Югай',
  'Абиш', 'Бекет', 'Галым', 'Дархан', 'Ерке', 'Жанат', 'Кайрат', 'Максат', 'Нурсулт', 'Сакен', 'Талгат', 'Болат', 'Канат', 'Мурат', 'Рустем'];
const ENDINGS = ['ов', 'ова', 'ев', 'ева', 'ин', 'ина', 'енко', 'ский', 'ская', 'бек', 'улы', 'кызы', ''];
const FIRST = ['Александр', 'Мария', 'Иван', 'Анна', 'Дмитрий', 'Елена', 'Сергей', 'Ольга', 'Айгерим', 'Нурлан', 'Асель', 'Ерлан', 'Динара', 'Тимур', 'Светлана', 'Алия',
  'Олег', 'Наталья', 'Арман', 'Жанна', 'Виктор', 'Ирина', 'Бауыржан', 'Гульнара', 'Кирилл', 'Татьяна', 'Данияр', 'Камила', 'Руслан', 'Юлия'];
const PATRONYMIC = ['', '', 'Петрович', 'Ивановна', 'Сергеевич', 'Александровна', 'Нурланович', 'Ерланқызы', 'Олегович', 'Дмитриевна', 'Викторович', 'Маратовна'];
const SURNAMES = ROOTS.flatMap((r) => ENDINGS.map((e) => r + e));

/**
 * Customers of the same tenant: "Surname First Patronymic", one in ten a company "ТОО «Surname N»",
 * phones 7 70X XXX XX XX unique. The name index (migration 0042) is filled in one statement after
 * the rows, with the row trigger off for the insert: what the trigger would write, in a fraction
 * of the time.
 */
export async function seedCustomers(sys: pg.Client, tenantId: string, n: number): Promise<void> {
  await sys.query('begin');
  await sys.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
  await sys.query(`set local session_replication_role = replica`);
  await sys.query(
    `insert into pos.customer (tenant_id, id, kind, name, phone)
     select $1, gen_random_uuid(), case when i % 10 = 0 then 'company' else 'person' end,
            case when i % 10 = 0 then 'ТОО «' || s.a[1 + (i * 7) % cardinality(s.a)] || ' ' || (i % 100) || '»'
                 else trim(s.a[1 + (i * 7) % cardinality(s.a)] || ' ' || s.b[1 + (i / 13) % cardinality(s.b)] || ' ' || s.c[1 + (i / 11) % cardinality(s.c)]) end,
            '770' || lpad(i::text, 8, '0')
     from generate_series(1, $5::int) i, (select $2::text[] as a, $3::text[] as b, $4::text[] as c) s`,
    [tenantId, SURNAMES, FIRST, PATRONYMIC, n],
  );
  await sys.query(`insert into pos.customer_term (tenant_id, term, customer_id) select c.tenant_id, t, c.id from pos.customer c, pos.customer_terms(c.name) t where c.tenant_id = $1 on conflict do nothing`, [tenantId]);
  await sys.query('commit');
  await sys.query('vacuum analyze pos.customer, pos.customer_term');
}

/** What a cashier types to find a customer: 4–6 letters of a surname (from its start or inside it), or the last 4–7 digits of the phone. */
function customerQuery(i: number, n: number): string {
  if (i % 3 === 0) return String(1 + ((i * 7919) % n)).padStart(8, '0').slice(-(4 + (i % 4)));
  const w = SURNAMES[(i * 31) % SURNAMES.length].toLowerCase();
  const len = Math.min(w.length, 4 + (i % 3));
  const start = i % 2 ? 0 : Math.min(1, w.length - len);
  return w.slice(start, start + len);
}

/**
 * Customer search over HTTP (`GET /api/pos/customers?q=`): 100,000 customers seeded into the
 * catalogue bench's tenant, two in three queries a part of a surname, one in three phone digits.
 */
async function customerSearchBench(sys: pg.Client, tenantId: string, get: (p: string) => Promise<any>): Promise<BenchResult[]> {
  const c0 = performance.now();
  await seedCustomers(sys, tenantId, CUSTOMERS);
  const seedSeconds = (performance.now() - c0) / 1000;
  log(`seeded ${CUSTOMERS} customers in ${Math.round(seedSeconds * 1000)} ms`);
  const cq = Array.from({ length: REQUESTS }, (_, i) => customerQuery(i, CUSTOMERS));
  // sanity: the answers are right, not just fast
  const byName = await get(`/api/pos/customers?q=${encodeURIComponent(cq[1])}&limit=20`);
  if (!byName.items.length || !byName.items.every((c: any) => c.name.toLowerCase().includes(cq[1]))) throw new Error(`customer search for ${cq[1]} returned wrong items`);
  const byPhone = await get(`/api/pos/customers?q=${encodeURIComponent(cq[0])}&limit=20`);
  if (!byPhone.items.length || !byPhone.items.every((c: any) => c.phone.endsWith(cq[0]) || c.name.includes(cq[0]))) throw new Error(`customer search for ${cq[0]} returned wrong items`);
  let matched = 0;
  const names: number[] = [];
  const phones: number[] = [];
  const all = await timeEach(REQUESTS, 100, async (i) => {
    const t = performance.now();
    const r = await get(`/api/pos/customers?q=${encodeURIComponent(cq[i % cq.length])}&limit=20`);
    (i % 3 === 0 ? phones : names).push(performance.now() - t);
    matched += r.total;
  });
  names.sort((a, b) => a - b);
  phones.sort((a, b) => a - b);
  log('customers p50/p95', percentile(all, 50), percentile(all, 95));
  // anchor: what the search did before migration 0042 — ILIKE over the tenant's customers, which RLS keeps from any index
  const ilikeScan = await timeEach(Math.min(REQUESTS, 100), 5, async (i) => {
    await sys.query('begin');
    await sys.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    await sys.query('set local role atrium_app');
    await sys.query(`select c.id from pos.customer c where c.tenant_id = $1 and not c.archived and c.name ilike $2 order by c.name, c.id limit 20`, [tenantId, `%${cq[(i * 3 + 1) % cq.length]}%`]);
    await sys.query('rollback');
  });
  const ms = (v: number) => round(v, 2);
  const before = 'pg.customer_ilike_scan (the search before 0042: app role + RLS, no HTTP)';
  return [
    { metric: 'pos.catalog.customers.search.p95', value: ms(percentile(all, 95)), unit: 'ms', anchor: `${before} p95`, anchorValue: ms(percentile(ilikeScan, 95)) },
    { metric: 'pos.catalog.customers.search.p50', value: ms(percentile(all, 50)), unit: 'ms', anchor: `${before} p50`, anchorValue: ms(percentile(ilikeScan, 50)) },
    { metric: 'pos.catalog.customers.search.name.p95', value: ms(percentile(names, 95)), unit: 'ms' },
    { metric: 'pos.catalog.customers.search.phone.p95', value: ms(percentile(phones, 95)), unit: 'ms' },
    { metric: 'pos.catalog.customers.search.matches_per_query', value: Math.round(matched / REQUESTS), unit: 'customers' },
    { metric: 'pos.catalog.customers.search.customers', value: CUSTOMERS, unit: 'customers' },
    { metric: 'pos.catalog.customers.search.seed', value: round(seedSeconds, 1), unit: 's' },
  ];
}

/** Barcode lookup and text search over HTTP, with bare-PostgreSQL anchors. */
export async function catalogSearchBench(opts: { customers?: boolean } = {}): Promise<BenchResult[]> {
  const env = await startBenchEnv();
  const results: BenchResult[] = [];
  try {
    const kernel = await startBenchKernel(env, [pos]);
    const sys = new pg.Client({ connectionString: env.pgUrl.replace(/\/[^/]*$/, '/atrium_bench') });
    try {
      await sys.connect();
      const call = async (method: string, p: string, body?: unknown, token?: string) => {
        const r = await fetch(kernel.url + p, { method, headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body ? JSON.stringify(body) : undefined });
        const json: any = await r.json();
        if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(json)}`);
        return json;
      };
      const s = await call('POST', '/api/auth/signup', { tenantName: 'Catalog bench', email: 'owner@catalog.bench', password: 'bench-password-123' });
      const token: string = s.accessToken;
      const tenantId: string = s.tenant.id;
      await call('POST', '/api/plugins/pos/enable', {}, token);
      const storeId: string = (await call('POST', '/api/pos/stores', { name: 'Main' }, token)).storeId;
      const t0 = performance.now();
      await seed(sys, tenantId, storeId);
      log(`seeded ${PRODUCTS} products in ${Math.round(performance.now() - t0)} ms`);
      const seedSeconds = (performance.now() - t0) / 1000;

      const codes = Array.from({ length: REQUESTS }, () => ean(1 + Math.floor(Math.random() * PRODUCTS)));
      const frags = Array.from({ length: REQUESTS }, fragment);
      const get = async (p: string) => {
        const r = await fetch(kernel.url + p, { headers: { authorization: `Bearer ${token}` } });
        if (r.status !== 200) throw new Error(`GET ${p}: ${r.status} ${await r.text()}`);
        return r.json() as Promise<any>;
      };
      // sanity: the answers are right, not just fast
      const probe = await get(`/api/pos/products/lookup?code=${codes[0]}&storeId=${storeId}`);
      if (probe.barcode?.code !== codes[0]) throw new Error(`lookup returned ${JSON.stringify(probe).slice(0, 300)}`);
      const found = await get(`/api/pos/products?q=${encodeURIComponent('молок')}&storeId=${storeId}&limit=20`);
      if (!found.items.length || !found.items.every((p: any) => /(^|\s)молок/i.test(p.name))) throw new Error('text search returned wrong items');

      const barcode = await timeEach(REQUESTS, 200, async (i) => {
        await get(`/api/pos/products/lookup?code=${codes[i % codes.length]}&storeId=${storeId}`);
      });
      log('barcode p50/p95', percentile(barcode, 50), percentile(barcode, 95));
      let matched = 0;
      const text = await timeEach(REQUESTS, 200, async (i) => {
        const r = await get(`/api/pos/products?q=${encodeURIComponent(frags[i % frags.length])}&storeId=${storeId}&limit=20`);
        matched += r.total ?? 0;
      });
      log('text p50/p95', percentile(text, 50), percentile(text, 95));
      const typeahead = await timeEach(REQUESTS, 100, async (i) => {
        await get(`/api/pos/products?q=${encodeURIComponent(frags[(i + 7) % frags.length])}&storeId=${storeId}&limit=20&withTotal=false`);
      });

      // the platform's floor: the cheapest POS read through the same pipeline (a one-row table)
      const floor = await timeEach(REQUESTS, 100, async () => {
        await get('/api/pos/tax-rates?limit=1');
      });
      // anchors: the same database, no HTTP and no kernel (a pool connection as the app would use)
      const select1 = await timeEach(REQUESTS, 200, async () => {
        await sys.query('select 1');
      });
      const pgBarcode = await timeEach(REQUESTS, 200, async (i) => {
        await sys.query(
          `select p.*, sp.price as store_price from pos.barcode b join pos.product p on p.tenant_id = b.tenant_id and p.id = b.product_id
           left join pos.store_price sp on sp.tenant_id = p.tenant_id and sp.store_id = $3 and sp.product_id = p.id
           where b.tenant_id = $1 and b.code = $2 and b.kind = 'unit'`,
          [tenantId, codes[i % codes.length], storeId],
        );
      });
      // the statement the service runs (domain/product-search.ts), prepared, straight on PostgreSQL
      const searchSql = (f: string) => productSearchStatement(tenantId, { tokens: [f], scanned: /^[0-9A-Za-z._-]{4,64}$/.test(f), archived: false, storeId, limit: 20, offset: 0, withTotal: true }, SEARCH_CAP, true);
      const prepared = (q: { text: string; values: unknown[] }) => ({ name: `b_${q.text.length}_${q.values.length}`, text: q.text, values: q.values });
      const pgText = await timeEach(REQUESTS, 200, async (i) => {
        await sys.query(prepared(searchSql(frags[i % frags.length])));
      });

      if (process.env.BENCH_VERBOSE) {
        // the service's search as the app runs it: app role, RLS on, the same SQL, a generic plan as a cached prepared statement gets
        await sys.query('begin');
        await sys.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
        await sys.query('set local role atrium_app');
        await sys.query('set local plan_cache_mode = force_generic_plan');
        for (const f of ['мол', 'danon']) {
          const q = searchSql(f);
          const e = await sys.query({ text: `explain (analyze, buffers, costs off) ${q.text}`, values: q.values });
          log(f, '\n' + e.rows.map((r) => r['QUERY PLAN']).join('\n'));
        }
        await sys.query('rollback');
      }

      const ms = (v: number) => round(v, 2);
      results.push(
        { metric: 'pos.catalog.search.barcode.p95', value: ms(percentile(barcode, 95)), unit: 'ms', anchor: 'pg.barcode_lookup.p95', anchorValue: ms(percentile(pgBarcode, 95)) },
        { metric: 'pos.catalog.search.barcode.p50', value: ms(percentile(barcode, 50)), unit: 'ms', anchor: 'pg.barcode_lookup.p50', anchorValue: ms(percentile(pgBarcode, 50)) },
        { metric: 'pos.catalog.search.text.p95', value: ms(percentile(text, 95)), unit: 'ms', anchor: 'pg.text_search.p95', anchorValue: ms(percentile(pgText, 95)) },
        { metric: 'pos.catalog.search.text.p50', value: ms(percentile(text, 50)), unit: 'ms', anchor: 'pg.text_search.p50', anchorValue: ms(percentile(pgText, 50)) },
        { metric: 'pos.catalog.search.typeahead.p95', value: ms(percentile(typeahead, 95)), unit: 'ms', anchor: 'pg.text_search.p95', anchorValue: ms(percentile(pgText, 95)) },
        { metric: 'pos.catalog.search.goal_p95', value: Math.max(ms(percentile(barcode, 95)), ms(percentile(text, 95))), unit: 'ms', anchor: 'goal: ≤ 10 ms', anchorValue: 10 },
        { metric: 'pos.catalog.search.pg_select1.p50', value: ms(percentile(select1, 50)), unit: 'ms' },
        { metric: 'pos.catalog.search.http_floor.p50', value: ms(percentile(floor, 50)), unit: 'ms', anchor: 'GET /api/pos/tax-rates (one row) through the same pipeline' },
        { metric: 'pos.catalog.search.matches_per_query', value: Math.round(matched / REQUESTS), unit: 'products' },
        { metric: 'pos.catalog.search.products', value: PRODUCTS, unit: 'products' },
        { metric: 'pos.catalog.search.seed', value: round(seedSeconds, 1), unit: 's' },
      );
      if (opts.customers) results.push(...(await customerSearchBench(sys, tenantId, get)));
    } finally {
      await sys.end().catch(() => {});
      await kernel.stop();
    }
  } finally {
    await env.stop();
  }
  return results;
}

export async function run(opts: { prefix?: string } = {}): Promise<BenchResult[]> {
  const p = opts.prefix ?? '';
  const customers = !p || p.startsWith('pos.catalog.customers') || 'pos.catalog.customers'.startsWith(p);
  return [...(await catalogSearchBench({ customers }))];
}

export default run;

runAsScript(import.meta.url, () => run());
