/**
 * The shared lifecycle of a fake outside service (`@atrium/sdk/testing`). A plugin that talks to
 * an internet service (a payment provider, a messenger, a fiscal API) ships a stateful fake of it
 * in `./testing`: a real HTTP server on 127.0.0.1 that speaks the service's protocol, so tests run
 * the production client over a real socket. This base holds what every such fake needs and none
 * should write again:
 *
 *  - `listen()` on a free port of 127.0.0.1, `baseUrl`, `close()` (open connections included);
 *  - the request as the protocol layer needs it (`FakeRequest`: path, query, headers, raw body);
 *  - a log of everything received (`received`), for tests that count calls ("one charge");
 *  - fault knobs that a client must survive, the same for every service: `latencyMs` (a slow
 *    provider), `hangNext(n)` (a provider that never answers — the connection stays open until
 *    `close()`), `dropAnswersNext(n)` (the request is carried out, its answer is lost: the
 *    connection is cut — what makes idempotency keys necessary), `holdAnswersNext(n)` (carried
 *    out, answer held: the caller can be killed while it waits), `failNext(n, reply)` (an outage);
 *  - `send()` for what the service pushes back (webhooks, callbacks), with a timeout and the
 *    outcome classified (status, or `timeout` / `network`).
 *
 * A fake extends it and implements `handle(req)` with the service's own routing, state and error
 * shapes, and a `static start(options)` that constructs and calls `listen()`.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  /** The full URL as received (host 127.0.0.1). */
  url: URL;
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names, as Node gives them. */
  headers: IncomingHttpHeaders;
  /** The exact bytes of the body. */
  body: Buffer;
  /** The body as UTF-8 text. */
  text: string;
}

export interface FakeReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** A JSON answer (the most common shape). */
export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): FakeReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Which requests a fault applies to (default: every one). */
export type RequestMatch = (req: FakeRequest) => boolean;

type Fault = { remaining: number; match?: RequestMatch };

/** Whether `f` applies to `req`, counting it down if so. */
function take(f: Fault, req: FakeRequest): boolean {
  if (f.remaining <= 0 || (f.match && !f.match(req))) return false;
  f.remaining--;
  return true;
}

export interface SendResult {
  status: number | null;
  body: string | null;
  error: 'timeout' | 'network' | null;
}

export abstract class FakeHttpServer {
  /** Every request received, in order, before faults apply. */
  readonly received: FakeRequest[] = [];
  /** Delay before every answer (milliseconds). */
  latencyMs = 0;
  #hang: Fault = { remaining: 0 };
  #drop: Fault = { remaining: 0 };
  #holdAnswers: Fault = { remaining: 0 };
  #fail: Fault & { reply: FakeReply } = { remaining: 0, reply: { status: 503 } };
  #server: Server;
  #baseUrl = '';
  /** Requests being held by `hangNext`, released by `releaseHung()` or `close()`. */
  #hung = new Set<ServerResponse>();

  constructor() {
    this.#server = createServer((rq, rs) => void this.#serve(rq, rs));
  }

  /** Starts listening on a free port of 127.0.0.1; answers `this` (for `static start`). */
  async listen(): Promise<this> {
    await new Promise<void>((ok, fail) => {
      this.#server.once('error', fail);
      this.#server.listen(0, '127.0.0.1', () => ok());
    });
    this.#baseUrl = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  async close(): Promise<void> {
    this.#hung.clear();
    this.#server.closeAllConnections();
    await new Promise<void>((ok) => this.#server.close(() => ok()));
  }

  /** The next `n` requests (that `match`) are never answered (Infinity: all of them, until `releaseHung`). */
  hangNext(n = Infinity, match?: RequestMatch): void {
    this.#hang = { remaining: n, match };
  }

  /** Stops hanging: held requests have their connection cut (the caller sees a network error). */
  releaseHung(): void {
    this.#hang = { remaining: 0 };
    this.#holdAnswers = { remaining: 0 };
    for (const rs of this.#hung) rs.destroy();
    this.#hung.clear();
  }

  /** How many requests are being held unanswered right now. */
  get hanging(): number {
    return this.#hung.size;
  }

  /** The next `n` requests (that `match`) are carried out, but their answers are lost (the connection is cut). */
  dropAnswersNext(n = 1, match?: RequestMatch): void {
    this.#drop = { remaining: n, match };
  }

  /**
   * The next `n` requests (that `match`) are carried out, and then answered never (the connection
   * stays open until `releaseHung()` or `close()`): the caller waits on a provider that did the
   * work — what a crash of the caller at that moment leaves behind.
   */
  holdAnswersNext(n = 1, match?: RequestMatch): void {
    this.#holdAnswers = { remaining: n, match };
  }

  /** The next `n` requests (that `match`) are answered `reply` without being carried out (an outage). */
  failNext(n = 1, reply: FakeReply = { status: 503, headers: { 'content-type': 'text/plain' }, body: 'Service Unavailable' }, match?: RequestMatch): void {
    this.#fail = { remaining: n, reply, match };
  }

  /** The service's own handling: route, change state, answer in its protocol. */
  protected abstract handle(req: FakeRequest): FakeReply | Promise<FakeReply>;

  async #serve(rq: IncomingMessage, rs: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of rq) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(rq.url ?? '/', this.#baseUrl || 'http://127.0.0.1');
    const req: FakeRequest = { method: (rq.method ?? 'GET').toUpperCase(), url, path: url.pathname, query: url.searchParams, headers: rq.headers, body, text: body.toString('utf8') };
    this.received.push(req);
    if (take(this.#hang, req)) return this.#hold(rs);
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (take(this.#fail, req)) return this.#write(rs, this.#fail.reply);
    let reply: FakeReply;
    try {
      reply = await this.handle(req);
    } catch (e) {
      reply = { status: 500, headers: { 'content-type': 'text/plain' }, body: `fake server error: ${(e as Error).message}` };
    }
    if (take(this.#drop, req)) {
      rs.destroy();
      return;
    }
    if (take(this.#holdAnswers, req)) return this.#hold(rs);
    this.#write(rs, reply);
  }

  #hold(rs: ServerResponse): void {
    this.#hung.add(rs);
    rs.on('close', () => this.#hung.delete(rs));
  }

  #write(rs: ServerResponse, reply: FakeReply): void {
    if (rs.destroyed) return;
    rs.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? '');
  }

  /**
   * Sends what the service pushes (a webhook, a callback) and classifies the outcome: the status
   * and body, or `timeout` (no answer within `timeoutMs`) / `network` (refused, reset).
   */
  protected async send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number }): Promise<SendResult> {
    try {
      const res = await fetch(url, { method: init.method ?? 'POST', headers: init.headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs ?? 10_000) });
      return { status: res.status, body: await res.text(), error: null };
    } catch (e) {
      const name = (e as Error)?.name;
      return { status: null, body: null, error: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network' };
    }
  }
}
