import { PNG } from 'pngjs';
import { createBitmap, setDot, type Bitmap } from '../encoding/bitmap.ts';

/** PNG → 1-bit bitmap: dark, opaque pixels become dots; wider images are scaled down to the paper. */
export function pngToBitmap(png: Buffer, maxWidth: number): Bitmap {
  const img = PNG.sync.read(png);
  const scale = img.width > maxWidth ? maxWidth / img.width : 1;
  const w = Math.max(1, Math.floor(img.width * scale));
  const h = Math.max(1, Math.floor(img.height * scale));
  const bmp = createBitmap(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (Math.floor(y / scale) * img.width + Math.floor(x / scale)) * 4;
      const [r, g, b, a] = [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!, img.data[i + 3]!];
      const lum = (0.299 * r + 0.587 * g + 0.114 * b) * (a / 255) + 255 * (1 - a / 255);
      if (lum < 128) setDot(bmp, x, y);
    }
  }
  return bmp;
}
