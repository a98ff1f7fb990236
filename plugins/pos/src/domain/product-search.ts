import { likePattern, orderBy, type RequestContext } from '@atrium/sdk';
import { productView } from './products.ts';

/**
 * Text search over the catalogue for the checkout: every word typed must start a word of the name
 * or the SKU (or the one word is a barcode). Driven by the word index `pos.product_term`
 * (migration 0011 says why not ILIKE/trigram under RLS).
 *
 * A 3-letter fragment can match thousands of 100,000 products, and ordering all of them by name
 * means reading every one of them, so at most SEARCH_CAP (typeahead: TYPEAHEAD_CAP) candidates
 * are ranked: names starting with the first word typed first, then by name (or `sort`). With more
 * matches than that, `totalCapped` says "type more letters"; pages stay consistent within the
 * ranked set because the candidates are picked deterministically (index order).
 *
 * Cost is bounded by the cap, not by how many products match: the driving word's index entries
 * are read only up to SCAN_PER_CANDIDATE × (cap + 1) (one product has several words, and filters
 * may drop some), collected into an array and joined to products by primary key
 * (`= any(array)`: no hash of all matches). Only when that bounded read ran out before enough
 * candidates passed the filters (a selective second word or category) is the read repeated
 * without the bound — so the result is always the same as an unbounded search.
 *
 * Everything — the store check, candidates, count, ranking, the page with barcodes, the store's
 * price and stock — is one prepared statement (`ctx.sql`): one round trip, planned once per
 * connection.
 */

export const SEARCH_CAP = 200;
export const TYPEAHEAD_CAP = 60;
const SCAN_PER_CANDIDATE = 4;

const SORTS = { name: 'c.name', sku: 'lower(c.sku)', price: 'c.price', createdAt: 'c.created_at', updatedAt: 'c.updated_at' };

export type ProductSearch = {
  tokens: string[];
  /** the single token looks like a scanned code: its barcode's product matches too */
  scanned: boolean;
  archived: boolean;
  storeId?: string;
  categoryId?: string;
  supplierId?: string;
  variantGroupId?: string;
  lowStock?: boolean;
  sort?: string;
  limit: number;
  offset: number;
  withTotal: boolean;
};

export type ProductSearchPage = { items: Record<string, unknown>[]; total: number | null; totalCapped: boolean; limit: number; offset: number };

/** Collects bind values and hands out their `$n` placeholders. */
class Binds {
  readonly values: unknown[] = [];
  add(v: unknown, cast = ''): string {
    this.values.push(v);
    return `$${this.values.length}${cast}`;
  }
}

/** The columns productView reads, named (a prepared statement must not depend on `p.*`). */
function productColumns(store: boolean): string {
  return `p.id, p.sku, p.name, p.price, p.cost, p.unit, p.category_id, p.tax_rate_id, p.supplier_id, p.variant_group_id,
    p.attributes, p.track_stock, p.track_batches, p.low_stock_milli, p.image_file_id, p.quick_key, p.archived, p.version,
    p.created_at, p.updated_at, ${store ? 'true' : 'false'} as has_store,
    ${store ? 'sp.price' : 'null::bigint'} as store_price,
    ${store ? 'sl.on_hand_milli' : 'null::bigint'} as on_hand_milli,
    ${store ? 'sl.reserved_milli' : 'null::bigint'} as reserved_milli,
    (select coalesce(jsonb_agg(jsonb_build_object('code', b.code, 'kind', b.kind, 'qtyMilli', b.qty_milli) order by b.kind, b.code), '[]'::jsonb)
       from pos.barcode b where b.tenant_id = p.tenant_id and b.product_id = p.id) as barcodes`;
}

/** A word-prefix range scan of the word index, leakproof comparisons only (so RLS lets it use the index). */
const termRange = (alias: string, word: string) => `${alias}.term >= lower(${word}) and ${alias}.term < lower(${word}) || chr(1114111)`;

/**
 * The statement for one search. `bounded`: read the driving word's index entries only up to the
 * scan bound (see above). Its text depends only on the shape of the search (which filters, how
 * many words), never on values, so each shape is prepared once per connection. Exported for the
 * benchmark's EXPLAIN of exactly what the service runs.
 */
