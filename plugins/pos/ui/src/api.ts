import type { AtriumDownload, AtriumHttp } from '@atrium/sdk/ui';
import type { ImportReport } from './lib/files.ts';
import type { CatalogProduct, Customer, GiftCard, ListPage, PosStore, Register, Sale, SalePayload, Shift, ShiftReport, Task } from './lib/types.ts';

// The POS plugin's REST routes (plugins/pos/src/services), all under /api/pos.
// `key` arguments are Idempotency-Keys: one per user intent (a sale, a dialog), kept for retries.
const keyed = (key?: string) => (key ? { headers: { 'Idempotency-Key': key } } : undefined);
type Q = Record<string, string | number | boolean | undefined | null>;
const e = encodeURIComponent;
const B = '/api/pos';

export interface TaskPhoto { id: string; taskId: string; fileId: string; name: string; contentType: string; size: number; caption?: string | null; createdAt: string; url: string }
export interface TaxRate { id: string; name: string; rateBp: number; included: boolean; archived?: boolean }
export interface KaspiQr { intentId: string; status: string; amount: number; amountPaid: number; expiresAt: string | null; qr: string | null; qrSvg: string | null }
export interface CardTerminal { id: string; storeId: string | null; name: string; archived?: boolean }
export interface Supplier { id: string; name: string; phone?: string | null; email?: string | null; taxId?: string | null; notes?: string | null; archived?: boolean; productCount?: number }
export interface ApiProduct {
  id: string; sku: string; name: string; price: number; basePrice?: number; storePrice?: number | null; cost?: number;
  unit: CatalogProduct['unit']; categoryId?: string | null; taxRateId?: string | null; supplierId?: string | null;
  barcodes: CatalogProduct['barcodes']; quickKey?: number | null; archived?: boolean; version?: number;
  onHandMilli?: number; availableMilli?: number; lowStockMilli?: number | null; trackStock?: boolean; trackBatches?: boolean;
  attributes?: Record<string, string>; updatedAt?: string; imageFileId?: string | null;
}

/** The API's product plus the tax rates → what the till prices with (priceCart needs taxBp/included). */
export function toCatalogProduct(p: ApiProduct, taxes: Map<string, TaxRate>): CatalogProduct {
  const tax = p.taxRateId ? taxes.get(p.taxRateId) : undefined;
  return {
    id: p.id, sku: p.sku, name: p.name, unit: p.unit, price: p.price,
    taxBp: tax?.rateBp ?? 0, taxIncluded: tax?.included ?? true,
    categoryId: p.categoryId ?? null, barcodes: p.barcodes ?? [], quickKey: p.quickKey ?? null,
    onHandMilli: p.availableMilli ?? p.onHandMilli ?? null, archived: p.archived,
  };
}

