import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { PipelinedQuery, type PipelineStep } from './pipelined-query.ts';

/**
 * Sends a request transaction's BEGIN together with its first statement: one round trip instead
 * of two, on every request (a round trip to PostgreSQL is the costliest thing a request does on
 * these machines — both sides pay a socket write and a wake-up for it).
 *
 * How: `Database.transaction` opens the transaction through MikroORM (so MikroORM and Kysely own
 * the connection and its state as usual) inside `deferringBegin()`. The pool's clients are
 * `DeferredBeginClient`s: asked to run `begin` inside that scope, the client answers at once and
 * remembers it owes a BEGIN; the next statement — `Database.transaction`'s first one, a plain
 * simple-protocol text — goes out as `begin; <statement>` and its own result is returned. A
 * statement that cannot be prefixed (one with bind parameters) first sends the BEGIN on its own;
 * a COMMIT or ROLLBACK of a transaction that never reached the server is answered locally.
 *
 * The same at the other end: a text ending in `; commit` commits on the server, and the COMMIT
 * that MikroORM sends after it is answered here.
 *
 * Database.transaction's own first and last statements are prepared statements with bind values:
 * they travel as a `Pipeline` (below; pipelined-query.ts) — the owed BEGIN goes in front of the
 * first, and a pipeline marked `commit` ends with the COMMIT. Still one round trip each, and
 * nothing to parse or plan on the server.
 * Outside the scope (MikroORM's own implicit transactions, migrations) BEGIN behaves as always.
 */
const deferring = new AsyncLocalStorage<true>();

export function deferringBegin<T>(fn: () => Promise<T>): Promise<T> {
  return deferring.run(true, fn);
}

const ENDS_WITH_COMMIT = /;\s*commit\s*;?\s*$/i;

const BEGIN_RESULT = { command: 'BEGIN', rowCount: null, rows: [], fields: [] };

/**
 * What Database.transaction hands to the client (through MikroORM/Kysely, as the query "text"):
 * statements for one message. `results` is filled with each step's pg result; the query itself
 * resolves to the last step's.
 */
export type Pipeline = { pipeline: PipelineStep[]; commit?: boolean; results?: any[] };

const isPipeline = (config: unknown): config is Pipeline => !!config && Array.isArray((config as Pipeline).pipeline);

export class DeferredBeginClient extends pg.Client {
  private owesBegin = false;
  /** The last text ended with COMMIT: the COMMIT the transaction's owner sends next is already done. */
  private committed = false;

  override query(config: any, values?: any, callback?: any): any {
    if (isPipeline(config)) return this.runPipeline(config);
    // callbacks and submittables (cursors) are not ours to reorder
    if (typeof values === 'function' || typeof callback === 'function' || (config && typeof config.submit === 'function')) {
      return this.flushBegin(() => super.query(config, values, callback));
    }
    const text = typeof config === 'string' ? config : null;
    if (this.committed && text !== null && /^\s*(commit|rollback)\s*;?\s*$/i.test(text)) {
      // "…; commit" already ended this transaction on the server (Database.transaction's last statement)
      this.committed = false;
      return Promise.resolve({ command: text.trim().replace(/;$/, '').toUpperCase(), rowCount: null, rows: [], fields: [] });
    }
    this.committed = false;
    const plain = text !== null && !(Array.isArray(values) && values.length);
    if (plain && !this.owesBegin && ENDS_WITH_COMMIT.test(text)) return this.sendText(text);
    if (text !== null && /^\s*begin\s*;?\s*$/i.test(text) && deferring.getStore()) {
      this.owesBegin = true;
      return Promise.resolve({ ...BEGIN_RESULT });
    }
    if (!this.owesBegin) return super.query(config, values);
    if (text !== null && /^\s*(commit|rollback)\s*;?\s*$/i.test(text)) {
      // the transaction never reached the server: nothing to end
      this.owesBegin = false;
      return Promise.resolve({ command: text.trim().replace(/;$/, '').toUpperCase(), rowCount: null, rows: [], fields: [] });
    }
    if (plain) {
      this.owesBegin = false;
      return this.sendText(`begin; ${text}`);
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

  /**
   * A simple-protocol text, maybe several statements: pg answers with one result per statement and
   * the caller gets the last one. A text that ends in COMMIT marks the transaction as ended.
   */
  private sendText(text: string): Promise<unknown> {
    return (super.query(text) as Promise<any>).then((results: any) => {
      if (ENDS_WITH_COMMIT.test(text)) this.committed = true;
      return Array.isArray(results) ? results[results.length - 1] : results;
    });
  }

  /** A statement that cannot carry the BEGIN: queue the BEGIN before it (pg runs a client's queries in order). */
  private flushBegin<T>(run: () => T): T {
    if (this.owesBegin) {
      this.owesBegin = false;
      // a failed BEGIN (a dead connection) fails the statement queued behind it as well
      (super.query('begin') as Promise<unknown>).catch(() => {});
    }
    return run();
  }
}
