import crypto from 'node:crypto';
import pg from 'pg';

// pg's own value serialisation (arrays → PG array literals, objects → JSON, Dates → timestamptz)
const prepareValue: (v: unknown) => unknown = (pg as any).utils.prepareValue;

/**
 * One statement of a pipeline: fixed SQL with `$n` parameters, run as a named prepared statement —
 * or, `unnamed`, parsed anew each time (the ORM's statements, whose values are part of the text:
 * naming each distinct text would fill the server with statements used once).
 */
export type PipelineStep = { text: string; values?: readonly unknown[]; unnamed?: boolean };

/**
 * Several statements in ONE message to PostgreSQL, on the extended protocol, ended by a single
 * Sync: for each, Parse (only the first time on a connection) + Bind + Describe + Execute.
 *
 * Why: a request transaction used to send its first statement and its last one as plain text with
 * the values inlined, so that BEGIN and COMMIT could travel in the same message — and the server
 * parsed and planned both on every request. Here they are prepared statements (parsed once per
 * connection, generic plans) and still share a message with BEGIN/COMMIT and with each other.
 *
 * Semantics are the protocol's: the statements run in order; the first error skips the rest up to
 * the Sync and is the query's error (inside a transaction block the transaction is then aborted
 * and must be rolled back, as after any failed statement). The result is one pg result per step,
 * BEGIN/COMMIT included.
 *
 * pg tracks which named statements a connection has prepared from the query's `name`, which a
 * pipeline does not have; it is kept here instead from the ParseComplete messages.
 */
export class PipelinedQuery extends (pg as any).Query {
  private readonly steps: { name: string; text: string; values: readonly unknown[] }[];
  private parsing: { name: string; text: string }[] = [];
  private onParsed?: () => void;
  private connection?: any;

  constructor(steps: PipelineStep[], callback: (err: Error | null, results?: any[]) => void) {
    // pg wants a text or a name on every query; the statements' own texts go out below
    super({ text: 'pipeline', callback: (err: Error | null, res: any) => {
      this.detach();
      callback(err, err ? undefined : Array.isArray(res) ? res : [res]);
    } });
    this.steps = steps.map((s) => ({ name: s.unnamed ? '' : statementName(s.text), text: s.text, values: s.values ?? [] }));
  }

  requiresPreparation(): boolean {
    return true;
  }

  prepare(connection: any): void {
    this.connection = connection;
    for (const step of this.steps) {
      if (step.name === '' || (connection.parsedStatements[step.name] === undefined && !this.parsing.some((p) => p.name === step.name))) {
        connection.parse({ text: step.text, name: step.name });
        this.parsing.push({ name: step.name, text: step.text });
      }
      try {
        connection.bind({ portal: '', statement: step.name, values: step.values, valueMapper: prepareValue });
      } catch (err) {
        // a value pg cannot serialise: nothing has run yet — end the message and fail the query
        connection.sync();
        this.handleError(err, connection);
        return;
      }
      connection.describe({ type: 'P', name: '' });
      connection.execute({ portal: '', rows: 0 });
    }
    if (this.parsing.length) {
      this.onParsed = () => {
        const done = this.parsing.shift();
        if (done?.name) connection.parsedStatements[done.name] = done.text;
      };
      connection.on('parseComplete', this.onParsed);
    }
    connection.sync();
  }

  private detach(): void {
    if (this.onParsed) this.connection?.removeListener('parseComplete', this.onParsed);
    this.onParsed = undefined;
  }
}

const names = new Map<string, string>();

/** A named statement per SQL text: a hash, so equal texts share a statement and different texts never collide. */
export function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `at_${crypto.createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    // texts are code constants; the bound keeps a caller that builds SQL dynamically from growing it forever
    if (names.size > 5000) names.clear();
    names.set(text, name);
  }
  return name;
}

/** Runs statements as one pipeline on any pg client (pool clients, the system pool's): each statement's rows. */
export function pipelineRows(client: { query(q: any): unknown }, steps: PipelineStep[]): Promise<any[][]> {
  return new Promise((resolve, reject) => {
    client.query(new PipelinedQuery(steps, (err, results) => (err ? reject(err) : resolve(results!.map((r) => r.rows ?? [])))));
  });
}
