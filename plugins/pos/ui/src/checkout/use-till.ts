import { isApiError, useAtrium } from '@atrium/sdk/ui';
import { computed, onBeforeUnmount, ref, shallowRef } from 'vue';
import { fetchCatalog, posApi, toCatalogProduct, type TaxRate } from '../api.ts';
import { CatalogCache, type LookupHit } from '../offline/catalog-cache.ts';
import { openPosDb, type PosDb } from '../offline/idb.ts';
import { SaleQueue, idempotencyKeyFor, type QueuedSale } from '../offline/sale-queue.ts';
import type { CatalogProduct, Register, SalePayload, Shift } from '../lib/types.ts';
import { seedPosConfig, usePosConfig, type PosConfig } from '../lib/pos-config.ts';

/**
 * The till's state and its link to the server: the chosen register and its shift, the offline
 * database (queue + catalogue), the online flag and the unsynced count. Sales always go through
 * the queue (written to IndexedDB first), then are sent at once when online.
 */
export function useTill() {
  const atrium = useAtrium();
  const api = posApi(atrium.http);
  const db = shallowRef<PosDb | null>(null);
  const queue = shallowRef<SaleQueue | null>(null);
  const cache = shallowRef<CatalogCache | null>(null);
  const online = ref(globalThis.navigator?.onLine ?? true);
  const counts = ref({ pending: 0, attention: 0, unsynced: 0 });
  const attention = ref<QueuedSale[]>([]);
  const syncing = ref(false);
  const registers = ref<Register[]>([]);
  const register = ref<Register | null>(null);
  const shift = ref<Shift | null>(null);
  /** The register's shift is being asked for: the till must not offer "open a shift" until it knows there is none. */
  const shiftLoading = ref(false);
  const catalogInfo = ref<{ at: string; count: number } | null>(null);
  const quickKeys = ref<CatalogProduct[]>([]);
  const currency = ref('KZT');
  const storageError = ref<string | null>(null);
  const tenantId = atrium.tenant()?.id ?? 'default';
  const config = usePosConfig();
  const registerKey = registerKeyFor(tenantId);
  let taxes: Promise<Map<string, TaxRate>> | null = null;
  const taxRates = () => (taxes ??= api.taxRates().then((r) => new Map(r.items.map((t) => [t.id, t]))).catch((e) => { taxes = null; throw e; }));

  async function refreshCounts() {
    if (!queue.value) return;
    counts.value = await queue.value.counts();
    attention.value = await queue.value.list('attention');
  }

  async function init() {
    try {
      db.value = await openPosDb(tenantId);
      cache.value = new CatalogCache(db.value);
      queue.value = new SaleQueue(db.value, (p: SalePayload, key: string) => api.createSale(p, key));
      queue.value.subscribe(() => void refreshCounts());
      await refreshCounts();
    } catch (e) {
      // private mode or a blocked database: sales can still be made online, but not offline
      storageError.value = e instanceof Error ? e.message : String(e);
    }
    const cached = (await db.value?.get<{ key: string; register: Register; shift: Shift | null; currency: string; config?: PosConfig }>('meta', registerKey)) ?? null;
    if (cached) {
      register.value = cached.register;
      shift.value = cached.shift;
      currency.value = cached.currency || currency.value;
      // offline, the till still rounds cash and limits discounts the way the shop set them
      seedPosConfig(config, cached.config);
    }
    await loadRemote();
    if (online.value) void sync();
  }

  /** Everything that needs the server; failures leave the cached state in place (offline start). */
  async function loadRemote() {
    try {
      const c = await atrium.http.get<PosConfig>('/api/pos/config');
      config.value = { ...config.value, ...c };
      currency.value = c.currency;
      registers.value = (await api.registers()).items.filter((r) => !r.archived);
      if (register.value && !registers.value.some((r) => r.id === register.value!.id)) register.value = null;
      if (!register.value && registers.value.length === 1) register.value = registers.value[0];
      if (register.value) await loadShift();
      setOnline(true);
    } catch (e) {
      if (isNetwork(e)) setOnline(false);
      else atrium.notifyError(e);
    }
    if (register.value) await loadCatalog();
  }

  async function remember() {
    if (!db.value || !register.value) return;
    await db.value.put('meta', { key: registerKey, register: { ...register.value }, shift: shift.value ? { ...shift.value, zReport: null } : null, currency: currency.value, config: JSON.parse(JSON.stringify(config.value)) });
  }

  async function chooseRegister(r: Register | null) {
    register.value = r;
    shift.value = null;
    if (r) {
      await loadShift().catch((e) => (isNetwork(e) ? setOnline(false) : atrium.notifyError(e)));
      await loadCatalog();
    }
    await remember();
  }

  async function loadShift() {
    if (!register.value) return;
    shiftLoading.value = true;
    try {
      shift.value = (await api.currentShift(register.value.id)).shift;
    } finally {
      shiftLoading.value = false;
    }
    await remember();
  }

  /** Fresh catalogue from the server into the cache when online; the cached one otherwise. */
  async function loadCatalog(force = false) {
    const storeId = register.value?.storeId;
    if (!storeId || !cache.value) return;
    catalogInfo.value = await cache.value.info(storeId);
    const stale = !catalogInfo.value || Date.now() - Date.parse(catalogInfo.value.at) > 5 * 60_000;
    if (online.value && (force || stale)) {
      try {
        await cache.value.replace(storeId, await fetchCatalog(api, storeId));
        catalogInfo.value = await cache.value.info(storeId);
      } catch (e) {
        if (isNetwork(e)) setOnline(false);
        else atrium.notifyError(e);
      }
    }
    quickKeys.value = await cache.value.quickKeys(storeId);
  }

  /** A scanned or typed code. Online the server decides (fresh price, stock); offline the cache. */
  async function lookup(code: string): Promise<LookupHit | null> {
    const storeId = register.value?.storeId;
    if (!storeId) return null;
    if (online.value) {
      try {
        const r = await api.lookup(code, storeId);
        const product = { ...toCatalogProduct(r.product, await taxRates()), price: r.unitPrice };
        return { product, qtyMilli: r.qtyMilli, barcode: code };
      } catch (e) {
        if (isApiError(e) && e.status === 404) return null;
        if (!isNetwork(e)) throw e;
        setOnline(false);
      }
    }
    return cache.value ? cache.value.lookup(storeId, code) : null;
  }

  async function search(q: string): Promise<CatalogProduct[]> {
    const storeId = register.value?.storeId;
    if (!storeId || !q.trim()) return [];
    if (cache.value && catalogInfo.value?.count) return cache.value.search(storeId, q);
    if (!online.value) return [];
    const t = await taxRates();
    return (await api.products({ storeId, q, limit: 30, withTotal: false })).items.map((p) => toCatalogProduct(p, t));
  }

  /**
   * Completes a sale: into the queue first (so nothing is lost), then sent at once when online.
   * Returns the queue entry as it stands afterwards (synced with the server's sale, or pending).
   */
  async function submitSale(payload: SalePayload, total: number): Promise<QueuedSale | { direct: true; sale: Awaited<ReturnType<typeof api.createSale>> }> {
    if (!queue.value) {
      // no IndexedDB: online only, sent directly
      return { direct: true, sale: await api.createSale({ ...payload, offline: false }, idempotencyKeyFor(payload.id)) };
    }
    await queue.value.enqueue(payload, total);
    if (!online.value) return (await queue.value.get(payload.id))!;
    const after = await queue.value.syncOne(payload.id);
    if (after?.state === 'pending' && after.error && after.error.status === 0) {
      // the network dropped while sending: it is an offline sale now (its price stands)
      setOnline(false);
      await db.value!.put('sales', { ...after, payload: { ...after.payload, offline: true } });
    }
    return (await queue.value.get(payload.id))!;
  }

  async function sync() {
    if (!queue.value || syncing.value) return;
    syncing.value = true;
    try {
      const r = await queue.value.sync();
      setOnline(!r.offline);
      if (r.synced.length && register.value) await loadShift().catch(() => {});
      return r;
    } finally {
      syncing.value = false;
      await refreshCounts();
    }
  }

  function setOnline(v: boolean) {
    const was = online.value;
    online.value = v;
    if (v && !was) {
      void sync();
      void loadCatalog();
    }
  }

  const onOnline = () => { setOnline(true); void loadRemote(); };
  const onOffline = () => setOnline(false);
  globalThis.addEventListener?.('online', onOnline);
  globalThis.addEventListener?.('offline', onOffline);
  // a till left open retries on its own; the button is for the impatient
  const timer = setInterval(() => { if (counts.value.pending && !syncing.value) void sync(); }, 30_000);
  onBeforeUnmount(() => {
    globalThis.removeEventListener?.('online', onOnline);
    globalThis.removeEventListener?.('offline', onOffline);
    clearInterval(timer);
    db.value?.close();
  });

  const ready = computed(() => !!register.value && shift.value?.status === 'open');

  return {
    api, atrium, db, queue, cache, online, counts, attention, syncing, registers, register, shift, shiftLoading, catalogInfo, quickKeys, currency, storageError, ready,
    init, loadRemote, chooseRegister, loadShift, loadCatalog, lookup, search, submitSale, sync, refreshCounts, remember, setOnline,
  };
}

/** Where the till remembers its register and shift (the POS database's meta store). */
export const registerKeyFor = (tenantId: string) => `atrium.pos.register:${tenantId}`;

export function isNetwork(e: unknown): boolean {
  return (isApiError(e) && (e.status === 0 || e.code === 'NETWORK')) || e instanceof TypeError;
}

export type Till = ReturnType<typeof useTill>;
