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

/** Each dot becomes `sx` × `sy` dots, as the printer prints double-width/height or low-density images. */
export function scaleBitmap(b: Bitmap, sx: number, sy: number): Bitmap {
  if (sx === 1 && sy === 1) return b;
  const width = b.width * sx;
  const height = b.height * sy;
  const inRow = rowBytes(b.width);
  const outRow = rowBytes(width);
  const data = new Uint8Array(outRow * height);
  for (let y = 0; y < b.height; y++) {
    const row = new Uint8Array(outRow);
    if (sx === 1) row.set(b.data.subarray(y * inRow, y * inRow + inRow));
    else {
      for (let x = 0; x < b.width; x++) {
        if (dotAt(b, x, y) === 0) continue;
        for (let k = 0; k < sx; k++) {
          const X = x * sx + k;
          row[X >> 3] = (row[X >> 3] as number) | (0x80 >> (X & 7));
        }
      }
    }
    for (let k = 0; k < sy; k++) data.set(row, (y * sy + k) * outRow);
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
  for (let x = 0; x < columns; x++) {
    const mask = 0x80 >> (x & 7);
    const xb = x >> 3;
    for (let k = 0; k < bytesPerColumn; k++) {
      const v = data[x * bytesPerColumn + k] as number;
      if (v === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        const y = k * 8 + bit;
        if (y < height && (v & (0x80 >> bit)) !== 0) out[y * outRow + xb] = (out[y * outRow + xb] as number) | mask;
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
