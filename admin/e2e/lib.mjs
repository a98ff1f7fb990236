// Shared helpers for the admin's browser tests: Debian's chromium through playwright-core
// (never a downloaded browser) and a tiny static server for admin/dist.
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const adminRoot = fileURLToPath(new URL('..', import.meta.url));
export const repoRoot = join(adminRoot, '..');
export const screenshotsDir = join(repoRoot, 'e2e', 'screenshots');

export const VIEWPORTS = {
  desktop: { viewport: { width: 1280, height: 800 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.webmanifest': 'application/manifest+json', '.png': 'image/png', '.woff2': 'font/woff2', '.woff': 'font/woff', '.svg': 'image/svg+xml' };

/**
 * Serves `dirs` (first match wins) on 127.0.0.1 at a free port. `api(req, res)` may answer
 * requests first (return true when it did).
 */
export function serveStatic(mounts, api = () => false) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    if (await api(req, res, url)) return;
    for (const [prefix, dir] of mounts) {
      if (!url.pathname.startsWith(prefix)) continue;
      const rel = normalize(decodeURIComponent(url.pathname.slice(prefix.length))).replace(/^(\.\.[/\\])+/, '');
      let file = join(dir, rel);
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!existsSync(file)) continue;
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'Not found' } }));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}` })));
}

export function ensureScreenshotsDir() {
  mkdirSync(screenshotsDir, { recursive: true });
  return screenshotsDir;
}

/** Minimal assertion runner printing the plain "N passed, N failed" line CI reads. */
export function createRunner(name) {
  const results = [];
  return {
    async test(title, fn) {
      const started = Date.now();
      try {
        await fn();
        results.push({ title, ok: true });
        console.log(`  ✓ ${title} (${Date.now() - started} ms)`);
      } catch (e) {
        results.push({ title, ok: false, error: e });
        console.log(`  ✗ ${title}\n    ${e?.stack ?? e}`);
      }
    },
    finish() {
      const passed = results.filter((r) => r.ok).length;
      const failed = results.length - passed;
      console.log(`${name}: ${passed} passed, ${failed} failed`);
      process.exitCode = failed ? 1 : 0;
    },
  };
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}
