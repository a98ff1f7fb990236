/**
 * Group commit for inbound storage: every webhook must be stored durably before it is answered,
 * and a transaction per webhook (BEGIN with the RLS settings, the statement, COMMIT with its WAL
 * flush) is the largest cost of one. Submissions for one key (tenant + account) that arrive while
 * that key's previous flush is running wait for it and then go together, in one flush: a lone
 * webhook is stored at once, a burst shares transactions. Each submission gets its own results
 * once the flush holding it committed; a flush that fails is retried submission by submission, so
 * one bad webhook fails alone.
 */
type Submission<I, R> = { items: I[]; resolve: (r: R[]) => void; reject: (e: unknown) => void };
/** Stores the items (in order) and answers one result per item. Runs as the first waiting caller. */
export type Flush<I, R> = (items: I[]) => Promise<R[]>;

export class GroupCommit<I, R> {
  private readonly queues = new Map<string, { waiting: { sub: Submission<I, R>; flush: Flush<I, R> }[]; running: boolean }>();
  private readonly maxItems: number;

  constructor(maxItems = 500) {
    this.maxItems = maxItems;
  }

  submit(key: string, items: I[], flush: Flush<I, R>): Promise<R[]> {
    if (!items.length) return Promise.resolve([]);
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { waiting: [], running: false }));
    const p = new Promise<R[]>((resolve, reject) => q.waiting.push({ sub: { items, resolve, reject }, flush }));
    if (!q.running) void this.drain(key, q);
    return p;
  }

  private async drain(key: string, q: { waiting: { sub: Submission<I, R>; flush: Flush<I, R> }[]; running: boolean }): Promise<void> {
    q.running = true;
    try {
      while (q.waiting.length) {
        const batch: { sub: Submission<I, R>; flush: Flush<I, R> }[] = [];
        let n = 0;
        while (q.waiting.length && (n === 0 || n + q.waiting[0]!.sub.items.length <= this.maxItems)) {
          const next = q.waiting.shift()!;
          batch.push(next);
          n += next.sub.items.length;
        }
        await this.run(batch);
      }
    } finally {
      q.running = false;
      if (q.waiting.length) void this.drain(key, q);
      else this.queues.delete(key);
    }
  }

  private async run(batch: { sub: Submission<I, R>; flush: Flush<I, R> }[]): Promise<void> {
    try {
      const results = await batch[0]!.flush(batch.flatMap((b) => b.sub.items));
      let i = 0;
      for (const b of batch) {
        b.sub.resolve(results.slice(i, i + b.sub.items.length));
        i += b.sub.items.length;
      }
    } catch (e) {
      if (batch.length === 1) return batch[0]!.sub.reject(e);
      await Promise.all(batch.map(async (b) => {
        try {
          b.sub.resolve(await b.flush(b.sub.items));
        } catch (err) {
          b.sub.reject(err);
        }
      }));
    }
  }
}
