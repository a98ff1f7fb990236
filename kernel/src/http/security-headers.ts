import crypto from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * The response headers that tell a browser what a response may do. Every response is unframeable
 * (`frame-ancestors 'none'`, X-Frame-Options DENY) and not sniffed; HSTS is sent when the request
 * came over TLS. The Content-Security-Policy depends on what is served:
 *
 * - `api`: JSON, files, plugin assets — no document may run from them (`default-src 'none'`);
 * - `plugin-html`: an HTML page a plugin renders (a public receipt) — its own inline styles, no script;
 * - `admin`: the shell — scripts from this origin only plus the hash of its inline import map,
 *   WebAssembly (the POS camera reader), styles from this origin and inline (Quasar sets them), API
 *   and push socket on this origin;
 * - `docs`: the API reference page (Scalar), which also loads images and fonts over https.
 */
export type ResponseKind = 'api' | 'plugin-html' | 'admin' | 'docs';

const COMMON_CSP = "object-src 'none'; frame-ancestors 'none'";
const CSP: Record<Exclude<ResponseKind, 'admin'>, string> = {
  api: `default-src 'none'; base-uri 'none'; form-action 'none'; ${COMMON_CSP}`,
  'plugin-html': `default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; ${COMMON_CSP}`,
  docs: `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; font-src 'self' data: https:; connect-src 'self'; base-uri 'self'; form-action 'self'; ${COMMON_CSP}`,
};

function adminCsp(scriptHashes: string[]): string {
  const hashes = scriptHashes.map((h) => ` '${h}'`).join('');
  return `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'${hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; `
    + `connect-src 'self'; worker-src 'self'; manifest-src 'self'; media-src 'self' blob:; base-uri 'self'; form-action 'self'; ${COMMON_CSP}`;
}

/** Whether the client reached us over TLS: directly, or through a proxy we trust (X-Forwarded-Proto). */
export function viaTls(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  if (!trustProxy) return false;
  const proto = req.headers['x-forwarded-proto'];
  return String(Array.isArray(proto) ? proto[0] : (proto ?? '')).split(',')[0]!.trim().toLowerCase() === 'https';
}

export function setSecurityHeaders(res: ServerResponse, kind: ResponseKind, opts: { tls: boolean; adminScriptHashes?: string[] }): void {
  res.setHeader('Content-Security-Policy', kind === 'admin' ? adminCsp(opts.adminScriptHashes ?? []) : CSP[kind]);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', kind === 'admin' ? 'same-origin' : 'no-referrer');
  if (opts.tls) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
}

/** A cookie the API sets gets `Secure` when the request came over TLS. */
export function secureCookies(cookies: string[], tls: boolean): string[] {
  return tls ? cookies.map((c) => (/;\s*secure\b/i.test(c) ? c : `${c}; Secure`)) : cookies;
}

/**
 * CSP hashes of the inline scripts of the admin's index.html (the import map, which must be
 * inline and first), read again when the file changes (a rebuild).
 */
export class AdminScriptHashes {
  private cache: { file: string; mtimeMs: number; hashes: string[] } | null = null;

  get(adminDist: string | undefined): string[] {
    if (!adminDist) return [];
    const file = `${adminDist}/index.html`;
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(file).mtimeMs;
    } catch {
      return [];
    }
    if (this.cache?.file === file && this.cache.mtimeMs === mtimeMs) return this.cache.hashes;
    const html = fs.readFileSync(file, 'utf8');
    const hashes = [...html.matchAll(/<script\b(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)]
      .map((m) => `sha256-${crypto.createHash('sha256').update(m[1]!, 'utf8').digest('base64')}`);
    this.cache = { file, mtimeMs, hashes };
    return hashes;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's X-Request-Id if it is a sane id (length, characters), else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}
