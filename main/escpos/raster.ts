// Raster pictures as ESC/POS prints them: 1-bit bitmaps (rows, MSB leftmost, 1 = black), the printer's dot scaling and column data.
import type { Bitmap } from './types.js';

/** Paper widths in dots at 203 dpi: 58 mm and 80 mm printers. */
export const PAPER_DOTS = [384, 576] as const;

/** Bytes in one row of a bitmap `width` dots wide. */
export function rowBytes(width: number): number {
  return (width + 7) >> 3;
}

/** The paper width a picture `width` dots wide implies: 384 (58 mm), 576 (80 mm), or its own width when wider. */
export function paperDotsFor(width: number): number {
  for (const w of PAPER_DOTS) if (width <= w) return w;
  return width;
}

/** The dot at (x, y): 1 = black. */
export function dotAt(b: Bitmap, x: number, y: number): number {
  return ((b.data[y * rowBytes(b.width) + (x >> 3)] as number) >> (7 - (x & 7))) & 1;
}

/** DOUBLE[b]: byte b with each bit doubled (16 bits, MSB first). */
const DOUBLE = (() => {
  const t = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    let v = 0;
    for (let bit = 0; bit < 8; bit++) if ((b & (0x80 >> bit)) !== 0) v |= 0xc000 >> (bit * 2);
    t[b] = v;
  }
  return t;
})();

/** Each dot becomes `sx` × `sy` dots (1 to 4), as the printer prints double-width/height or low-density images. */
export function scaleBitmap(b: Bitmap, sx: number, sy: number): Bitmap {
  if (sx === 1 && sy === 1) return b;
  const width = b.width * sx;
  const height = b.height * sy;
  const inRow = rowBytes(b.width);
  const outRow = rowBytes(width);
  const data = new Uint8Array(outRow * height);
  for (let y = 0; y < b.height; y++) {
    const at = y * sy * outRow;
    const src = b.data.subarray(y * inRow, y * inRow + inRow);
    if (sx === 1) data.set(src, at);
    else if (sx === 2) {
      for (let k = 0; k < inRow; k++) {
        const v = DOUBLE[src[k] as number] as number;
        data[at + 2 * k] = v >> 8;
        if (2 * k + 1 < outRow) data[at + 2 * k + 1] = v & 0xff;
      }
    } else {
      for (let x = 0; x < b.width; x++) {
        if ((((src[x >> 3] as number) >> (7 - (x & 7))) & 1) === 0) continue;
        for (let k = 0; k < sx; k++) {
          const X = x * sx + k;
          data[at + (X >> 3)] = (data[at + (X >> 3)] as number) | (0x80 >> (X & 7));
        }
      }
    }
    for (let k = 1; k < sy; k++) data.copyWithin(at + k * outRow, at, at + outRow);
  }
  return { width, height, data };
}

/**
 * Column-major image data (ESC *, GS ( L fn 113): `columns` columns of `bytesPerColumn` bytes each,
 * the first byte's most significant bit the column's top dot. Returns it as rows, `bytesPerColumn * 8` dots tall.
 */
export function columnsToRows(data: Uint8Array, columns: number, bytesPerColumn: number, height = bytesPerColumn * 8): Bitmap {
  const outRow = rowBytes(columns);
  const out = new Uint8Array(outRow * height);
  // Eight columns by eight dots at a time: an 8 × 8 bit-matrix transpose (Hacker's Delight, 7-3).
  for (let xb = 0; xb < outRow; xb++) {
    const x0 = xb * 8;
    for (let k = 0; k < bytesPerColumn; k++) {
      let x: number;
      let y: number;
      const at = x0 * bytesPerColumn + k;
      if (x0 + 8 <= columns) {
        const n = bytesPerColumn;
        x = ((data[at] as number) << 24) | ((data[at + n] as number) << 16) | ((data[at + 2 * n] as number) << 8) | (data[at + 3 * n] as number);
        y = ((data[at + 4 * n] as number) << 24) | ((data[at + 5 * n] as number) << 16) | ((data[at + 6 * n] as number) << 8) | (data[at + 7 * n] as number);
      } else {
        x = 0;
        y = 0;
        for (let i = 0; x0 + i < columns; i++) {
          const v = data[at + i * bytesPerColumn] as number;
          if (i < 4) x |= v << (24 - 8 * i);
          else y |= v << (56 - 8 * i);
        }
      }
      if ((x | y) === 0) continue;
      let t = (x ^ (x >>> 7)) & 0x00aa00aa;
      x = x ^ t ^ (t << 7);
      t = (y ^ (y >>> 7)) & 0x00aa00aa;
      y = y ^ t ^ (t << 7);
      t = (x ^ (x >>> 14)) & 0x0000cccc;
      x = x ^ t ^ (t << 14);
      t = (y ^ (y >>> 14)) & 0x0000cccc;
      y = y ^ t ^ (t << 14);
      t = (x & 0xf0f0f0f0) | ((y >>> 4) & 0x0f0f0f0f);
      y = ((x << 4) & 0xf0f0f0f0) | (y & 0x0f0f0f0f);
      x = t;
      const base = k * 8 * outRow + xb;
      if (k * 8 + 8 <= height) {
        out[base] = x >>> 24;
        out[base + outRow] = (x >>> 16) & 0xff;
        out[base + 2 * outRow] = (x >>> 8) & 0xff;
        out[base + 3 * outRow] = x & 0xff;
        out[base + 4 * outRow] = y >>> 24;
        out[base + 5 * outRow] = (y >>> 16) & 0xff;
        out[base + 6 * outRow] = (y >>> 8) & 0xff;
        out[base + 7 * outRow] = y & 0xff;
      } else {
        for (let r = 0; k * 8 + r < height; r++) out[base + r * outRow] = ((r < 4 ? x >>> (24 - 8 * r) : y >>> (56 - 8 * r)) & 0xff);
      }
    }
  }
  return { width: columns, height, data: out };
}

/** Dots set in the bitmap's unused right-edge bits are cleared, so equal pictures compare equal byte for byte. */
export function clearPadding(b: Bitmap): Bitmap {
  const extra = rowBytes(b.width) * 8 - b.width;
  if (extra === 0) return b;
  const mask = (0xff << extra) & 0xff;
  const stride = rowBytes(b.width);
  for (let y = 0; y < b.height; y++) {
    const at = y * stride + stride - 1;
    b.data[at] = (b.data[at] as number) & mask;
  }
  return b;
}

/** The bitmap `width` dots wide (not narrower than it is), white added on the right. */
export function widenBitmap(b: Bitmap, width: number): Bitmap {
  if (width <= b.width) return b;
  const inRow = rowBytes(b.width);
  const outRow = rowBytes(width);
  const data = new Uint8Array(outRow * b.height);
  for (let y = 0; y < b.height; y++) data.set(b.data.subarray(y * inRow, y * inRow + inRow), y * outRow);
  return { width, height: b.height, data };
}
