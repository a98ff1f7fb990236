import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { PipelinedQuery, type PipelineStep } from './pipelined-query.ts';

/**
 * Sends a request transaction's BEGIN together with its first statements, and its COMMIT together
 * with its last one: a round trip to PostgreSQL is the costliest thing a request does on these
 * machines (both sides pay a socket write and a wake-up for it).
 *
 * How: `Database.transaction` opens the transaction through MikroORM (so MikroORM and Kysely own
 * the connection and its state as usual) inside `deferringBegin()`. The pool's clients are
 * `DeferredBeginClient`s: asked to run `begin` inside that scope, the client answers at once and
 * remembers it owes a BEGIN. Database.transaction's first and last statements are prepared
 * statements with bind values that travel as a `Pipeline` (below; pipelined-query.ts): the owed
 * BEGIN goes in front of the first, and a pipeline marked `commit` ends with the COMMIT — whereupon
 * the COMMIT that MikroORM then sends is answered here. Any other statement sent while a BEGIN is
 * owed gets the BEGIN queued before it; a COMMIT or ROLLBACK of a transaction that never reached
 * the server is answered locally.
 * Outside the scope (MikroORM's own implicit transactions, migrations) BEGIN behaves as always.
 */
const deferring = new AsyncLocalStorage<DeferredScope>();

/** What the scope learns: the pool client the transaction got (so a deadline can abort it). */
export type DeferredScope = { client?: DeferredBeginClient };

export function deferringBegin<T>(fn: () => Promise<T>, scope: DeferredScope = {}): Promise<T> {
  return deferring.run(scope, fn);
}

const BEGIN_RESULT = { command: 'BEGIN', rowCount: null, rows: [], fields: [] };

/**
 * What Database.transaction hands to the client (through MikroORM/Kysely, as the query "text"):
 * statements for one message. `results` is filled with each step's pg result; the query itself
 * resolves to the last step's.
 */
export type Pipeline = { pipeline: PipelineStep[]; commit?: boolean; results?: any[] };

/** The result pg would give for a COMMIT/ROLLBACK that needs no trip to the server. */
const answeredLocally = (text: string) => Promise.resolve({ command: text.trim().replace(/;$/, '').toUpperCase(), rowCount: null, rows: [], fields: [] });

const isPipeline = (config: unknown): config is Pipeline => !!config && Array.isArray((config as Pipeline).pipeline);

export class DeferredBeginClient extends pg.Client {
  private owesBegin = false;
  /** The last pipeline ended with COMMIT: the COMMIT the transaction's owner sends next is already done. */
  private committed = false;

  override query(config: any, values?: any, callback?: any): any {
    if (isPipeline(config)) return this.runPipeline(config);
    // callbacks and submittables (cursors) are not ours to reorder
    if (typeof values === 'function' || typeof callback === 'function' || (config && typeof config.submit === 'function')) {
      return this.flushBegin(() => super.query(config, values, callback));
    }
    const text = typeof config === 'string' ? config : null;
    const ends = text !== null && /^\s*(commit|rollback)\s*;?\s*$/i.test(text);
    if (this.committed && ends) {
      // a pipeline ended with COMMIT: this transaction is over on the server already
      this.committed = false;
      return answeredLocally(text!);
    }
    this.committed = false;
    const scope = text !== null && /^\s*begin\s*;?\s*$/i.test(text) ? deferring.getStore() : undefined;
    if (scope) {
      scope.client = this;
      this.owesBegin = true;
      return Promise.resolve({ ...BEGIN_RESULT });
    }
    if (this.owesBegin && ends) {
      // the transaction never reached the server: nothing to end
      this.owesBegin = false;
      return answeredLocally(text!);
    }
    return this.flushBegin(() => super.query(config, values));
  }

  /** A pipeline, with the owed BEGIN in front and, when asked, the COMMIT at the end. */
  private runPipeline(config: Pipeline): Promise<unknown> {
    const begin = this.owesBegin;
    this.owesBegin = false;
    this.committed = false;
    const steps = [...(begin ? [{ text: 'begin' }] : []), ...config.pipeline, ...(config.commit ? [{ text: 'commit' }] : [])];
    return new Promise((resolve, reject) => {
      (super.query as (this: pg.Client, q: unknown) => void).call(this, new PipelinedQuery(steps, (err, results) => {
        if (err) return reject(err);
        const own = results!.slice(begin ? 1 : 0, config.commit ? -1 : undefined);
        if (config.commit) this.committed = true;
        config.results = own;
        resolve(own[own.length - 1] ?? { ...BEGIN_RESULT });
      }));
    });
  }

  /** A statement that is not a pipeline: queue the owed BEGIN before it (pg runs a client's queries in order). */
  private flushBegin<T>(run: () => T): T {
    if (this.owesBegin) {
      this.owesBegin = false;
      // a failed BEGIN (a dead connection) fails the statement queued behind it as well
      (super.query('begin') as Promise<unknown>).catch(() => {});
    }
    return run();
  }
}
