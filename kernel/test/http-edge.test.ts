import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '@atrium/sdk/testing';

/**
 * What the gateway serves besides the API: health, metrics, the API docs, plugin UI files and the
 * admin shell (with its in-browser routes).
 */
let tk: TestKernel;
let adminDist: string;
const notesDir = path.resolve(import.meta.dirname, '../../plugins/notes');

beforeAll(async () => {
  adminDist = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-dist-'));
  fs.mkdirSync(path.join(adminDist, 'assets'));
  fs.writeFileSync(path.join(adminDist, 'index.html'), '<!doctype html><title>shell</title>');
  fs.writeFileSync(path.join(adminDist, 'assets/app-1234.js'), 'export {}');
  tk = await createTestKernel({ plugins: [notesDir], adminDist, tenants: [{ name: 'Edge', enable: ['notes'] }] });
});
afterAll(async () => {
  await tk?.stop();
  fs.rmSync(adminDist, { recursive: true, force: true });
});

const get = (p: string, init?: RequestInit) => fetch(new URL(p, tk.url), init);

describe('gateway: what it serves besides the API', () => {
  it('health names the node and each dependency', async () => {
    const r = await get('/api/health');
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(body).toMatchObject({ status: 'ok', version: expect.any(String), checks: { database: { state: 'ok' }, redis: { state: 'ok' } } });
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await (await get('/api/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/notes/notes']).toBeTruthy();
    const page = await get('/api/docs');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/api/openapi.json');
    expect((await get('/api/docs/standalone.js')).status).toBe(200);
  });

  it("serves a plugin's ui/ folder and nothing else of its package", async () => {
    const ok = await get('/plugins/notes/ui/vite.config.ts');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    expect((await get('/plugins/notes/package.json')).status).toBe(404);
    expect((await get('/plugins/notes/ui/../package.json')).status).toBe(404);
    expect((await get('/plugins/nope/ui/index.js')).status).toBe(404);
  });

  it('serves the admin: files, immutable assets, index.html for in-browser routes', async () => {
    const asset = await get('/assets/app-1234.js');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    for (const p of ['/', '/notes', '/deep/link']) {
      const r = await get(p);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('<title>shell</title>');
    }
  });
});
