// Draws the Atrium app icons (an arch — the "atrium" — on an indigo tile) straight into PNG files,
// with 4×4 supersampling for smooth edges. No image library: a PNG is zlib-compressed RGBA rows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x, y);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// Shapes in unit coordinates (0..1). `pad` shrinks the artwork for maskable icons' safe zone.
function shade(u, v, { rounded, pad }) {
  const inTile = (() => {
    if (!rounded) return true;
    const r = 0.22, cx = Math.min(Math.max(u, r), 1 - r), cy = Math.min(Math.max(v, r), 1 - r);
    return (u - cx) ** 2 + (v - cy) ** 2 <= r * r;
  })();
  if (!inTile) return null;
  // gradient indigo tile
  const t = (u + v) / 2;
  const bg = [Math.round(79 - 20 * t), Math.round(70 - 16 * t), Math.round(229 - 40 * t)];
  const s = (x) => (x - 0.5) / (1 - 2 * pad) + 0.5; // scale into the safe zone
  const x = s(u), y = s(v);
  // an arch: outer half-disc + posts, minus the inner opening, on a base line
  const cx = 0.5, top = 0.42, ro = 0.26, ri = 0.15;
  const inOuter = (y >= top && x >= cx - ro && x <= cx + ro && y <= 0.78) || (y < top && (x - cx) ** 2 + (y - top) ** 2 <= ro * ro);
  const inInner = (y >= top && x >= cx - ri && x <= cx + ri && y <= 0.78) || (y < top && (x - cx) ** 2 + (y - top) ** 2 <= ri * ri);
  const inBase = y >= 0.78 && y <= 0.84 && x >= 0.2 && x <= 0.8;
  const inKey = (x - cx) ** 2 + (y - 0.6) ** 2 <= 0.045 ** 2; // a warm "light" in the doorway
  if (inKey) return [255, 196, 84];
  if ((inOuter && !inInner) || inBase) return [255, 255, 255];
  return bg;
}
function render(size, opts) {
  const ss = 4;
  return png(size, (px, py) => {
    let r = 0, g = 0, b = 0, a = 0;
    for (let i = 0; i < ss; i++) for (let j = 0; j < ss; j++) {
      const c = shade((px + (i + 0.5) / ss) / size, (py + (j + 0.5) / ss) / size, opts);
      if (c) { r += c[0]; g += c[1]; b += c[2]; a += 255; }
    }
    const n = ss * ss, cov = a / 255;
    return cov ? [Math.round(r / cov), Math.round(g / cov), Math.round(b / cov), Math.round(a / n)] : [0, 0, 0, 0];
  });
}

const out = new URL('../public/icons/', import.meta.url);
mkdirSync(out, { recursive: true });
const icons = [
  ['icon-192.png', 192, { rounded: true, pad: 0.06 }],
  ['icon-512.png', 512, { rounded: true, pad: 0.06 }],
  ['maskable-512.png', 512, { rounded: false, pad: 0.16 }],
  ['apple-touch-icon.png', 180, { rounded: false, pad: 0.1 }],
  ['favicon-32.png', 32, { rounded: true, pad: 0.02 }],
];
for (const [name, size, opts] of icons) writeFileSync(new URL(name, out), render(size, opts));
console.log('icons written:', icons.map((i) => i[0]).join(', '));
