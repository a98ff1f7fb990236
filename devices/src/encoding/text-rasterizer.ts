import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import opentype from 'opentype.js';
import { createBitmap, setDot, type Bitmap } from './bitmap.ts';

/**
 * Renders text to a 1-bit bitmap with a font shipped in an npm package (DejaVu Sans Mono via
 * @fontsource), so the agent never depends on fonts installed on the store PC. DejaVu covers
 * every Russian, Ukrainian and Kazakh letter. The outline is filled with a small scanline
 * rasterizer (non-zero winding, one sample per dot) — thermal printers have no grey anyway.
 */
const require = createRequire(import.meta.url);
const fonts = new Map<string, opentype.Font>();

function font(weight: 400 | 700): opentype.Font {
  const key = String(weight);
  let f = fonts.get(key);
  if (!f) {
    const file = require.resolve(`@fontsource/dejavu-mono/files/dejavu-mono-latin-${weight}-normal.woff`);
    const buf = readFileSync(file);
    f = opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    fonts.set(key, f);
  }
  return f;
}

interface Edge { x0: number; y0: number; x1: number; y1: number }

function flatten(path: opentype.Path): Edge[] {
  const edges: Edge[] = [];
  let cx = 0, cy = 0, sx = 0, sy = 0;
  const line = (x: number, y: number) => { if (y !== cy) edges.push({ x0: cx, y0: cy, x1: x, y1: y }); cx = x; cy = y; };
  const STEPS = 8;
  for (const c of path.commands) {
    if (c.type === 'M') { cx = sx = c.x; cy = sy = c.y; }
    else if (c.type === 'L') line(c.x, c.y);
    else if (c.type === 'Q') {
      const x0 = cx, y0 = cy;
      for (let i = 1; i <= STEPS; i++) {
        const t = i / STEPS, u = 1 - t;
        line(u * u * x0 + 2 * u * t * c.x1 + t * t * c.x, u * u * y0 + 2 * u * t * c.y1 + t * t * c.y);
      }
    } else if (c.type === 'C') {
      const x0 = cx, y0 = cy;
      for (let i = 1; i <= STEPS; i++) {
        const t = i / STEPS, u = 1 - t;
        line(
          u * u * u * x0 + 3 * u * u * t * c.x1 + 3 * u * t * t * c.x2 + t * t * t * c.x,
          u * u * u * y0 + 3 * u * u * t * c.y1 + 3 * u * t * t * c.y2 + t * t * t * c.y,
        );
      }
    } else if (c.type === 'Z') line(sx, sy);
  }
  return edges;
}

export interface RasterTextOptions {
  /** Bitmap width in dots (the printer's dots per line). */
  width: number;
  /** Line height in dots; 24 matches ESC/POS font A. */
  height?: number;
  bold?: boolean;
  align?: 'left' | 'center' | 'right';
}

export function rasterizeText(text: string, opts: RasterTextOptions): Bitmap {
  const height = opts.height ?? 24;
  const f = font(opts.bold ? 700 : 400);
  let size = height * 0.8;
  // Shrink to fit rather than clip: a line the printer cannot hold is still readable smaller.
  const advance = f.getAdvanceWidth(text, size);
  if (advance > opts.width) size = (size * opts.width) / advance;
  const textWidth = Math.min(opts.width, f.getAdvanceWidth(text, size));
  const x = opts.align === 'center' ? (opts.width - textWidth) / 2 : opts.align === 'right' ? opts.width - textWidth : 0;
  const baseline = Math.round(height * 0.78);
  const edges = flatten(f.getPath(text, x, baseline, size));
  const bmp = createBitmap(opts.width, height);
  for (let y = 0; y < height; y++) {
    const sy = y + 0.5;
    const hits: { x: number; dir: number }[] = [];
    for (const e of edges) {
      const lo = Math.min(e.y0, e.y1), hi = Math.max(e.y0, e.y1);
      if (sy < lo || sy >= hi) continue;
      hits.push({ x: e.x0 + ((sy - e.y0) * (e.x1 - e.x0)) / (e.y1 - e.y0), dir: e.y1 > e.y0 ? 1 : -1 });
    }
    hits.sort((a, b) => a.x - b.x);
    let winding = 0;
    for (let i = 0; i < hits.length - 1; i++) {
      winding += hits[i]!.dir;
      if (winding === 0) continue;
      for (let px = Math.ceil(hits[i]!.x - 0.5); px + 0.5 < hits[i + 1]!.x; px++) setDot(bmp, px, y);
    }
  }
  return bmp;
}
