// Shapes of the POS REST API (plugins/pos/src/services) as the UI uses them.
import type { Discount, TenderMethod } from '@atrium/plugin-pos/pricing';

export type { Discount, TenderMethod };

export interface PosStore { storeId: string; name: string; allowNegativeStock?: boolean; receiptHeader?: string[]; receiptFooter?: string[] }
export interface Register { id: string; storeId: string; name: string; deviceRoleSuffix: string; archived?: boolean }

export interface Shift {
  id: string;
  registerId: string;
  storeId: string;
  number: number;
  status: 'open' | 'closed';
  openedAt: string;
  openedBy?: string;
  openingFloat: number;
  closedAt?: string | null;
  countedCash?: number | null;
  expectedCash?: number | null;
  zReport?: ShiftReport | null;
}

/** X report (open shift) and Z report (closed shift) share one shape (src/domain/shift-report.ts). */
export interface ShiftReport {
  kind?: 'X' | 'Z';
  shiftId: string;
  number: number;
  registerId: string;
  openedAt: string;
  closedAt: string | null;
  currency: string;
  sales: { count: number; total: number; discountTotal: number; taxTotal: number };
  voided: { count: number; total: number };
  returns: { count: number; total: number };
  byMethod: Record<string, { sales: number; refunds: number; net: number }>;
  cash: { openingFloat: number; sales: number; refunds: number; in: number; out: number; expected: number };
  countedCash?: number;
  discrepancy?: number;
  note?: string | null;
  [k: string]: unknown;
}

/** A product as the till needs it: price in this store, tax, unit, barcodes. */
export interface CatalogProduct {
  id: string;
  sku: string;
  name: string;
  unit: 'pcs' | 'kg' | 'l' | 'm';
  price: number;
  taxBp: number;
  taxIncluded: boolean;
  categoryId?: string | null;
  barcodes: { code: string; kind: 'unit' | 'weight'; qtyMilli: number }[];
  quickKey?: number | null;
  onHandMilli?: number | null;
  archived?: boolean;
}

export interface SaleLineInput { productId: string; qtyMilli: number; unitPrice?: number; discount?: Discount; promotionId?: string | null; promoDiscount?: number }
export interface PaymentInput { method: TenderMethod; amount: number; tendered?: number; reference?: string; giftCardCode?: string; terminalId?: string; intentId?: string }

/** Body of POST /api/pos/sales. `id` is generated on the till so a replay is recognised. */
export interface SalePayload {
  id: string;
  registerId: string;
  customerId?: string;
  lines: SaleLineInput[];
  discount?: Discount;
  payments: PaymentInput[];
  note?: string;
  clientCreatedAt?: string;
  offline?: boolean;
  expectedTotal?: number;
  /** Who serves at a shared till (their PIN session) and a manager's one-time approval of a discount above the limit. */
  operatorToken?: string;
  approvalToken?: string;
}

export interface SaleLine { lineNo: number; productId: string; name: string; unit?: CatalogProduct['unit']; qtyMilli: number; unitPrice: number; lineDiscount: number; receiptDiscount: number; promoDiscount?: number; promotionId?: string | null; tax: number; total: number; returnedMilli: number }
export interface SalePayment { method: TenderMethod; amount: number; tendered?: number | null; reference?: string | null; refunded?: number }
export interface Sale {
  id: string;
  number: string;
  status: 'completed' | 'voided';
  storeId: string;
  registerId: string;
  shiftId: string;
  customerId?: string | null;
  currency: string;
  subtotal: number;
  discountTotal: number;
  taxTotal: number;
  total: number;
  paidTotal: number;
  changeDue: number;
  refundedTotal: number;
  pointsEarned?: number;
  lines: SaleLine[];
  payments: SalePayment[];
  receipt: { jobId: string; state: string } | null;
  soldAt: string;
  offline: boolean;
  fiscalStatus?: string;
  voidReason?: string | null;
  rounding?: number;
  clientCreatedAt?: string | null;
  /** Offline sales that could not be fully trusted (issue 24): flagged for a manager, or decided. */
  review?: { status: 'none' | 'flagged' | 'approved' | 'rejected'; reasons: Record<string, any>[]; difference: number; by: string | null; at: string | null; note: string | null };
  returns?: { id: string; number: string; amount: number; reason?: string; createdAt: string; lines: { lineNo: number; qtyMilli: number }[]; refunds: { method: string; amount: number }[] }[];
}

export interface Customer {
  id: string;
  kind?: 'person' | 'company';
  name: string;
  phone?: string | null;
  email?: string | null;
  groupId?: string | null;
  group?: { id: string; name: string; discountBp: number } | null;
  discountBp?: number;
  creditLimit: number;
  balance: number;
  points: number;
  notes?: string | null;
  version?: number;
}

export interface GiftCard { id: string; code: string; balance: number; initialAmount: number; status: 'active' | 'blocked' | 'expired'; expiresOn?: string | null; customerId?: string | null; createdAt?: string }

export interface Task {
  id: string;
  title: string;
  description?: string | null;
  status: string;
  priority: string;
  assigneeId?: string | null;
  assigneeName?: string | null;
  storeId?: string | null;
  dueAt?: string | null;
  createdAt: string;
  updatedAt?: string;
  comments?: { id: string; body: string; authorId?: string; authorName?: string; fileId?: string | null; createdAt: string }[];
}

export interface ListPage<T> { items: T[]; total: number }
