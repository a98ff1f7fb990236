import type { Sale, SalePayload } from '../lib/types.ts';
import type { PosDb } from './idb.ts';

/**
 * The till's outbox of sales. Every sale the cashier completes is written here first (IndexedDB,
 * with its client-generated id) and only then sent, so a sale is never lost: not when the network
 * is down, not when the tab is closed mid-request, not on a reload.
 *
 * Sending is idempotent end to end: the id is generated once, on the till, and the server answers
 * a replay of the same id with the sale it stored, and every request carries
 * `Idempotency-Key: sale-<id>`. So "sync" can be run any number of times, by the online/offline
 * events, a timer, the "sync now" button and a page reload, without creating a second sale.
 *
 * A sale the server refuses for a business reason (409 OUT_OF_STOCK, 422 …) is never dropped:
 * it moves to `attention`, where the cashier sees it with the server's reason and retries it (after
 * stock arrives, say) or dismisses it with a reason of their own — both recorded.
 */

export type QueueState = 'pending' | 'synced' | 'attention' | 'dismissed';

export interface QueuedSale {
  id: string;
  idempotencyKey: string;
  payload: SalePayload;
  state: QueueState;
  /** Shown in the list while the server number is not known yet. */
  total: number;
  createdAt: string;
  attempts: number;
  lastTriedAt?: string;
  /** The server's refusal, for `attention`; the last transient failure, for `pending`. */
  error?: { status: number; code: string; message: string; details?: Record<string, unknown> };
  /** The stored sale, once the server has it. */
  sale?: Pick<Sale, 'id' | 'number' | 'total' | 'receipt' | 'shiftId'>;
  syncedAt?: string;
  dismissedReason?: string;
}

/** Sends one sale. Resolves with the server's sale (201 new, or 200 replay); rejects with the HTTP error. */
export type SendSale = (payload: SalePayload, idempotencyKey: string) => Promise<Sale>;

export interface SyncResult {
  synced: string[];
  attention: string[];
  /** Transient failures (network, 5xx): still pending. */
  deferred: string[];
  /** True when the network was down: the rest was not tried. */
  offline: boolean;
}

export const idempotencyKeyFor = (saleId: string) => `sale-${saleId}`;

type ErrorLike = { status?: number; code?: string; message?: string; details?: Record<string, unknown> };

/**
 * What to do with a failed send. Network failures and server trouble are transient (try again
 * later, keep the order); anything else the server said about *this* sale needs a person.
 */
