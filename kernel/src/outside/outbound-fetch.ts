import type { KernelDeps } from '../kernel-deps.ts';

export type OutboundCaller = { pluginId: string; tenantId: string; deadline: number | null; inTransaction: boolean };

/** Statuses whose responses carry no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * `ctx.fetch`: the one door from a plugin to another service (see RequestContext.fetch).
 * Refused inside a transaction (a provider that hangs would hold the connection: the starvation
 * this exists to prevent), refused to a base URL the operator does not allow (SSRF), bounded in
 * time (deadline, outbound.timeoutMs) and in number per tenant (outbound.tenantMaxConcurrent).
 * Redirects are not followed (an allowed host could send the request on to a forbidden one); the
 * body is read here, within the same bounds, so the tenant's slot covers the whole exchange.
 */
export async function outboundFetch(d: KernelDeps, who: OutboundCaller, input: string | URL, init: RequestInit = {}): Promise<Response> {
  if (who.inTransaction) {
    throw new Error(`ctx.fetch in ${who.pluginId} while a database transaction is open: outside calls never run inside a transaction — declare the action (or job) "transaction: false" and record what you need with ctx.transaction / ctx.outside`);
  }
  if (typeof input !== 'string' && !(input instanceof URL)) throw new TypeError('ctx.fetch takes a URL (string or URL) and an init object');
  const url = new URL(String(input));
  d.outbound.check(who.pluginId, url);
  const release = await d.outbound.slots.acquire(who.tenantId, who.deadline);
  try {
    const left = who.deadline === null ? Infinity : who.deadline - Date.now();
    const timeoutMs = Math.max(1, Math.min(d.config.outbound.timeoutMs, left));
    const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    const res = await fetch(url, { ...init, signal, redirect: 'manual' });
    const body = await readCapped(res, d.config.outbound.maxResponseBytes, url);
    return new Response(NULL_BODY.has(res.status) ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
  } finally {
    release();
  }
}

async function readCapped(res: Response, max: number, url: URL): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > max) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`${url.origin} answered ${declared} bytes, more than outbound.maxResponseBytes (${max})`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of (res.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new Error(`${url.origin} answered more than outbound.maxResponseBytes (${max})`);
    chunks.push(chunk);
  }
  const out = new Uint8Array(new ArrayBuffer(size));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
