/// <reference types="vite/client" />
/**
 * Reads a barcode from the camera's current frame. Two engines behind one interface:
 *  - the browser's own `BarcodeDetector` where it exists and knows EAN-13 (Chrome on Android,
 *    ChromeOS, macOS);
 *  - elsewhere (Firefox, Safari, Chrome on Linux/Windows, headless Chromium) ZXing-C++ compiled to
 *    WebAssembly (`zxing-wasm`, reader build). Its JS is loaded with a dynamic import (this module
 *    and zxing-wasm's loader are chunks of their own beside the bundle, see CameraScanner.vue) and its
 *    .wasm (~0.9 MB) is a separate file next to the bundle, fetched the first time a till opens
 *    the camera — never from a CDN — and kept in its own Cache Storage entry so the camera also
 *    works offline afterwards.
 * Formats: EAN-13, EAN-8, UPC-A, UPC-E, Code 128, Code 39, QR.
 */
// a file beside the built bundle (ui/dist/zxing_reader.wasm), not inlined into it
import zxingWasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url&no-inline';

export interface FrameDecoder {
  readonly engine: 'native' | 'zxing';
  /** Milliseconds to wait between two reads: enough for a scan, little enough for a phone's CPU. */
  readonly intervalMs: number;
  /** The text of the first barcode in the video's current frame, or null. */
  decode(video: HTMLVideoElement): Promise<string | null>;
}

const NATIVE_FORMATS = ['ean_13', 'ean_8', 'upc_a', 'upc_e', 'code_128', 'code_39', 'qr_code'];
const ZXING_FORMATS = ['EAN13', 'EAN8', 'UPCA', 'UPCE', 'Code128', 'Code39', 'QRCode'] as const;
/** The long side a frame is scaled down to before ZXing reads it (1D codes need the resolution). */
const MAX_FRAME_SIDE = 1280;
const WASM_CACHE = 'atrium-pos-barcode-wasm';

type NativeDetector = { detect(src: HTMLVideoElement): Promise<{ rawValue: string }[]> };
type NativeDetectorCtor = {
  new (o: { formats: string[] }): NativeDetector;
  getSupportedFormats?: () => Promise<string[]>;
};

async function nativeDecoder(): Promise<FrameDecoder | null> {
  const Ctor = (globalThis as { BarcodeDetector?: NativeDetectorCtor }).BarcodeDetector;
  if (typeof Ctor !== 'function') return null;
  try {
    // desktop builds may expose the constructor with no formats behind it
    const supported = (await Ctor.getSupportedFormats?.()) ?? NATIVE_FORMATS;
    if (!supported.includes('ean_13')) return null;
    const detector = new Ctor({ formats: NATIVE_FORMATS.filter((f) => supported.includes(f)) });
    return {
      engine: 'native',
      intervalMs: 150,
      async decode(video) {
        const found = await detector.detect(video);
        return found.find((b) => b.rawValue)?.rawValue ?? null;
      },
    };
  } catch {
    return null;
  }
}

/** The .wasm bytes: from our own cache entry when there, else the server (and then cached). */
async function wasmBytes(url: string): Promise<ArrayBuffer> {
  const cache = typeof caches !== 'undefined' ? await caches.open(WASM_CACHE).catch(() => null) : null;
  const hit = await cache?.match(url);
  if (hit) return hit.arrayBuffer();
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw new Error(`barcode reader: ${res.status} for ${url}`);
  if (cache) {
    // one version at a time
    for (const old of await cache.keys()) if (old.url !== url) await cache.delete(old);
    await cache.put(url, res.clone()).catch(() => {});
  }
  return res.arrayBuffer();
}

let zxingReady: Promise<typeof import('zxing-wasm/reader')> | null = null;
function loadZxing() {
  zxingReady ??= (async () => {
    const zxing = await import('zxing-wasm/reader');
    // Vite's lib build writes the file beside index.js but names it from the site root; the
    // bundle is served under /plugins/pos/ui/dist/, so resolve the name against this module (a
    // chunk in the same folder as index.js). The
    // name carries no hash: the wasm's own checksum in the query keeps caches from mixing versions.
    // (the base in a variable: Vite rewrites `new URL(<literal>, import.meta.url)` itself)
    const file = `./${zxingWasmUrl.split('/').pop()}?v=${zxing.ZXING_WASM_SHA256.slice(0, 16)}`;
    const bundleUrl = import.meta.url;
    const url = new URL(file, bundleUrl).href;
    // the bytes handed over directly: no CDN (the library's default) and no need for the server
    // to send application/wasm
    await zxing.prepareZXingModule({ overrides: { wasmBinary: await wasmBytes(url) }, fireImmediately: true });
    return zxing;
  })();
  zxingReady.catch(() => { zxingReady = null; });
  return zxingReady;
}

async function zxingDecoder(): Promise<FrameDecoder> {
  const zxing = await loadZxing();
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2d canvas');
  return {
    engine: 'zxing',
    intervalMs: 250,
    async decode(video) {
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (!w || !h) return null;
      const scale = Math.min(1, MAX_FRAME_SIDE / Math.max(w, h));
      const cw = Math.round(w * scale);
      const ch = Math.round(h * scale);
      if (canvas.width !== cw || canvas.height !== ch) { canvas.width = cw; canvas.height = ch; }
      ctx.drawImage(video, 0, 0, cw, ch);
      const found = await zxing.readBarcodes(ctx.getImageData(0, 0, cw, ch), {
        formats: [...ZXING_FORMATS],
        tryHarder: true,
        maxNumberOfSymbols: 1,
      });
      return found.find((b) => b.isValid && b.text)?.text ?? null;
    },
  };
}

/** The browser's detector where it reads EAN-13, else ZXing (loaded now, on first use). */
export async function createFrameDecoder(): Promise<FrameDecoder> {
  return (await nativeDecoder()) ?? zxingDecoder();
}
