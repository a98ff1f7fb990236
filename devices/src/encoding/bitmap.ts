/**
 * A 1-bit image in exactly the layout `GS v 0` wants: rows of ceil(width/8) bytes,
 * most significant bit = leftmost dot, 1 = black.
 */
export interface Bitmap {
  width: number;
  height: number;
  data: Uint8Array;
}

export function createBitmap(width: number, height: number): Bitmap {
  return { width, height, data: new Uint8Array(Math.ceil(width / 8) * height) };
}

export function bytesPerRow(b: Bitmap): number {
  return Math.ceil(b.width / 8);
}

export function setDot(b: Bitmap, x: number, y: number): void {
  if (x < 0 || y < 0 || x >= b.width || y >= b.height) return;
  b.data[y * bytesPerRow(b) + (x >> 3)]! |= 0x80 >> (x & 7);
}

export function getDot(b: Bitmap, x: number, y: number): boolean {
  return (b.data[y * bytesPerRow(b) + (x >> 3)]! & (0x80 >> (x & 7))) !== 0;
}

export function countDots(b: Bitmap): number {
  let n = 0;
  for (const byte of b.data) for (let v = byte; v; v &= v - 1) n++;
  return n;
}
