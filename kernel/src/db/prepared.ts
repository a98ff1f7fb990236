import { CompiledQuery } from 'kysely';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type { Pipeline } from './deferred-begin.ts';
import { statementName, type PipelineStep } from './pipelined-query.ts';

/**
 * Runs one statement on an EntityManager's transaction connection with server-side bind
 * parameters (`$1`, `$2` …) as a named prepared statement.
 *
 * Why: `em.execute` formats parameters into the SQL text on the client, so PostgreSQL parses and
 * plans every call from scratch — on the sale path that was a third of the server's time. A named
 * statement is parsed once per connection, and after a few executions PostgreSQL keeps a generic
 * plan for it. `pg` remembers which names a connection has prepared; the name is a hash of the
 * text, so the same text always maps to the same statement and different texts never collide.
 *
 * The query config object travels through Kysely (which hands `sql` to `pg`'s `client.query`
 * untouched) so the statement runs in the transaction MikroORM holds for the request.
 */
export async function preparedQuery<T = any>(em: SqlEntityManager, text: string, params: readonly unknown[] = []): Promise<T[]> {
  const executor: any = em.getTransactionContext() ?? (em.getConnection() as any).getClient();
  // pg stores the values on the config object: a fresh one per call
  const config = { name: statementName(text), text };
  const res = await executor.executeQuery(CompiledQuery.raw(config as unknown as string, params.map(bindValue)));
  return res.rows as T[];
}

/** Plain objects bind as JSON (as `pg` would), arrays as PostgreSQL arrays, undefined as NULL. */
function bindValue(v: unknown): unknown {
  return v === undefined ? null : v;
}

/**
 * Several prepared statements in one message on the EntityManager's transaction connection
 * (a `DeferredBeginClient`: the owed BEGIN goes in front; `commit` appends the COMMIT; `defer`
 * keeps them for the front of the transaction's next message and answers no rows — see `Pipeline`).
 * Returns each statement's rows.
 */
export async function pipelinedQuery(em: SqlEntityManager, steps: PipelineStep[], opts: { commit?: boolean; defer?: Pipeline['defer'] } = {}): Promise<any[][]> {
  const executor: any = em.getTransactionContext() ?? (em.getConnection() as any).getClient();
  const pipeline: Pipeline = { pipeline: steps.map((s) => ({ text: s.text, values: (s.values ?? []).map(bindValue) })), commit: opts.commit, defer: opts.defer };
  await executor.executeQuery(CompiledQuery.raw(pipeline as unknown as string, []));
  return pipeline.results!.map((r) => r.rows ?? []);
}

/**
 * `ctx.sqlDeferred`: a statement whose result nobody needs, sent in front of the transaction's
 * next statement or with its COMMIT instead of on its own (one round trip less). Queued in call
 * order with the transaction's other statements.
 */
export function deferredQuery(em: SqlEntityManager, text: string, params: readonly unknown[] = []): void {
  // answered at once; a failure surfaces in the message it travels with
  pipelinedQuery(em, [{ text, values: params }], { defer: 'required' }).catch(() => {});
}
