// Raster pictures as ESC/POS prints them: 1-bit bitmaps (rows, MSB leftmost, 1 = black), the printer's dot scaling and column data.
import type { Bitmap, Picture } from './types.js';

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
  const src = b.data;
  const data = new Uint8Array(outRow * height);
  for (let y = 0; y < b.height; y++) {
    const from = y * inRow;
    const at = y * sy * outRow;
    if (sx === 1) data.set(src.subarray(from, from + inRow), at);
    else if (sx === 2) {
      // Each byte doubled into two (the last one's right half only when the row has room for it).
      const pairs = outRow >> 1;
      for (let k = 0; k < pairs; k++) {
        const v = DOUBLE[src[from + k] as number] as number;
        data[at + 2 * k] = v >> 8;
        data[at + 2 * k + 1] = v & 0xff;
      }
      if ((outRow & 1) !== 0) data[at + outRow - 1] = (DOUBLE[src[from + pairs] as number] as number) >> 8;
    } else {
      for (let x = 0; x < b.width; x++) {
        if ((((src[from + (x >> 3)] as number) >> (7 - (x & 7))) & 1) === 0) continue;
        for (let k = 0; k < sx; k++) {
          const X = x * sx + k;
          data[at + (X >> 3)] = (data[at + (X >> 3)] as number) | (0x80 >> (X & 7));
        }
      }
    }
    for (let r = 1; r < sy; r++) data.copyWithin(at + r * outRow, at, at + outRow);
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

/**
 * A raster command's data as the decoder met it, not yet turned into dots: `width` × `height` dots (before the
 * printer's `sx` × `sy` scaling) laid out as rows (GS v 0, GS ( L fn 112) or as columns of `perColumn` bytes
 * (ESC *, GS ( L fn 113), found at `at` in `bytes`, or, while `bytes` is null, at absolute stream offset `at`
 * (in the receipt's raw span once the receipt ends).
 */
export interface RasterBlock {
  columns: boolean;
  width: number;
  height: number;
  perColumn: number;
  sx: number;
  sy: number;
  at: number;
  bytes: Uint8Array | null;
}

/** One band of a picture: blocks of one size (colour planes of a graphics store) printed as one, any ink black. */
export interface RasterBand {
  /** Dots after scaling. */
  width: number;
  height: number;
  blocks: RasterBlock[];
}

/** The size in bytes of a picture `width` × `height` dots (what counts against a receipt's picture budget). */
export function bitmapBytes(width: number, height: number): number {
  return rowBytes(width) * height;
}

/** The block's dots as the printer prints them (scaled); `src` holds its data at `offset`. A new array, never a view of `src`. */
function blockBitmap(block: RasterBlock, src: Uint8Array, offset: number): Bitmap {
  let b: Bitmap;
  if (block.columns) b = columnsToRows(src.subarray(offset), block.width, block.perColumn, block.height);
  else {
    const size = rowBytes(block.width) * block.height;
    b = clearPadding({ width: block.width, height: block.height, data: src.slice(offset, offset + size) });
  }
  return scaleBitmap(b, block.sx, block.sy);
}

/** The band's dots: its first block's, with every further block's ink added (a new array). */
function bandBitmap(band: RasterBand, raw: Uint8Array, rawAt: number): Bitmap {
  let out: Bitmap | null = null;
  for (const block of band.blocks) {
    const b = block.bytes === null ? blockBitmap(block, raw, block.at - rawAt) : blockBitmap(block, block.bytes, block.at);
    if (out === null) out = b;
    else for (let k = 0; k < out.data.length; k++) out.data[k] = (out.data[k] as number) | (b.data[k] as number);
  }
  return out ?? { width: band.width, height: band.height, data: new Uint8Array(bitmapBytes(band.width, band.height)) };
}

/** `rows` rows of `inRow` bytes from `src` at `from` into `out` at `to`, `stride` bytes apart there. */
function copyRows(src: Uint8Array, from: number, inRow: number, out: Uint8Array, to: number, stride: number, rows: number): void {
  for (let r = 0; r < rows; r++) {
    const s = from + r * inRow;
    const o = to + r * stride;
    for (let k = 0; k < inRow; k++) out[o + k] = src[s + k] as number;
  }
}

/**
 * A picture's dots from its bands, stacked top to bottom, each as wide as `width` (white added on the right of a
 * narrower band). `raw` holds, from absolute offset `rawAt` on, the data of blocks that have no bytes of their own.
 */
export function joinBands(width: number, height: number, bands: readonly RasterBand[], raw: Uint8Array, rawAt: number): Uint8Array {
  const stride = rowBytes(width);
  const first = bands[0];
  if (bands.length === 1 && first !== undefined && rowBytes(first.width) === stride && first.height === height) return bandBitmap(first, raw, rawAt).data;
  const out = new Uint8Array(stride * height);
  let y = 0;
  for (const band of bands) {
    const single = band.blocks.length === 1 ? band.blocks[0] : undefined;
    const inRow = rowBytes(band.width);
    if (single !== undefined && !single.columns && single.sx === 1 && single.sy === 1) {
      // Rows as sent: copied straight into place, then their right-edge padding cleared (as clearPadding does).
      const src = single.bytes ?? raw;
      const from = single.bytes === null ? single.at - rawAt : single.at;
      if (inRow === stride) out.set(src.subarray(from, from + stride * band.height), y * stride);
      else copyRows(src, from, inRow, out, y * stride, stride, band.height);
      const extra = inRow * 8 - band.width;
      if (extra > 0) {
        const mask = (0xff << extra) & 0xff;
        for (let r = 0; r < band.height; r++) {
          const at = (y + r) * stride + inRow - 1;
          out[at] = (out[at] as number) & mask;
        }
      }
    } else {
      const b = bandBitmap(band, raw, rawAt);
      if (inRow === stride) out.set(b.data, y * stride);
      else copyRows(b.data, 0, inRow, out, y * stride, stride, band.height);
    }
    y += band.height;
  }
  return out;
}

/**
 * A raster picture whose dots are made from its bands the first time `data` is read (then kept): decoding a job
 * costs no more than skipping its image bytes until something asks for the dots. `data` is an own enumerable
 * property, as on any picture (spread, JSON, structured clone and equality read it), and can be assigned.
 */
export class RasterPicture implements Picture {
  declare kind: 'raster';
  declare source: string;
  declare line: number;
  declare align: Picture['align'];
  declare width: number;
  declare height: number;
  declare data: Uint8Array;
  declare paperDots: number;
  declare offset: number;
  #bands: RasterBand[] = [];
  #raw: Uint8Array | null = null;
  #rawAt = 0;
  #width = 0;
  #height = 0;
  #data: Uint8Array | null = null;

  /** One accessor for every picture (a getter made per picture would give each object its own hidden class). */
  static readonly #DATA: PropertyDescriptor = {
    configurable: true,
    enumerable: true,
    get(this: RasterPicture): Uint8Array {
      if (this.#data === null) {
        if (this.#raw === null) return new Uint8Array(0);
        this.#data = joinBands(this.#width, this.#height, this.#bands, this.#raw, this.#rawAt);
      }
      return this.#data;
    },
    set(this: RasterPicture, value: Uint8Array): void {
      this.#data = value;
    },
  };

  constructor(source: string, line: number, align: Picture['align'], offset: number) {
    // Own properties in the order every picture has them.
    this.kind = 'raster';
    this.source = source;
    this.line = line;
    this.align = align;
    this.width = 0;
    this.height = 0;
    Object.defineProperty(this, 'data', RasterPicture.#DATA);
    this.paperDots = 0;
    this.offset = offset;
  }

  /** A band printed below the others; the wider sets the width. */
  addBand(band: RasterBand): void {
    this.#bands.push(band);
    this.width = Math.max(this.width, band.width);
    this.height += band.height;
    this.paperDots = paperDotsFor(this.width);
  }

  /** The receipt ended: its raw span `raw` starts at absolute offset `rawAt` (where blocks without bytes of their own are). */
  bind(raw: Uint8Array, rawAt: number): void {
    this.#raw = raw;
    this.#rawAt = rawAt;
    this.#width = this.width;
    this.#height = this.height;
  }
}