export function productSearchStatement(tenantId: string, s: ProductSearch, cap: number, bounded: boolean): { text: string; values: unknown[] } {
  const b = new Binds();
  const tenant = b.add(tenantId, '::uuid');
  const store = s.storeId ? b.add(s.storeId, '::uuid') : null;
  const storeJoins = (alias: string) => `
    left join pos.store_price sp on sp.tenant_id = ${alias}.tenant_id and sp.store_id = ${store} and sp.product_id = ${alias}.id
    left join pos.stock_level sl on sl.tenant_id = ${alias}.tenant_id and sl.store_id = ${store} and sl.product_id = ${alias}.id`;
  // the longest word is the most selective one to drive from; every word must match all the same
  const driver = s.tokens.reduce((best, t, i) => (t.length > s.tokens[best].length ? i : best), 0);
  const word = b.add(s.tokens[driver], '::text');
  const codes = s.scanned ? `array(select bc.product_id from pos.barcode bc where bc.tenant_id = ${tenant} and bc.code = ${word})` : `'{}'::uuid[]`;
  const where = [`p.tenant_id = ${tenant}`, `p.id = any((select r.ids || r.codes from r)::uuid[])`, `p.archived = ${b.add(s.archived, '::boolean')}`];
  s.tokens.forEach((t, i) => {
    if (i === driver) return;
    where.push(`exists (select 1 from pos.product_term w where w.tenant_id = p.tenant_id and w.product_id = p.id and ${termRange('w', b.add(t, '::text'))})`);
  });
  if (s.categoryId) {
    // a category includes its subcategories
    where.push(`p.category_id in (with recursive d as (select id from pos.category where id = ${b.add(s.categoryId, '::uuid')} union all select k.id from pos.category k join d on k.parent_id = d.id) select id from d)`);
  }
  if (s.supplierId) where.push(`p.supplier_id = ${b.add(s.supplierId, '::uuid')}`);
  if (s.variantGroupId) where.push(`p.variant_group_id = ${b.add(s.variantGroupId, '::uuid')}`);
  if (s.lowStock) where.push('p.low_stock_milli is not null and coalesce(sl.on_hand_milli, 0) <= p.low_stock_milli');
  const leads = s.sort ? null : b.add(likePattern(s.tokens[0].toLowerCase(), 'prefix'), '::text');
  // the page is cut by a bounded (top-N) sort of the candidates; its rows are put in the same order again at the end
  const order = (alias: string) => `${leads ? `(lower(${alias}.name) like ${leads}) desc, ` : ''}${orderBy(s.sort, SORTS, 'c.name', 'c.id').replace(/\bc\./g, `${alias}.`)}`;
  const scanBound = bounded ? `limit ${SCAN_PER_CANDIDATE * (cap + 1)}` : '';
  // the cap + 1st candidate only tells that there are more: pages end at the cap
  const limit = b.add(s.limit, '::int');
  const offset = b.add(s.offset, '::int');
  const text = `
    with r as (
      select array(select pt.product_id from pos.product_term pt where pt.tenant_id = ${tenant} and ${termRange('pt', word)} ${scanBound}) as ids,
             ${codes} as codes),
    c as (
      select p.id, p.name, p.sku, p.price, p.created_at, p.updated_at
      from pos.product p ${s.lowStock ? storeJoins('p') : ''}
      where ${where.join(' and ')}
      limit ${cap + 1}),
    page as (select c.id from c order by ${order('c')} limit least(${limit}, greatest(${cap} - ${offset}, 0)) offset ${offset})
    select ${productColumns(!!store)}, s.total, s.scanned${store ? `, s.store_ok` : ''}
    from (select (select count(*) from c) as total, (select cardinality(r.ids) from r) as scanned
                 ${store ? `, exists (select 1 from pos.store_settings ss where ss.store_id = ${store}) as store_ok` : ''}) s
    left join page on true
    left join pos.product p on p.tenant_id = ${tenant} and p.id = page.id ${store ? storeJoins('p') : ''}
    order by ${order('p')}`;
  return { text, values: b.values };
}

/**
 * Runs a text search. The store check rides along in the statement; when the store id names no
 * POS store of the tenant, `requireStore` is called to throw the caller's 404.
 */
export async function searchProducts(ctx: RequestContext, s: ProductSearch, requireStore: () => Promise<unknown>): Promise<ProductSearchPage> {
  const cap = s.withTotal ? SEARCH_CAP : TYPEAHEAD_CAP;
  const scanBound = SCAN_PER_CANDIDATE * (cap + 1);
  let q = productSearchStatement(ctx.tenantId, s, cap, true);
  let rows = await ctx.sql(q.text, q.values);
  if (s.storeId && !rows[0].store_ok) await requireStore();
  // the bounded read ran out before enough candidates passed the filters: there may be more
  if (Number(rows[0].scanned) >= scanBound && Number(rows[0].total) <= cap) {
    q = productSearchStatement(ctx.tenantId, s, cap, false);
    rows = await ctx.sql(q.text, q.values);
  }
  const found = Number(rows[0].total);
  const items = rows.filter((r) => r.id !== null).map((r) => productView(ctx, r));
  if (!s.withTotal) return { items, total: null, totalCapped: false, limit: s.limit, offset: s.offset };
  return { items, total: Math.min(found, cap), totalCapped: found > cap, limit: s.limit, offset: s.offset };
}
