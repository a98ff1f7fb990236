import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createTestKernel, type TestClient, type TestKernel } from '@atrium/sdk/testing';

/**
 * Camera scanning at the till in a real browser: Debian Chromium (which has no BarcodeDetector on
 * Linux, so the bundled ZXing reader does the work) gets a fake camera that plays a Y4M video this
 * test draws itself — a real EAN-13 barcode, bars computed from its digits. Each video needs its
 * own browser (the file is a launch flag):
 *  - a valid EAN-13 that is in no product: read (the till shows that code) and nothing added;
 *  - a product's barcode: the product lands in the cart once, and the camera is released;
 *  - a weight label (prefix 22, 1.234 kg): the weighed product with that weight;
 *  - the camera permission refused: the scanner says so and adds nothing.
 */
const root = path.resolve(import.meta.dirname, '..');
const shots = path.join(root, 'e2e/screenshots');
const owner = { email: `pos-camera-${Date.now()}@duken.test`, password: 'pos-password-1', tenant: 'Дүкен камера' };

let tk: TestKernel;
let api: TestClient;
let tmp = '';
const ids = { bread: '', cheese: '' };

// ---- EAN-13 into a Y4M video ------------------------------------------------------------------

function ean13(first12: string) {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 ? 3 : 1);
  return first12 + ((10 - (sum % 10)) % 10);
}
const BREAD = ean13('487000100001');
const UNKNOWN = ean13('487000100009'); // a well-formed code that no product has
const CHEESE_PREFIX = '2200001'; // the weighed product's 7-digit prefix
const CHEESE_LABEL = ean13(`${CHEESE_PREFIX}01234`); // 1.234 kg

// the standard EAN-13 tables: L (odd parity), R = L inverted, G (even parity) = R reversed
const L = ['0001101', '0011001', '0010011', '0111101', '0100011', '0110001', '0101111', '0111011', '0110111', '0001011'];
const R = L.map((c) => [...c].map((b) => (b === '1' ? '0' : '1')).join(''));
const G = R.map((c) => [...c].reverse().join(''));
/** Which of the left six digits use G, by the first digit (which has no bars of its own). */
const PARITY = ['LLLLLL', 'LLGLGG', 'LLGGLG', 'LLGGGL', 'LGLLGG', 'LGGLLG', 'LGGGLL', 'LGLGLG', 'LGLGGL', 'LGGLGL'];

/** The 95 modules of an EAN-13 symbol, '1' = bar. */
function ean13Modules(code: string): string {
  expect(code).toMatch(/^\d{13}$/);
  expect(ean13(code.slice(0, 12))).toBe(code);
  const d = [...code].map(Number);
  let m = '101';
  for (let i = 1; i <= 6; i++) m += (PARITY[d[0]][i - 1] === 'G' ? G : L)[d[i]];
  m += '01010';
  for (let i = 7; i <= 12; i++) m += R[d[i]];
  m += '101';
  expect(m).toHaveLength(95);
  return m;
}

/**
 * A Y4M file (4:2:0) of `frames` identical frames: white, the barcode in the middle with a quiet
 * zone far wider than the 11 modules the standard asks for, the guard bars as long as the rest.
 */
function barcodeVideo(file: string, code: string, frames = 4) {
  const W = 640, H = 480, MODULE = 4;
  const modules = ean13Modules(code);
  const x0 = (W - modules.length * MODULE) / 2; // 130 px ≈ 32 modules of quiet zone each side
  const y = Buffer.alloc(W * H, 235); // white (video range)
  for (let row = 120; row < 360; row++) {
    for (let m = 0; m < modules.length; m++) {
      if (modules[m] === '1') y.fill(16, row * W + x0 + m * MODULE, row * W + x0 + (m + 1) * MODULE); // black
    }
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128); // U and V: no colour
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < frames; f++) parts.push(Buffer.from('FRAME\n'), y, chroma);
  fs.writeFileSync(file, Buffer.concat(parts));
}

// ---- the browser --------------------------------------------------------------------------------

