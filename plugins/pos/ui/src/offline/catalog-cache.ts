import { normalizeCode, parseWeightBarcode } from '../lib/barcode.ts';
import type { CatalogProduct } from '../lib/types.ts';
import type { PosDb } from './idb.ts';

/**
 * The store's catalogue as the till last fetched it, so search, scanning and pricing keep
 * working without a network. Refreshed as a whole (one transaction) while online; prices sold
 * offline are the cached ones and travel with the offline sale.
 */
type Row = CatalogProduct & { storeId: string; codes: string[] };

export interface LookupHit { product: CatalogProduct; qtyMilli: number; barcode: string }

const strip = ({ storeId: _s, codes: _c, ...p }: Row): CatalogProduct => p;

export class CatalogCache {
  private readonly db: PosDb;
  constructor(db: PosDb) {
    this.db = db;
  }

  async replace(storeId: string, products: CatalogProduct[], at = new Date()): Promise<void> {
    const rows: Row[] = products.map((p) => ({ ...p, storeId, codes: p.barcodes.map((b) => b.code) }));
    await this.db.replaceByIndex('products', 'store', storeId, rows);
    await this.db.put('meta', { key: `catalog:${storeId}`, at: at.toISOString(), count: rows.length });
  }

  async info(storeId: string): Promise<{ at: string; count: number } | null> {
    const m = await this.db.get<{ at: string; count: number }>('meta', `catalog:${storeId}`);
    return m ? { at: m.at, count: m.count } : null;
  }

  async all(storeId: string): Promise<CatalogProduct[]> {
    return (await this.db.byIndex<Row>('products', 'store', storeId)).map(strip);
  }

  /** A scanned or typed code: an exact barcode (or SKU), else a weight-embedded EAN-13. */
  async lookup(storeId: string, raw: string): Promise<LookupHit | null> {
    const code = normalizeCode(raw);
    if (!code) return null;
    const exact = (await this.db.byIndex<Row>('products', 'codes', code)).find((r) => r.storeId === storeId);
    if (exact) {
      const b = exact.barcodes.find((x) => x.code === code)!;
      if (b.kind === 'unit') return { product: strip(exact), qtyMilli: b.qtyMilli, barcode: code };
    }
    const w = parseWeightBarcode(code);
    if (w) {
      const byPrefix = (await this.db.byIndex<Row>('products', 'codes', w.prefix)).find((r) => r.storeId === storeId && r.barcodes.some((b) => b.code === w.prefix && b.kind === 'weight'));
      if (byPrefix) return { product: strip(byPrefix), qtyMilli: w.qtyMilli, barcode: code };
    }
    const bySku = (await this.all(storeId)).find((p) => p.sku.toLowerCase() === code.toLowerCase());
    return bySku ? { product: bySku, qtyMilli: 1000, barcode: code } : null;
  }

  /** Name/SKU/barcode contains every word of `q` (case-insensitive, any order). */
  async search(storeId: string, q: string, limit = 30): Promise<CatalogProduct[]> {
    const words = q.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    const rows = await this.db.byIndex<Row>('products', 'store', storeId);
    const hits = rows.filter((r) => !r.archived && words.every((w) => r.name.toLocaleLowerCase().includes(w) || r.sku.toLocaleLowerCase().includes(w) || r.codes.some((c) => c.includes(w))));
    return hits.sort((a, b) => a.name.localeCompare(b.name)).slice(0, limit).map(strip);
  }

  async quickKeys(storeId: string): Promise<CatalogProduct[]> {
    const rows = await this.db.byIndex<Row>('products', 'store', storeId);
    return rows.filter((r) => r.quickKey != null && !r.archived).sort((a, b) => a.quickKey! - b.quickKey!).map(strip);
  }
}
