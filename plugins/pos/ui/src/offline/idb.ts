/**
 * A small promise wrapper over IndexedDB, for the till's offline data (queued sales, the cached
 * catalogue). Typed structurally — only what we use — so this module also compiles where the DOM
 * library is not loaded (the root tsconfig of the unit tests), and runs on fake-indexeddb there.
 *
 * One database per tenant (`atrium-pos:<tenantId>`): two businesses signed in on one tablet
 * never see each other's queue or prices.
 */

interface Req<T> { result: T; error: unknown; onsuccess: ((ev: unknown) => void) | null; onerror: ((ev: unknown) => void) | null }
interface OpenReq extends Req<IdbDatabase> { onupgradeneeded: ((ev: unknown) => void) | null; onblocked: ((ev: unknown) => void) | null }
interface IdbIndex { getAll(query?: unknown): Req<unknown[]>; getAllKeys(query?: unknown): Req<unknown[]> }
interface IdbStore {
  put(value: unknown): Req<unknown>;
  get(key: unknown): Req<unknown>;
  getAll(): Req<unknown[]>;
  delete(key: unknown): Req<unknown>;
  clear(): Req<unknown>;
  index(name: string): IdbIndex;
  createIndex(name: string, keyPath: string | string[], opts?: { unique?: boolean; multiEntry?: boolean }): unknown;
}
interface IdbTx { objectStore(name: string): IdbStore; oncomplete: ((ev: unknown) => void) | null; onerror: ((ev: unknown) => void) | null; onabort: ((ev: unknown) => void) | null; error: unknown }
export interface IdbDatabase {
  transaction(stores: string | string[], mode?: 'readonly' | 'readwrite'): IdbTx;
  createObjectStore(name: string, opts: { keyPath: string | string[] }): IdbStore;
  objectStoreNames: { contains(name: string): boolean };
  close(): void;
}
export interface IdbFactory { open(name: string, version: number): OpenReq; deleteDatabase(name: string): Req<unknown> }

export const DB_VERSION = 1;
export const dbName = (tenantId: string) => `atrium-pos:${tenantId}`;

function done<T>(req: Req<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export function defaultFactory(): IdbFactory | null {
  return ((globalThis as { indexedDB?: IdbFactory }).indexedDB) ?? null;
}

/** Opens (and creates or upgrades) the tenant's POS database. */
export function openPosDb(tenantId: string, factory: IdbFactory | null = defaultFactory()): Promise<PosDb> {
  if (!factory) return Promise.reject(new Error('IndexedDB is not available in this browser'));
  const req = factory.open(dbName(tenantId), DB_VERSION);
  req.onupgradeneeded = () => {
    const db = req.result;
    // sales waiting for (or done with) the server, keyed by their client-generated id
    if (!db.objectStoreNames.contains('sales')) db.createObjectStore('sales', { keyPath: 'id' }).createIndex('state', 'state');
    // the catalogue of one store as the till saw it last: products (with price and barcodes)
    if (!db.objectStoreNames.contains('products')) {
      const s = db.createObjectStore('products', { keyPath: ['storeId', 'id'] });
      s.createIndex('store', 'storeId');
      s.createIndex('codes', 'codes', { multiEntry: true });
    }
    // small things: last catalogue sync per store, quick keys, the chosen register
    if (!db.objectStoreNames.contains('meta')) db.createObjectStore('meta', { keyPath: 'key' });
  };
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(new PosDb(req.result));
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('the POS database is open in an older tab; close it and reload'));
  });
}

export class PosDb {
  readonly raw: IdbDatabase;
  constructor(raw: IdbDatabase) {
    this.raw = raw;
  }

  private tx(store: string, mode: 'readonly' | 'readwrite') {
    return this.raw.transaction(store, mode).objectStore(store);
  }

  get<T>(store: string, key: unknown): Promise<T | undefined> {
    return done(this.tx(store, 'readonly').get(key)) as Promise<T | undefined>;
  }

  all<T>(store: string): Promise<T[]> {
    return done(this.tx(store, 'readonly').getAll()) as Promise<T[]>;
  }

  byIndex<T>(store: string, index: string, value: unknown): Promise<T[]> {
    return done(this.tx(store, 'readonly').index(index).getAll(value)) as Promise<T[]>;
  }

  async put(store: string, value: unknown): Promise<void> {
    await this.putMany(store, [value]);
  }

  /** Writes all values in one transaction: either all of them land or none. */
  putMany(store: string, values: unknown[]): Promise<void> {
    return this.write(store, (s) => { for (const v of values) s.put(v); });
  }

  /**
   * Replaces every row whose `index` equals `value` with `values`, in one transaction (a till
   * never sees half of an old catalogue mixed with half of a new one).
   */
  replaceByIndex(store: string, index: string, value: unknown, values: unknown[]): Promise<void> {
    return this.write(store, (s) => {
      const keys = s.index(index).getAllKeys(value);
      // requests issued from a request's callback stay in the same transaction
      keys.onsuccess = () => {
        for (const k of keys.result) s.delete(k);
        for (const v of values) s.put(v);
      };
    });
  }

  private write(store: string, fn: (s: IdbStore) => void): Promise<void> {
    const tx = this.raw.transaction(store, 'readwrite');
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
      fn(tx.objectStore(store));
    });
  }

  delete(store: string, key: unknown): Promise<unknown> {
    return done(this.tx(store, 'readwrite').delete(key));
  }

  close() {
    this.raw.close();
  }
}

export { done as idbRequest };