/** A Chromium whose camera plays `code` as a barcode, signed in at the till (390×844), shift open. */
async function tillWithCamera(code: string, opts: { denyCamera?: boolean } = {}): Promise<{ browser: Browser; page: Page; wasmRequests: string[]; chunkRequests: string[] }> {
  const video = path.join(tmp, `${code}.y4m`);
  barcodeVideo(video, code);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // the fake permission UI allows the camera; without it the prompt is refused
      ...(opts.denyCamera ? [] : ['--use-fake-ui-for-media-stream']), '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`,
    ],
  });
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'ru-RU', baseURL: tk.url });
  // every camera stream the page gets, to check that closing the scanner releases it
  await ctx.addInitScript(() => {
    const w = window as unknown as { __cameraStreams: MediaStream[] };
    w.__cameraStreams = [];
    const md = navigator.mediaDevices;
    if (!md?.getUserMedia) return;
    const orig = md.getUserMedia.bind(md);
    md.getUserMedia = async (c?: MediaStreamConstraints) => {
      const s = await orig(c);
      w.__cameraStreams.push(s);
      return s;
    };
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`[console] ${m.text()}`); });
  const wasmRequests: string[] = [];
  page.on('request', (r) => { if (r.url().includes('zxing_reader')) wasmRequests.push(r.url()); });
  // the reader's JS: chunks of the POS bundle beside index.js (the SDK's build splits dynamic imports)
  const chunkRequests: string[] = [];
  page.on('request', (r) => {
    const p = new URL(r.url()).pathname;
    if (p.startsWith('/plugins/pos/ui/dist/') && p.endsWith('.js') && p !== '/plugins/pos/ui/dist/index.js') chunkRequests.push(p);
  });

  await page.goto('/#/login');
  await page.getByTestId('email').fill(owner.email);
  await page.locator('input[type=password]').fill(owner.password);
  await page.getByTestId('submit').click();
  await page.waitForURL(/#\/dashboard/);
  await page.goto('/#/pos');
  await page.getByTestId('pos-checkout').waitFor();
  // the first till opens the shift; later browsers find it open
  await page.locator('[data-testid="open-shift-float"], [data-testid="pos-search"]').first().waitFor({ timeout: 30_000 });
  if (await page.getByTestId('open-shift-float').isVisible()) {
    await page.getByTestId('open-shift-float').fill('100');
    await page.getByTestId('open-shift').click();
  }
  await page.getByTestId('pos-search').waitFor();
  await page.getByTestId('pos-cart-empty').waitFor();
  return { browser, page, wasmRequests, chunkRequests };
}

async function scanWithCamera(page: Page) {
  await page.getByTestId('pos-camera').click();
  await page.getByTestId('camera-dialog').waitFor();
  // the scanner closes itself on the first code it reads
  await page.getByTestId('camera-dialog').waitFor({ state: 'detached', timeout: 60_000 }).catch(async (e) => {
    await page.screenshot({ path: path.join(shots, 'pos-camera-failed.png') });
    const phase = await page.getByTestId('camera-dialog').getAttribute('data-phase').catch(() => '?');
    const problem = await page.getByTestId('camera-error').textContent().catch(() => '');
    throw new Error(`${e.message} (scanner phase ${phase}${problem ? `: ${problem}` : ''})`);
  });
}

/** Every camera track the page was given has been stopped. */
async function cameraReleased(page: Page) {
  return page.evaluate(() => {
    const streams = (window as unknown as { __cameraStreams: MediaStream[] }).__cameraStreams;
    return { streams: streams.length, live: streams.flatMap((s) => s.getTracks()).filter((t) => t.readyState !== 'ended').length };
  });
}

