import { ServiceBusyError } from '@atrium/sdk';

type Waiter = { grant: () => void; timer: NodeJS.Timeout | null };
type TenantState = { active: number; queue: Waiter[] };

export type TenantSlotStats = { tenantId: string; active: number; waiting: number; limit: number };

/**
 * At most `limit` concurrent holders per tenant on this node, first come first served, with a
 * bounded wait. One busy tenant then cannot take a whole shared resource (the request connection
 * pool, the node's outbound calls): the others always find the rest of it.
 *
 * Why per tenant and not per request: the attack this answers is one tenant firing many slow
 * requests at once; every one of them is legitimate on its own. Beyond the wait the request is
 * answered 503 with Retry-After (ServiceBusyError), which a client retries, instead of a 504
 * after the gateway's whole timeout with a connection held all along.
 */
export class TenantSlots {
  private readonly tenants = new Map<string, TenantState>();
  readonly limit: number;
  private readonly waitMs: number;
  private readonly what: string;

  constructor(opts: { limit: number; waitMs: number; what: string }) {
    this.limit = Math.max(1, opts.limit);
    this.waitMs = opts.waitMs;
    this.what = opts.what;
  }

  /**
   * Takes one of the tenant's slots, waiting in line for at most the configured wait (or until
   * `deadline`, a Date.now() value, if that comes first). Answers the function that gives it back
   * (idempotent).
   */
  async acquire(tenantId: string, deadline?: number | null): Promise<() => void> {
    let t = this.tenants.get(tenantId);
    if (!t) this.tenants.set(tenantId, (t = { active: 0, queue: [] }));
    const state = t;
    if (state.active < this.limit && !state.queue.length) {
      state.active++;
      return this.releaser(tenantId, state);
    }
    const wait = Math.max(0, Math.min(this.waitMs, deadline ? deadline - Date.now() : this.waitMs));
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          if (waiter.timer) clearTimeout(waiter.timer);
          resolve();
        },
        timer: null,
      };
      waiter.timer = setTimeout(() => {
        const i = state.queue.indexOf(waiter);
        if (i >= 0) state.queue.splice(i, 1);
        this.forget(tenantId, state);
        reject(new ServiceBusyError(`This business has ${this.limit} ${this.what} running on this server already; try again in a moment`, 'TENANT_BUSY', 1, { limit: this.limit }));
      }, wait);
      state.queue.push(waiter);
    });
    // the slot was handed over by a releaser (active stays counted)
    return this.releaser(tenantId, state);
  }

  private releaser(tenantId: string, state: TenantState): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = state.queue.shift();
      if (next) next.grant(); // hand the slot over: `active` is unchanged
      else {
        state.active--;
        this.forget(tenantId, state);
      }
    };
  }

  private forget(tenantId: string, state: TenantState): void {
    if (state.active === 0 && !state.queue.length && this.tenants.get(tenantId) === state) this.tenants.delete(tenantId);
  }

  /** Tenants holding or waiting for slots now, the busiest first. */
  stats(): TenantSlotStats[] {
    return [...this.tenants.entries()]
      .map(([tenantId, s]) => ({ tenantId, active: s.active, waiting: s.queue.length, limit: this.limit }))
      .sort((a, b) => b.active + b.waiting - (a.active + a.waiting));
  }
}
