import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';
import { deferringBegin, DeferredBeginClient, type Pipeline } from '../src/db/deferred-begin.ts';

/**
 * The request transaction's BEGIN travels with its first statements and its COMMIT with its last
 * one. These tests watch the messages the client puts on the wire (pg's `connection.query` sends a
 * simple-protocol Query; a pipeline is Parse/Bind/Describe/Execute messages and one Sync) and what
 * the server did with them.
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

  it('a statement that is not a pipeline goes out with the owed BEGIN, and runs in that transaction', async () => {
    sent = [];
    await deferringBegin(() => client.query('begin'));
    const r = await client.query(`select set_config('atrium.probe', $1, true) as v`, ['bound']);
    expect(r.rows).toEqual([{ v: 'bound' }]);
    expect(sent).toEqual([]);
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

  describe('pipelines: prepared statements in one message', () => {
    let syncs: number;
    let parses: string[];
    beforeAll(() => {
      const conn = (client as any).connection;
      const sync = conn.sync.bind(conn);
      const parse = conn.parse.bind(conn);
      conn.sync = () => { syncs++; return sync(); };
      conn.parse = (q: { text: string }) => { parses.push(q.text); return parse(q); };
    });
    const watch = () => { sent = []; syncs = 0; parses = []; };

    it('carries the owed BEGIN and its statements in one exchange, parsing each text once per connection', async () => {
      const steps = [
        { text: `select set_config('atrium.pipe', $1::text, true) as v`, values: ['piped'] },
        { text: `select current_setting('atrium.pipe') as v, $1::int[] as arr, $2::jsonb as doc`, values: [[1, 2], JSON.stringify({ a: 1 })] },
      ];
      for (const round of [1, 2]) {
        watch();
        await deferringBegin(() => client.query('begin'));
        const p: Pipeline = { pipeline: steps };
        const last = await client.query(p as any);
        // one Sync: one round trip for BEGIN and both statements; the texts are parsed only the first time
        expect(syncs).toBe(1);
        expect(sent).toEqual([]);
        expect(parses.filter((t) => t !== 'begin')).toEqual(round === 1 ? steps.map((s) => s.text) : []);
        expect(p.results!.map((r) => r.rows)).toEqual([[{ v: 'piped' }], [{ v: 'piped', arr: [1, 2], doc: { a: 1 } }]]);
        expect(last.rows).toEqual(p.results![1].rows);
        // inside the transaction the pipeline opened
        expect((await client.query(`select current_setting('atrium.pipe', true) as v, now() = statement_timestamp() as fresh`)).rows[0]).toEqual({ v: 'piped', fresh: false });
        await client.query('rollback');
      }
    });

    it('a pipeline marked commit ends the transaction; the COMMIT that follows is answered locally', async () => {
      await client.query('create temporary table if not exists probe3 (v text primary key)');
      await deferringBegin(() => client.query('begin'));
      await client.query({ pipeline: [{ text: `insert into probe3 values ($1::text)`, values: ['a'] }] } as any);
      watch();
      await client.query({ pipeline: [{ text: `insert into probe3 values ($1::text)`, values: ['b'] }], commit: true } as any);
      expect(syncs).toBe(1);
      const r = await client.query('commit');
      expect(r.command).toBe('COMMIT');
      expect(syncs).toBe(1);
      expect((await client.query('select v from probe3 order by v')).rows).toEqual([{ v: 'a' }, { v: 'b' }]);
    });

    it('the first failing statement fails the pipeline, skips the rest, and leaves the transaction to its ROLLBACK', async () => {
      await client.query('create temporary table if not exists probe4 (v text primary key)');
      await deferringBegin(() => client.query('begin'));
      await expect(client.query({
        pipeline: [
          { text: `insert into probe4 values ($1::text)`, values: ['kept?'] },
          { text: `select 1 / $1::int as boom`, values: [0] },
          { text: `insert into probe4 values ($1::text || '-after')`, values: ['skipped'] },
        ],
        commit: true,
      } as any)).rejects.toThrow(/division by zero/);
      await expect(client.query('select 1')).rejects.toThrow(/current transaction is aborted/);
      const r = await client.query('rollback');
      expect(r.command).toBe('ROLLBACK');
      expect((await client.query('select count(*)::int as n from probe4')).rows[0].n).toBe(0);
      // the statements that parsed stay prepared; the connection goes on working
      watch();
      await client.query({ pipeline: [{ text: `select 1 / $1::int as boom`, values: [1] }] } as any);
      expect(parses).toEqual([]);
    });

    it('a plain statement (the ORM sends its values inside the text) travels with the owed BEGIN, parsed unnamed every time; a text of several statements goes after its own BEGIN', async () => {
      for (const round of [1, 2]) {
        watch();
        await deferringBegin(() => client.query('begin'));
        const r = await client.query(`select 'x' || ${round} as v`);
        expect(r.rows).toEqual([{ v: `x${round}` }]);
        expect(syncs).toBe(1);
        expect(sent).toEqual([]);
        // BEGIN is a named statement (parsed once per connection); the ORM's text is never named
        expect(parses.filter((t) => t !== 'begin')).toEqual([`select 'x' || ${round} as v`]);
        expect((await client.query(`select now() = statement_timestamp() as fresh`)).rows[0].fresh).toBe(false);
        await client.query('rollback');
      }
      watch();
      await deferringBegin(() => client.query('begin'));
      const several = await client.query(`select 1 as a; select 2 as b`);
      expect(several.map((x: any) => x.rows[0])).toEqual([{ a: 1 }, { b: 2 }]);
      expect(sent).toEqual([`select 1 as a; select 2 as b`]);
      expect((await client.query(`select now() = statement_timestamp() as fresh`)).rows[0].fresh).toBe(false);
      await client.query('rollback');
    });

    it('a deferred pipeline waits for the transaction\'s next statement and goes out with it; with nothing after it, the transaction never reaches the server', async () => {
      const cfg = { text: `select set_config('atrium.deferred', $1::text, true) as v`, values: ['later'] };
      watch();
      await deferringBegin(() => client.query('begin'));
      const p: Pipeline = { pipeline: [cfg], defer: true };
      await client.query(p as any);
      expect(p.results!.map((r) => r.rows)).toEqual([[]]);
      expect(syncs).toBe(0);
      const r = await client.query({ pipeline: [{ text: `select current_setting('atrium.deferred') as v` }] } as any);
      expect(r.rows).toEqual([{ v: 'later' }]);
      expect(syncs).toBe(1);
      await client.query('rollback');

      watch();
      await deferringBegin(() => client.query('begin'));
      await client.query({ pipeline: [cfg], defer: true } as any);
      expect((await client.query('commit')).command).toBe('COMMIT');
      expect(syncs + sent.length).toBe(0);
      const after = (await client.query(`select current_setting('atrium.deferred', true) as v, now() = statement_timestamp() as autocommit`)).rows[0];
      expect(after.v).not.toBe('later');
      expect(after.autocommit).toBe(true);
    });

    it('a read-only transaction\'s COMMIT travels in front of the connection\'s next message, or goes alone a little later', async () => {
      await client.query('create temporary table if not exists probe5 (v text)');
      // 1. the next transaction's first message carries it (committed: the next transaction's rollback does not undo it)
      client.lazyCommitMs = 60_000;
      await deferringBegin(() => client.query('begin'));
      await client.query({ pipeline: [{ text: `insert into probe5 values ($1::text)`, values: ['first'] }] } as any);
      client.commitLazily = true;
      watch();
      expect((await client.query('commit')).command).toBe('COMMIT');
      expect(syncs + sent.length).toBe(0);
      await deferringBegin(() => client.query('begin'));
      await client.query({ pipeline: [{ text: `insert into probe5 values ($1::text)`, values: ['second'] }] } as any);
      expect(syncs).toBe(1);
      expect(sent).toEqual([]);
      await client.query('rollback');
      expect((await client.query('select v from probe5')).rows).toEqual([{ v: 'first' }]);
      // 2. nobody uses the connection: the COMMIT goes alone, and the connection is out of its transaction
      client.lazyCommitMs = 5;
      await deferringBegin(() => client.query('begin'));
      await client.query({ pipeline: [{ text: `insert into probe5 values ($1::text)`, values: ['third'] }] } as any);
      client.commitLazily = true;
      await client.query('commit');
      watch();
      while (!sent.length) await new Promise((r) => setTimeout(r, 5));
      expect(sent).toEqual(['commit']);
      expect((await client.query(`select now() = statement_timestamp() as autocommit, (select count(*)::int from probe5) as n`)).rows[0]).toEqual({ autocommit: true, n: 2 });
    });

    it('a text that does not parse is not remembered as prepared: it is parsed (and fails) again', async () => {
      const bad = { text: `selec $1::int`, values: [1] };
      await expect(client.query({ pipeline: [bad] } as any)).rejects.toThrow(/syntax error/);
      watch();
      await expect(client.query({ pipeline: [bad] } as any)).rejects.toThrow(/syntax error/);
      expect(parses).toEqual([bad.text]);
      expect((await client.query('select 3 as three')).rows[0].three).toBe(3);
    });
  });
});