beforeAll(async () => {
  fs.mkdirSync(shots, { recursive: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atrium-pos-camera-'));
  tk = await createTestKernel({ plugins: [path.join(root, 'plugins/pos')], adminDist: path.join(root, 'admin/dist') });
  api = await tk.signup(owner.tenant, owner.email, owner.password);
  expect((await api.post('/api/plugins/pos/enable')).status).toBe(200);
  const store = await api.post('/api/pos/stores', { name: 'Главный' });
  expect(store.status, JSON.stringify(store.body)).toBe(201);
  const reg = await api.post('/api/pos/registers', { storeId: store.body.storeId, name: 'Front till' });
  expect(reg.status, JSON.stringify(reg.body)).toBe(201);
  const bread = await api.post('/api/pos/products', { sku: 'BREAD-1', name: 'Хлеб бородинский', price: 32000, barcodes: [{ code: BREAD }] });
  expect(bread.status, JSON.stringify(bread.body)).toBe(201);
  ids.bread = bread.body.id;
  const cheese = await api.post('/api/pos/products', { sku: 'CHEESE-1', name: 'Сыр Российский', unit: 'kg', price: 420000, barcodes: [{ code: CHEESE_PREFIX, kind: 'weight' }] });
  expect(cheese.status, JSON.stringify(cheese.body)).toBe(201);
  ids.cheese = cheese.body.id;
});

afterAll(async () => {
  await tk?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('POS camera scanning in the browser (390×844, fake camera)', () => {
  it('reads a barcode that is in no product: the till shows that code and adds nothing', async () => {
    const { browser, page, wasmRequests, chunkRequests } = await tillWithCamera(UNKNOWN);
    try {
      // headless Chromium on Linux has no BarcodeDetector: this is the ZXing fallback
      expect(await page.evaluate(() => 'BarcodeDetector' in globalThis)).toBe(false);
      // the reader (its .wasm and its JS) is fetched when the camera opens, not with the checkout
      expect(wasmRequests).toEqual([]);
      expect(chunkRequests).toEqual([]);
      await scanWithCamera(page);
      await page.getByTestId('pos-last-scan').filter({ hasText: UNKNOWN }).waitFor();
      expect(await page.getByTestId('cart-line').count()).toBe(0);
      await page.getByTestId('pos-cart-empty').waitFor();
      expect(wasmRequests.some((u) => new URL(u).pathname === '/plugins/pos/ui/dist/zxing_reader.wasm')).toBe(true);
      // the chunks the entry lists as lazy, fetched now, beside the bundle and served like it
      const built = fs.readFileSync(path.join(root, 'plugins/pos/ui/dist/index.js'), 'utf8').match(/export const atriumChunks = (.*);\s*$/);
      const { lazy } = JSON.parse(built![1]) as { lazy: string[] };
      expect([...new Set(chunkRequests)].sort()).toEqual(lazy.map((f: string) => `/plugins/pos/ui/dist/${f}`).sort());
      expect(chunkRequests.some((p) => /\/reader-[\w-]+\.js$/.test(p))).toBe(true);
      const entry = await fetch(`${tk.url}/plugins/pos/ui/dist/index.js`);
      for (const p of new Set(chunkRequests)) {
        const r = await fetch(`${tk.url}${p}`);
        expect([r.status, r.headers.get('content-type'), r.headers.get('cache-control'), r.headers.get('access-control-allow-origin')])
          .toEqual([200, entry.headers.get('content-type'), entry.headers.get('cache-control'), entry.headers.get('access-control-allow-origin')]);
      }
      expect(await cameraReleased(page)).toEqual({ streams: 1, live: 0 });
    } finally {
      await browser.close();
    }
  });

  it('scans a product\'s EAN-13 with the camera: one line of that product, and the camera is released', async () => {
    const { browser, page } = await tillWithCamera(BREAD);
    try {
      await scanWithCamera(page);
      await page.locator(`[data-testid="cart-line"][data-product="${ids.bread}"]`).waitFor();
      await page.getByTestId('pos-last-scan').filter({ hasText: BREAD }).waitFor();
      // the video shows the code all the time: still read once for this open
      expect(await page.getByTestId('cart-line').count()).toBe(1);
      expect((await page.getByTestId('line-total').innerText()).replace(/\D/g, '')).toBe('32000');
      expect(await cameraReleased(page)).toEqual({ streams: 1, live: 0 });
      await page.screenshot({ path: path.join(shots, 'pos-camera-cart.png') });

      // a second open reads it again: the same product, quantity 2
      await scanWithCamera(page);
      await page.locator('[data-testid="line-total"]').filter({ hasText: /640/ }).waitFor();
      expect(await page.getByTestId('cart-line').count()).toBe(1);
      expect((await page.getByTestId('line-total').innerText()).replace(/\D/g, '')).toBe('64000');
      expect(await cameraReleased(page)).toEqual({ streams: 2, live: 0 });
    } finally {
      await browser.close();
    }
  });

  it('camera permission refused: says so, offers to try again, adds nothing and holds no camera', async () => {
    const { browser, page } = await tillWithCamera(BREAD, { denyCamera: true });
    try {
      await page.getByTestId('pos-camera').click();
      await page.locator('[data-testid="camera-error"][data-problem="denied"]').waitFor();
      await page.getByTestId('camera-retry').waitFor();
      await page.getByTestId('camera-close').click();
      await page.getByTestId('camera-dialog').waitFor({ state: 'detached' });
      expect(await page.getByTestId('cart-line').count()).toBe(0);
      expect(await cameraReleased(page)).toEqual({ streams: 0, live: 0 });
    } finally {
      await browser.close();
    }
  });

  it('scans a weight label (prefix 22, 1.234 kg): the weighed product at that weight', async () => {
    const { browser, page } = await tillWithCamera(CHEESE_LABEL);
    try {
      await scanWithCamera(page);
      await page.locator(`[data-testid="cart-line"][data-product="${ids.cheese}"]`).waitFor();
      expect(await page.getByTestId('cart-line').count()).toBe(1);
      // 4 200,00 per kg × 1.234 kg = 5 182,80
      expect((await page.getByTestId('line-total').innerText()).replace(/\D/g, '')).toBe('518280');
    } finally {
      await browser.close();
    }
  });
});
