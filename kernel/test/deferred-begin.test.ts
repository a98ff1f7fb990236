import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import { deferringBegin, DeferredBeginClient } from '../src/db/deferred-begin.ts';

/**
 * The request transaction's BEGIN travels with its first statement. These tests watch the
 * messages the client puts on the wire (pg's `connection.query` sends one simple-protocol Query)
 * and what the server did with them.
 */
describe('DeferredBeginClient', () => {
  let tk: TestKernel;
  let client: DeferredBeginClient;
  let sent: string[];

  beforeAll(async () => {
    tk = await createTestKernel({ plugins: [] });
    client = new DeferredBeginClient({ connectionString: tk.databaseUrls.system });
    await client.connect();
    const conn = (client as any).connection;
    const original = conn.query.bind(conn);
    conn.query = (text: string) => {
      sent.push(text);
      return original(text);
    };
  }, 120_000);
  afterAll(async () => {
    await client?.end();
    await tk?.stop();
  });

  it('sends BEGIN with the first statement, in one message, and the rest runs in that transaction', async () => {
    sent = [];
    const begun = await deferringBegin(() => client.query('begin'));
    expect(begun.command).toBe('BEGIN');
    expect(sent).toEqual([]);
    const first = await client.query(`select set_config('atrium.probe', 'inside', true) as v`);
    expect(first.rows).toEqual([{ v: 'inside' }]);
    expect(sent).toEqual([`begin; select set_config('atrium.probe', 'inside', true) as v`]);
    // a transaction-local setting is still there: the same transaction
    const second = await client.query(`select current_setting('atrium.probe', true) as v, now() = statement_timestamp() as fresh`);
    expect(second.rows[0]).toEqual({ v: 'inside', fresh: false });
    await client.query('commit');
    expect((await client.query(`select coalesce(current_setting('atrium.probe', true), '') as v`)).rows[0].v).toBe('');
  });

  it('outside the deferring scope, BEGIN goes out on its own as usual', async () => {
    sent = [];
    await client.query('begin');
    await client.query('select 1');
    await client.query('rollback');
    expect(sent).toEqual(['begin', 'select 1', 'rollback']);
  });

  it('a transaction ended before any statement never reaches the server', async () => {
    sent = [];
    await deferringBegin(() => client.query('begin'));
    const r = await client.query('rollback');
    expect(r.command).toBe('ROLLBACK');
    expect(sent).toEqual([]);
    // and the connection is not left inside a transaction
    expect((await client.query('select now() = statement_timestamp() as autocommit')).rows[0].autocommit).toBe(true);
  });

  it('a statement with bind parameters gets the BEGIN queued before it', async () => {
    sent = [];
    await deferringBegin(() => client.query('begin'));
    const r = await client.query(`select set_config('atrium.probe', $1, true) as v`, ['bound']);
    expect(r.rows).toEqual([{ v: 'bound' }]);
    expect(sent).toEqual(['begin']);
    expect((await client.query(`select current_setting('atrium.probe', true) as v`)).rows[0].v).toBe('bound');
    await client.query('rollback');
  });

  it('a failing first statement aborts the transaction, and the rollback ends it', async () => {
    sent = [];
    await deferringBegin(() => client.query('begin'));
    await expect(client.query('select 1/0')).rejects.toThrow(/division by zero/);
    await expect(client.query('select 1')).rejects.toThrow(/current transaction is aborted/);
    await client.query('rollback');
    expect((await client.query('select 2 as two')).rows[0].two).toBe(2);
  });

  it('a last statement sent with the COMMIT ends the transaction there; the COMMIT that follows is answered locally', async () => {
    await client.query('create temporary table if not exists probe (v text)');
    sent = [];
    await deferringBegin(() => client.query('begin'));
    await client.query(`select set_config('atrium.probe', 'x', true)`);
    await client.query(`insert into probe values ('kept'); commit`);
    const r = await client.query('commit');
    expect(r.command).toBe('COMMIT');
    expect(sent).toEqual([`begin; select set_config('atrium.probe', 'x', true)`, `insert into probe values ('kept'); commit`]);
    expect((await client.query('select v from probe')).rows).toEqual([{ v: 'kept' }]);
  });

  it('a failing last statement leaves the transaction to its ROLLBACK: nothing of it is kept', async () => {
    await client.query('create temporary table if not exists probe2 (v text primary key)');
    await deferringBegin(() => client.query('begin'));
    await client.query(`insert into probe2 values ('first')`);
    await expect(client.query(`insert into probe2 values ('first'); commit`)).rejects.toThrow(/duplicate key/);
    sent = [];
    await client.query('rollback');
    expect(sent).toEqual(['rollback']);
    expect((await client.query('select count(*)::int as n from probe2')).rows[0].n).toBe(0);
  });
});