export function classifyFailure(e: unknown): 'offline' | 'retry' | 'attention' {
  const err = (e ?? {}) as ErrorLike;
  const status = typeof err.status === 'number' ? err.status : 0;
  if (status === 0 || err.code === 'NETWORK' || e instanceof TypeError) return 'offline';
  // 401: the session is being refreshed or was lost — the sale itself is fine; 408/429/5xx: later.
  if (status === 401 || status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'attention';
}

function errorOf(e: unknown): QueuedSale['error'] {
  const err = (e ?? {}) as ErrorLike;
  return { status: err.status ?? 0, code: err.code ?? 'ERROR', message: err.message ?? String(e), ...(err.details && Object.keys(err.details).length ? { details: err.details } : {}) };
}

export class SaleQueue {
  private running: Promise<SyncResult> | null = null;
  private listeners = new Set<() => void>();

  private readonly db: PosDb;
  private readonly send: SendSale;
  private readonly now: () => Date;

  constructor(db: PosDb, send: SendSale, now: () => Date = () => new Date()) {
    this.db = db;
    this.send = send;
    this.now = now;
  }

  /** Called after every change (enqueue, sync, retry, dismiss) so the screen can re-read counts. */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed() {
    for (const fn of this.listeners) fn();
  }

  /** Stores a completed sale before anything is sent. The payload must carry its client id. */
  async enqueue(payload: SalePayload, total: number): Promise<QueuedSale> {
    if (!payload.id) throw new Error('a queued sale needs its client-generated id');
    const existing = await this.db.get<QueuedSale>('sales', payload.id);
    if (existing) return existing; // the same sale enqueued twice (double tap) stays one sale
    const item: QueuedSale = {
      id: payload.id,
      idempotencyKey: idempotencyKeyFor(payload.id),
      payload,
      state: 'pending',
      total,
      createdAt: this.now().toISOString(),
      attempts: 0,
    };
    await this.db.put('sales', item);
    this.changed();
    return item;
  }

  get(id: string): Promise<QueuedSale | undefined> {
    return this.db.get<QueuedSale>('sales', id);
  }

  async list(state?: QueueState): Promise<QueuedSale[]> {
    const rows = state ? await this.db.byIndex<QueuedSale>('sales', 'state', state) : await this.db.all<QueuedSale>('sales');
    return rows.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Sales the server does not have yet: pending ones and those waiting for attention. */
  async counts(): Promise<{ pending: number; attention: number; unsynced: number }> {
    const [pending, attention] = await Promise.all([this.list('pending'), this.list('attention')]);
    return { pending: pending.length, attention: attention.length, unsynced: pending.length + attention.length };
  }

  /**
   * Sends every pending sale, oldest first. One run at a time: a second call while one runs gets
   * the same promise (the online event and the button pressed together send each sale once).
   */
  sync(): Promise<SyncResult> {
    this.running ??= this.runSync().finally(() => { this.running = null; });
    return this.running;
  }

  private async runSync(): Promise<SyncResult> {
    const result: SyncResult = { synced: [], attention: [], deferred: [], offline: false };
    for (const item of await this.list('pending')) {
      const outcome = await this.sendOne(item);
      if (outcome === 'offline') {
        result.offline = true;
        break;
      }
      result[outcome].push(item.id);
    }
    this.changed();
    return result;
  }

  private async sendOne(item: QueuedSale): Promise<'synced' | 'attention' | 'deferred' | 'offline'> {
    const triedAt = this.now().toISOString();
    try {
      const sale = await this.send(item.payload, item.idempotencyKey);
      if (sale.id !== item.id) {
        // The server must answer a replay with the very sale we sent; anything else is a bug to see.
        await this.db.put('sales', { ...item, state: 'attention', attempts: item.attempts + 1, lastTriedAt: triedAt, error: { status: 200, code: 'ID_MISMATCH', message: `the server answered with sale ${sale.id}` } });
        return 'attention';
      }
      await this.db.put('sales', {
        ...item,
        state: 'synced',
        attempts: item.attempts + 1,
        lastTriedAt: triedAt,
        syncedAt: triedAt,
        error: undefined,
        sale: { id: sale.id, number: sale.number, total: sale.total, receipt: sale.receipt, shiftId: sale.shiftId },
      } satisfies QueuedSale);
      return 'synced';
    } catch (e) {
      const kind = classifyFailure(e);
      const next: QueuedSale = { ...item, attempts: item.attempts + 1, lastTriedAt: triedAt, error: errorOf(e) };
      if (kind === 'attention') next.state = 'attention';
      await this.db.put('sales', next);
      return kind === 'retry' ? 'deferred' : kind;
    }
  }

  /** Sends one sale now (right after the cashier completes it, when online). */
  async syncOne(id: string): Promise<QueuedSale | undefined> {
    const item = await this.get(id);
    if (item?.state === 'pending') {
      await this.sendOne(item);
      this.changed();
    }
    return this.get(id);
  }

  /** Puts a sale that needed attention back in line (stock arrived, the customer paid the debt…). */
  async retry(id: string): Promise<void> {
    const item = await this.get(id);
    if (!item || item.state !== 'attention') return;
    await this.db.put('sales', { ...item, state: 'pending' });
    this.changed();
  }

  /**
   * The cashier gives up on a refused sale (the goods went back on the shelf, the money was
   * returned). Kept, with the reason, so it shows in the till's history; never deleted silently.
   */
  async dismiss(id: string, reason: string): Promise<void> {
    const item = await this.get(id);
    if (!item || item.state !== 'attention') return;
    if (!reason.trim()) throw new Error('a reason is required to dismiss a refused sale');
    await this.db.put('sales', { ...item, state: 'dismissed', dismissedReason: reason.trim() });
    this.changed();
  }

  /**
   * Sends already-synced sales again (the "resend" support action, and the proof that a replay is
   * harmless): each must come back as the same sale. Returns the ids the server answered for.
   */
  async resend(ids?: string[]): Promise<{ id: string; saleId: string; number: string }[]> {
    const synced = (await this.list('synced')).filter((s) => !ids || ids.includes(s.id));
    const out: { id: string; saleId: string; number: string }[] = [];
    for (const item of synced) {
      const sale = await this.send(item.payload, item.idempotencyKey);
      out.push({ id: item.id, saleId: sale.id, number: sale.number });
    }
    return out;
  }

  /** Housekeeping: forget synced sales older than `days` (the server has them). */
  async prune(days = 7): Promise<number> {
    const cutoff = this.now().getTime() - days * 86_400_000;
    const old = (await this.list('synced')).filter((s) => Date.parse(s.syncedAt ?? s.createdAt) < cutoff);
    for (const s of old) await this.db.delete('sales', s.id);
    if (old.length) this.changed();
    return old.length;
  }
}