export function posApi(http: AtriumHttp) {
  return {
    stores: () => http.get<{ items: PosStore[]; available: { id: string; name: string }[] }>(`${B}/stores`),
    setupStore: (body: { name?: string; storeId?: string }) => http.post<PosStore>(`${B}/stores`, body),

    registers: (storeId?: string) => http.get<ListPage<Register>>(`${B}/registers`, { storeId }),
    createRegister: (body: { storeId: string; name: string; deviceRoleSuffix?: string; printReceipts?: boolean }) => http.post<Register>(`${B}/registers`, body),
    updateRegister: (id: string, body: Partial<Pick<Register, 'name' | 'deviceRoleSuffix' | 'archived'>> & { printReceipts?: boolean }) => http.patch<Register>(`${B}/registers/${e(id)}`, body),

    currentShift: (registerId: string) => http.get<{ shift: Shift | null }>(`${B}/shifts/current`, { registerId }),
    shifts: (q: Q) => http.get<ListPage<Shift>>(`${B}/shifts`, q),
    openShift: (registerId: string, openingFloat: number) => http.post<Shift>(`${B}/shifts`, { registerId, openingFloat }),
    cashMove: (shiftId: string, body: { kind: 'in' | 'out'; amount: number; reason: string }, key?: string) => http.post<unknown>(`${B}/shifts/${e(shiftId)}/cash-moves`, body, keyed(key)),
    shiftReport: (shiftId: string) => http.get<ShiftReport>(`${B}/shifts/${e(shiftId)}/report`),
    closeShift: (shiftId: string, body: { countedCash: number; clientPendingSales: number; note?: string }, key?: string) =>
      http.post<{ shift: Shift; zReport: ShiftReport }>(`${B}/shifts/${e(shiftId)}/close`, body, keyed(key)),

    products: (q: Q) => http.get<ListPage<ApiProduct> & { total: number | null }>(`${B}/products`, q),
    product: (id: string, storeId?: string) => http.get<ApiProduct & { storePrices?: { storeId: string; price: number }[] }>(`${B}/products/${e(id)}`, { storeId }),
    createProduct: (body: Record<string, unknown>) => http.post<ApiProduct>(`${B}/products`, body),
    updateProduct: (id: string, body: Record<string, unknown>) => http.patch<ApiProduct>(`${B}/products/${e(id)}`, body),
    deleteProduct: (id: string) => http.delete<unknown>(`${B}/products/${e(id)}`),
    /** The image is the request body (raw route); PNG, JPEG or WebP. */
    uploadProductImage: (id: string, file: Blob) => http.upload<ApiProduct>(`${B}/products/${e(id)}/image`, file, { method: 'PUT', ...(file.type ? {} : { contentType: 'image/jpeg' }) }),
    productImage: (id: string) => http.download(`${B}/products/${e(id)}/image`),
    setStorePrice: (id: string, storeId: string, price: number) => http.put<unknown>(`${B}/products/${e(id)}/prices/${e(storeId)}`, { price }),
    lookup: (code: string, storeId?: string) => http.get<{ product: ApiProduct; qtyMilli: number; unitPrice: number; barcode: { code: string; kind: string } | null }>(`${B}/products/lookup`, { code, storeId }),
    taxRates: () => http.get<ListPage<TaxRate>>(`${B}/tax-rates`, { limit: 200 }),
    categories: () => http.get<ListPage<{ id: string; name: string; path?: string; parentId?: string | null; sort?: number; depth?: number; productCount?: number }>>(`${B}/categories`, { limit: 1000 }),
    createCategory: (body: { name: string; parentId?: string | null; sort?: number }, key: string) => http.post<{ id: string }>(`${B}/categories`, body, keyed(key)),
    updateCategory: (id: string, body: { name?: string; parentId?: string | null; sort?: number }) => http.patch<unknown>(`${B}/categories/${e(id)}`, body),
    deleteCategory: (id: string) => http.delete<unknown>(`${B}/categories/${e(id)}`),
    createTaxRate: (body: { name: string; rateBp: number; included: boolean }, key: string) => http.post<TaxRate>(`${B}/tax-rates`, body, keyed(key)),
    updateTaxRate: (id: string, body: { archived?: boolean }) => http.patch<TaxRate>(`${B}/tax-rates/${e(id)}`, body),
    variantGroups: () => http.get<ListPage<{ id: string; name: string; attributes: string[]; variantCount?: number }>>(`${B}/variant-groups`, { limit: 200 }),
    createVariantGroup: (body: { name: string; attributes: string[] }, key: string) => http.post<{ id: string; name: string; attributes: string[] }>(`${B}/variant-groups`, body, keyed(key)),
    generateVariants: (id: string, body: { values: Record<string, string[]>; skuPrefix: string; price: number }, key: string) => http.post<unknown>(`${B}/variant-groups/${e(id)}/variants`, body, keyed(key)),

    suppliers: (q: Q = {}) => http.get<ListPage<Supplier>>(`${B}/suppliers`, { limit: 200, ...q }),
    createSupplier: (body: Partial<Supplier> & { name: string }) => http.post<Supplier>(`${B}/suppliers`, body),
    updateSupplier: (id: string, body: Partial<Supplier>) => http.patch<Supplier>(`${B}/suppliers/${e(id)}`, body),
    deleteSupplier: (id: string) => http.delete<{ deleted: boolean; archived: boolean }>(`${B}/suppliers/${e(id)}`),
    /** A stock document (receipts, counts, adjustments, transfers); `post` moves stock at once. 422 LARGE_QUANTITY asks for `confirmLarge`. */
    saveStockDocument: (path: 'receipts' | 'counts' | 'adjustments', body: Record<string, unknown>, key: string) => http.post<Record<string, any>>(`${B}/stock/${path}`, body, keyed(key)),
    postStockDraft: (path: string, id: string, confirmLarge: boolean, key: string) => http.post<Record<string, any>>(`${B}/stock/${path}/${e(id)}/post`, confirmLarge ? { confirmLarge } : {}, keyed(key)),
    stockLevels: (q: Q) => http.get<ListPage<Record<string, any>>>(`${B}/stock/levels`, q),
    stockMoves: (q: Q) => http.get<ListPage<Record<string, any>>>(`${B}/stock/moves`, q),
    stockDocuments: (q: Q) => http.get<ListPage<Record<string, any>>>(`${B}/stock/documents`, q),

    /** `Idempotency-Key: sale-<id>` (offline/sale-queue.ts) on top of the client id the server also de-duplicates on. */
    createSale: (p: SalePayload, key: string) => http.post<Sale>(`${B}/sales`, p, keyed(key)),
    sales: (q: Q) => http.get<ListPage<Sale>>(`${B}/sales`, q),
    sale: (id: string) => http.get<Sale>(`${B}/sales/${e(id)}`),
    printLabels: (body: { registerId: string; kind: 'barcode' | 'shelf'; items: { productId: string; copies: number }[] }, key: string) =>
      http.post<{ printed: number; error: string | null; jobs: { productId: string; jobId: string | null }[] }>(`${B}/labels`, body, keyed(key)),
    printShift: (shiftId: string, key: string) => http.post<{ kind: 'X' | 'Z'; jobId: string | null; error: string | null }>(`${B}/shifts/${e(shiftId)}/print`, {}, keyed(key)),
    kaspiQr: (body: { saleId: string; registerId: string; amount: number; displayRole?: string }) => http.post<KaspiQr>(`${B}/kaspi-qr`, body),
    kaspiQrStatus: (intentId: string) => http.get<KaspiQr>(`${B}/kaspi-qr/${e(intentId)}`),
    cardTerminals: (q: Q = {}) => http.get<ListPage<CardTerminal>>(`${B}/card-terminals`, { limit: 200, ...q }),
    createCardTerminal: (body: { name: string; storeId?: string | null }) => http.post<CardTerminal>(`${B}/card-terminals`, body),
    updateCardTerminal: (id: string, body: Partial<{ name: string; storeId: string | null; archived: boolean }>) => http.patch<CardTerminal>(`${B}/card-terminals/${e(id)}`, body),
    reviewSale: (id: string, body: { decision: 'approve' | 'reject'; note?: string }, key: string) => http.post<Sale>(`${B}/sales/${e(id)}/review`, body, keyed(key)),
    voidSale: (id: string, reason: string, key?: string) => http.post<Sale>(`${B}/sales/${e(id)}/void`, { reason }, keyed(key)),
    returnSale: (id: string, body: { lines: { lineNo: number; qtyMilli: number }[]; refunds?: { method: string; amount: number }[]; refundMethod?: string; reason: string; restock?: boolean }, key?: string) =>
      http.post<Record<string, any>>(`${B}/sales/${e(id)}/returns`, body, keyed(key)),
    /** A copy: each press is a new print job (`key`: one per press, so a retried press prints once). */
    reprint: (id: string, key: string) => http.post<{ saleId: string; jobId: string | null; error: string | null }>(`${B}/sales/${e(id)}/reprint`, {}, keyed(key)),
    sendReceipt: (id: string, email: string, key?: string) => http.post<unknown>(`${B}/sales/${e(id)}/send`, { email }, keyed(key)),
    receiptPdf: (id: string): Promise<AtriumDownload> => http.download(`${B}/sales/${e(id)}/receipt.pdf`),

    customers: (q: Q) => http.get<ListPage<Customer>>(`${B}/customers`, q),
    customer: (id: string) => http.get<Customer>(`${B}/customers/${e(id)}`),
    createCustomer: (body: Record<string, unknown>) => http.post<Customer>(`${B}/customers`, body),
    updateCustomer: (id: string, body: Record<string, unknown>) => http.patch<Customer>(`${B}/customers/${e(id)}`, body),
    customerLedger: (id: string, q: Q) => http.get<ListPage<Record<string, any>>>(`${B}/customers/${e(id)}/ledger`, q),
    customerPoints: (id: string, q: Q) => http.get<ListPage<Record<string, any>>>(`${B}/customers/${e(id)}/points`, q),
    customerSales: (id: string, q: Q) => http.get<ListPage<Sale>>(`${B}/customers/${e(id)}/sales`, q),
    deposit: (id: string, body: { amount: number; method?: string; note?: string; registerId?: string }, key?: string) =>
      http.post<{ balance: number; creditLimit: number }>(`${B}/customers/${e(id)}/deposits`, body, keyed(key)),
    repay: (id: string, body: { amount: number; method?: string; note?: string; registerId?: string }, key?: string) =>
      http.post<{ balance: number; creditLimit: number }>(`${B}/customers/${e(id)}/repayments`, body, keyed(key)),

    giftCards: (q: Q) => http.get<ListPage<GiftCard>>(`${B}/gift-cards`, q),
    giftCard: (code: string) => http.get<GiftCard>(`${B}/gift-cards/${e(code)}`),
    issueGiftCard: (body: { amount: number; code?: string; customerId?: string; expiresOn?: string }) => http.post<GiftCard>(`${B}/gift-cards`, body),
    blockGiftCard: (code: string, block: boolean) => http.post<GiftCard>(`${B}/gift-cards/${e(code)}/${block ? 'block' : 'unblock'}`, {}),

    tasks: (q: Q) => http.get<ListPage<Task>>(`${B}/tasks`, q),
    task: (id: string) => http.get<Task>(`${B}/tasks/${e(id)}`),
    createTask: (body: Record<string, unknown>) => http.post<Task>(`${B}/tasks`, body),
    updateTask: (id: string, body: Record<string, unknown>) => http.patch<Task>(`${B}/tasks/${e(id)}`, body),
    commentTask: (id: string, body: { body: string; fileId?: string }) => http.post<unknown>(`${B}/tasks/${e(id)}/comments`, body),
    taskPhotos: (id: string) => http.get<ListPage<TaskPhoto>>(`${B}/tasks/${e(id)}/photos`, { limit: 100 }),
    /** The image itself is the request body (raw route); ?name= and ?caption= ride in the query. */
    addTaskPhoto: (id: string, file: Blob, name: string, contentType: string, caption?: string) =>
      http.upload<TaskPhoto>(`${B}/tasks/${e(id)}/photos`, file, { contentType, query: { name, caption: caption || undefined } }),
    /** A stored file (a task photo) with the session: an <img src> could not carry the token. */
    file: (fileId: string) => http.download(`/api/files/${e(fileId)}`),

    /** CSV/XLSX as the raw body; dryRun only checks. Job-based above 2,000 rows: follow with importStatus. */
    importProducts: (file: Blob, o: { contentType: string; fileName: string; mode: 'all' | 'valid'; dryRun: boolean }, key: string) =>
      http.upload<ImportReport>(`${B}/products/import`, file, { contentType: o.contentType, query: { mode: o.mode, dryRun: o.dryRun, fileName: o.fileName }, headers: { 'Idempotency-Key': key } }),
    importStatus: (id: string) => http.get<ImportReport>(`${B}/products/imports/${e(id)}`, { errorLimit: 1000 }),
    exportProducts: (format: 'csv' | 'xlsx') => http.download(`${B}/products/export`, { query: { format } }),

    /** The people with a POS PIN (names only) and the till's PIN actions (issue 13: a shared till). */
    staff: () => http.get<ListPage<StaffPerson>>(`${B}/staff`),
    staffMembers: () => http.get<ListPage<StaffPerson & { email: string }>>(`${B}/staff/members`),
    setPin: (userId: string, pin: string) => http.put<StaffPerson>(`${B}/staff/${e(userId)}/pin`, { pin }),
    clearPin: (userId: string) => http.delete<unknown>(`${B}/staff/${e(userId)}/pin`),
    tillOperator: (body: { registerId: string; userId: string; pin: string }) => http.post<TillSession>(`${B}/till/operator`, body),
    tillApproval: (body: { registerId: string; userId: string; pin: string }) => http.post<TillSession>(`${B}/till/approval`, body),
    tillClock: (body: { registerId: string; userId: string; pin: string; action: 'in' | 'out' }) => http.post<{ userId: string; name: string; action: 'in' | 'out' }>(`${B}/till/clock`, body),
    park: (body: { registerId: string; label?: string; cart: Record<string, unknown>; total: number }, key: string) => http.post<ParkedSale>(`${B}/till/parked`, body, keyed(key)),
    parkedSales: (storeId: string) => http.get<ListPage<ParkedSale>>(`${B}/till/parked`, { storeId }),
    resumeParked: (id: string) => http.post<{ id: string; cart: Record<string, unknown>; total: number; label: string | null }>(`${B}/till/parked/${e(id)}/resume`, {}),
    promotions: (q: Q = {}) => http.get<ListPage<PromotionView>>(`${B}/promotions`, { limit: 200, ...q }),
    createPromotion: (body: Record<string, unknown>, key: string) => http.post<PromotionView>(`${B}/promotions`, body, keyed(key)),
    updatePromotion: (id: string, body: Record<string, unknown>) => http.patch<PromotionView>(`${B}/promotions/${e(id)}`, body),

    report: <T>(name: 'daily' | 'products' | 'rfm' | 'dashboard' | 'breakdown', q: Q = {}) => http.get<T>(`${B}/reports/${name}`, q),
    exportBreakdown: (q: { by: string; from: string; to: string }) => http.download(`${B}/reports/breakdown`, { query: { ...q, format: 'xlsx' } }),
  };
}
export type PosApi = ReturnType<typeof posApi>;
export interface StaffPerson { userId: string; name: string; roles: string[]; hasPin: boolean; clockedInAt?: string | null }
export interface TillSession { token: string; expiresAt: string; userId: string; name: string; maxDiscountBp: number }
export interface ParkedSale { id: string; registerId: string; registerName?: string; label: string | null; total: number; lines?: number; parkedAt: string }
export interface PromotionView { id: string; name: string; kind: string; rule: Record<string, any>; storeId: string | null; validFrom: string | null; validTo: string | null; active: boolean }

/**
 * The whole catalogue of a store for the till's offline cache, page by page. Small shops have a
 * few thousand products; `max` keeps a giant catalogue from filling the tablet (search then falls
 * back to the server while online).
 */
export async function fetchCatalog(api: PosApi, storeId: string, max = 20_000): Promise<CatalogProduct[]> {
  const taxes = new Map((await api.taxRates()).items.map((t) => [t.id, t]));
  const out: CatalogProduct[] = [];
  for (let offset = 0; offset < max; offset += 200) {
    const page = await api.products({ storeId, limit: 200, offset, withTotal: false, sort: 'name' });
    out.push(...page.items.map((p) => toCatalogProduct(p, taxes)));
    if (page.items.length < 200) break;
  }
  return out;
}
