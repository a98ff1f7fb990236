import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.map': 'application/json', '.wasm': 'application/wasm',
};

/** Serves a file from `root` (never outside it). Returns false when there is no such file. */
export function serveFile(res: ServerResponse, root: string, rel: string, opts: { immutable?: boolean; cors?: boolean } = {}): boolean {
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + path.posix.normalize('/' + rel));
  if (!file.startsWith(base + path.sep) && file !== base) return false;
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return false;
  }
  if (!stat.isFile()) return false;
  res.statusCode = 200;
  res.setHeader('Content-Type', TYPES[path.extname(file)] ?? 'application/octet-stream');
  res.setHeader('Content-Length', stat.size);
  res.setHeader('Cache-Control', opts.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (opts.cors) res.setHeader('Access-Control-Allow-Origin', '*');
  // the shell's service worker controls the whole origin (it caches plugin bundles under /plugins)
  if (path.basename(file) === 'sw.js') res.setHeader('Service-Worker-Allowed', '/');
  // a file removed between stat and read (a rebuild) ends this response, not the process
  fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
  return true;
}

/**
 * `/plugins/<id>/<path inside the package>`: a plugin's UI bundle. Only the package's `ui/` folder
 * is public. Returns false when there is no such asset.
 */
export function servePluginAsset(res: ServerResponse, pathname: string, pluginDir: (id: string) => string | undefined): boolean {
  const [, , id, ...rest] = pathname.split('/');
  const dir = id ? pluginDir(id) : undefined;
  const rel = rest.join('/');
  return !!dir && rel.startsWith('ui/') && serveFile(res, dir, rel, { cors: true });
}

const ADMIN_NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Atrium</title><h1>Atrium</h1><p>The API is up: <a href="/api/docs">/api/docs</a>. The admin UI is not built yet — run <code>npm run build -w admin</code>.</p>`;

/**
 * The admin shell: its files, `index.html` for every other path (the shell routes in the browser),
 * or a page saying it is not built yet.
 */
export function serveAdmin(res: ServerResponse, pathname: string, adminDist: string | undefined): void {
  if (adminDist && fs.existsSync(adminDist)) {
    if (pathname !== '/' && serveFile(res, adminDist, pathname, { immutable: pathname.startsWith('/assets/') })) return;
    if (serveFile(res, adminDist, 'index.html')) return;
  }
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.statusCode = pathname === '/' ? 200 : 404;
  res.end(ADMIN_NOT_BUILT);
}
