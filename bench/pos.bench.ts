/**
 * pos.catalog.* — the checkout's catalogue reads over HTTP through a real kernel with the POS
 * plugin (auth, plugin gate, ajv, CASL, tenant transaction with RLS): barcode lookup and
 * search-as-you-type over 100,000 products of one tenant. Goal (issue 5): p95 ≤ 10 ms.
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
import { percentile, round, startBenchEnv, startBenchKernel, type BenchResult } from './bench-env.ts';

const PRODUCTS = Number(process.env.BENCH_POS_PRODUCTS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_POS_SEARCH_REQUESTS ?? 2000);
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

async function seed(sys: pg.Client, tenantId: string, storeId: string): Promise<void> {
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

/** Barcode lookup and text search over HTTP, with bare-PostgreSQL anchors. */
export async function catalogSearchBench(): Promise<BenchResult[]> {
  const env = await startBenchEnv();
  const results: BenchResult[] = [];
  try {
    const kernel = await startBenchKernel(env, [pos], { poolMax: 20 });
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
      const pgText = await timeEach(REQUESTS, 200, async (i) => {
        const f = frags[i % frags.length];
        // the same candidate scan + ranking the service runs, straight on PostgreSQL
        await sys.query(
          `with c as (select p.id, p.name from pos.product p where p.tenant_id = $1 and not p.archived
                        and p.id in (select t.product_id from pos.product_term t where t.tenant_id = $1 and t.term >= $2 and t.term < $2 || chr(1114111)) limit 201)
           select c.*, count(*) over () as total from c order by (lower(c.name) like $3) desc, c.name, c.id limit 20`,
          [tenantId, f, `${f}%`],
        );
      });

      if (process.env.BENCH_VERBOSE) {
        // the service's search as the app runs it: app role, RLS on, the same SQL
        await sys.query('begin');
        await sys.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
        await sys.query('set local role atrium_app');
        for (const f of ['мол', 'danon']) {
          const e = await sys.query(
            `explain (analyze, costs off) with ids as materialized (select pt.product_id from pos.product_term pt where pt.term >= lower($2) and pt.term < lower($2) || chr(1114111)),
               c as (select p.id, p.name, p.sku, p.price, p.created_at, p.updated_at from pos.product p
               left join pos.store_price sp on sp.tenant_id = p.tenant_id and sp.store_id = $1 and sp.product_id = p.id
               left join pos.stock_level sl on sl.tenant_id = p.tenant_id and sl.store_id = $1 and sl.product_id = p.id
               where p.archived = false and p.id in (select product_id from ids) limit 201),
             page as (select c.id, count(*) over () as total, row_number() over (order by (lower(c.name) like $3) desc, c.name asc nulls last, c.id) as ord from c order by ord limit 20 offset 0)
             select p.id, page.total from page join pos.product p on p.id = page.id order by page.ord`,
            [storeId, f, `${f}%`],
          );
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
    } finally {
      await sys.end().catch(() => {});
      await kernel.stop();
    }
  } finally {
    await env.stop();
  }
  return results;
}

export async function run(_opts: { prefix?: string } = {}): Promise<BenchResult[]> {
  return [...(await catalogSearchBench())];
}

export default run;

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((m) => {
    console.log(JSON.stringify(m, null, 2));
    process.exit(0);
  }, (e) => {
    console.error(e);
    process.exit(1);
  });
}
