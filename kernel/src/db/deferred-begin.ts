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
 * resolves to the last step's. `defer`: the steps' results are not needed — they go out in front
 * of the transaction's next message instead of on their own, and are answered with no rows at once:
 * `optional` ones (the request's settings) are dropped if the transaction sends nothing else,
 * `required` ones (writes, `ctx.sqlDeferred`) travel with the COMMIT at the latest — and are
 * dropped by a ROLLBACK. A deferred statement that fails fails the message it travels in.
 */
export type Pipeline = { pipeline: PipelineStep[]; commit?: boolean; defer?: 'optional' | 'required'; results?: any[] };

/** The result pg would give for a COMMIT/ROLLBACK that needs no trip to the server. */
const answeredLocally = (text: string) => Promise.resolve({ command: text.trim().replace(/;$/, '').toUpperCase(), rowCount: null, rows: [], fields: [] });

const isPipeline = (config: unknown): config is Pipeline => !!config && Array.isArray((config as Pipeline).pipeline);


/** One statement of plain text (the ORM's): nothing after a `;` but blanks. */
const SINGLE_STATEMENT = /^[^;]*;?\s*$/;

export class DeferredBeginClient extends pg.Client {
  private owesBegin = false;
  /** Statements deferred by a `defer` pipeline: they go out after the BEGIN, in front of the next statement. */
  private owed: PipelineStep[] = [];
  /** Some of `owed` must reach the server even if nothing else does (`defer: 'required'`). */
  private owedWrites = false;
  /** A transaction is open (or owed) on this connection: deferring is allowed. */
  private inTransaction = false;
  /** The last pipeline ended with COMMIT: the COMMIT the transaction's owner sends next is already done. */
  private committed = false;
  /**
   * The COMMIT of the last (read-only) transaction has not been sent: it travels in front of the
   * connection's next message, or alone after `lazyCommitMs` — a round trip less per read under load.
   */
  private owesCommit = false;
  /** Set by Database.transaction for a read-only transaction: its COMMIT may wait (see `owesCommit`). */
  commitLazily = false;
  /** How long that COMMIT may wait for the connection's next message before it goes out alone. */
  lazyCommitMs = 5;

  override query(config: any, values?: any, callback?: any): any {
    if (isPipeline(config)) {
      if (config.defer && this.inTransaction) {
        this.owed.push(...config.pipeline);
        if (config.defer === 'required') this.owedWrites = true;
        config.results = config.pipeline.map(() => ({ rows: [], rowCount: null, fields: [] }));
        return Promise.resolve(config.results[config.results.length - 1] ?? { ...BEGIN_RESULT });
      }
      return this.runPipeline(config);
    }
    // callbacks and submittables (cursors) are not ours to reorder
    if (typeof values === 'function' || typeof callback === 'function' || (config && typeof config.submit === 'function')) {
      return this.flushPrefix(() => super.query(config, values, callback));
    }
    const text = typeof config === 'string' ? config : null;
    const ends = text !== null && /^\s*(commit|rollback)\s*;?\s*$/i.test(text);
    const begins = text !== null && /^\s*begin\s*;?\s*$/i.test(text);
    if (this.committed && ends) {
      // a pipeline ended with COMMIT: this transaction is over on the server already
      this.committed = false;
      return answeredLocally(text!);
    }
    this.committed = false;
    const scope = begins ? deferring.getStore() : undefined;
    if (scope) {
      scope.client = this;
      this.owesBegin = true;
      this.inTransaction = true;
      return Promise.resolve({ ...BEGIN_RESULT });
    }
    if (begins) this.inTransaction = true;
    if (ends) return this.endTransaction(text!);
    // a statement while BEGIN (and deferred statements) are owed: one message for all of them
    const step = text !== null ? (SINGLE_STATEMENT.test(text) ? { text, values: Array.isArray(values) ? values : [], unnamed: true } : null)
      : config && typeof config.text === 'string' && typeof config.name === 'string' && !config.rowMode && !config.types ? { text: config.text, values: Array.isArray(values) ? values : config.values ?? [] } : null;
    if (step && (this.owesBegin || this.owesCommit || this.owed.length)) return this.runPipeline({ pipeline: [step] });
    return this.flushPrefix(() => super.query(config, values));
  }

  /** COMMIT or ROLLBACK of the transaction on this connection. */
  private endTransaction(text: string): Promise<unknown> {
    const commit = /^\s*commit/i.test(text);
    const lazily = this.commitLazily;
    this.commitLazily = false;
    this.inTransaction = false;
    if (!commit) {
      // deferred writes never go out in front of a ROLLBACK (a failing one would leave it unsent)
      this.owed = [];
      this.owedWrites = false;
    }
    if (commit && this.owedWrites) {
      // deferred writes (and, if nothing was sent yet, the BEGIN and settings) go with the COMMIT
      this.owedWrites = false;
      return this.runPipeline({ pipeline: [], commit: true }).then(() => {
        this.committed = false;
        return { command: 'COMMIT', rowCount: null, rows: [], fields: [] };
      });
    }
    if (this.owesBegin) {
      // the transaction never reached the server: nothing to end
      this.owesBegin = false;
      this.owed = [];
      return answeredLocally(text);
    }
    if (commit && lazily) {
      // a read-only transaction: nothing depends on its COMMIT but the connection's next user
      this.owesCommit = true;
      setTimeout(() => this.sendOwedCommit(), this.lazyCommitMs).unref();
      return answeredLocally(text);
    }
    return this.flushPrefix(() => super.query(text));
  }

  /** What is owed, in order: the last transaction's COMMIT, this one's BEGIN, its deferred statements. */
  private takePrefix(): PipelineStep[] {
    const steps = [...(this.owesCommit ? [{ text: 'commit' }] : []), ...(this.owesBegin ? [{ text: 'begin' }] : []), ...this.owed];
    this.owesCommit = false;
    this.owesBegin = false;
    this.owed = [];
    this.owedWrites = false;
    return steps;
  }

  private sendOwedCommit(): void {
    if (!this.owesCommit) return;
    this.owesCommit = false;
    (super.query('commit') as Promise<unknown>).catch(() => {});
  }

  /** A pipeline, with what is owed in front and, when asked, the COMMIT at the end. */
  private runPipeline(config: Pipeline): Promise<unknown> {
    const prefix = this.takePrefix();
    this.committed = false;
    const steps = [...prefix, ...config.pipeline, ...(config.commit ? [{ text: 'commit' }] : [])];
    return new Promise((resolve, reject) => {
      (super.query as (this: pg.Client, q: unknown) => void).call(this, new PipelinedQuery(steps, (err, results) => {
        if (err) return reject(err);
        const own = results!.slice(prefix.length, config.commit ? -1 : undefined);
        if (config.commit) this.committed = true;
        config.results = own;
        resolve(own[own.length - 1] ?? { ...BEGIN_RESULT });
      }));
    });
  }

  /** A statement that cannot join a pipeline: send what is owed before it (pg runs a client's queries in order). */
  private flushPrefix<T>(run: () => T): T {
    const prefix = this.takePrefix();
    if (prefix.length) {
      // a failure here (a dead connection, a deferred statement refused) fails the aborted
      // transaction's statement queued behind it as well
      (super.query(new PipelinedQuery(prefix, () => {}) as any) as unknown);
    }
    return run();
  }
}
