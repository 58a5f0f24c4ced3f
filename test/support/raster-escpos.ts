// Wraps a 1-bit Bitmap in the ESC/POS raster dialects printer drivers send (GS v 0, ESC *, GS ( L, GS 8 L), for tests.
//
// A Bitmap is `height` rows of ceil(width / 8) bytes, most significant bit leftmost, 1 = black (main/escpos/types.ts).
// Each wrapper returns only the picture's commands; put them in a job with `rasterJob` (ESC @ before, a cut after)
// or next to text bytes of your own. What the decoder reads back (`DecodedReceipt.pictures`) is:
// - toGsV0(b, { mode }): `printedAs(b, 'GS v 0', mode)`, the bitmap scaled as the printer scales it (m bit 0
//   doubles the width, bit 1 the height), its width rounded up to whole bytes; bands join into one picture.
// - toEscStar(b, { mode }): stripes of 8 (m 0, 1) or 24 (m 32, 33) rows with a line feed after each; the height is
//   padded to whole stripes and 8-dot modes print each dot 3 dots tall, m 0 and 32 each dot 2 dots wide (203 dpi).
// - toGsL(b, { big, band, columns }): store (fn 112 rows, or fn 113 columns) then print (fn 50), per band; exact size.
// `printedAs` gives the expected picture for any of them.
import { rowBytes, scaleBitmap } from '../../main/escpos/raster.js';
import type { Bitmap } from '../../main/escpos/types.js';

export const INIT = Uint8Array.of(0x1b, 0x40);
/** GS V 65 0: feed and cut (full). */
export const CUT = Uint8Array.of(0x1d, 0x56, 0x41, 0x00);
/** The frame Xprinter's Windows driver puts around a job (the decoder reads it as framing; the end one cuts). */
export const XPRINTER_START = Uint8Array.of(0x1d, 0x55, 0x42, 0x02, 0x18);
export const XPRINTER_END = Uint8Array.of(0x1d, 0x53, 0x1b, 0x72, 0x1d, 0x54);

export type Dialect = 'GS v 0' | 'ESC *' | 'GS ( L' | 'GS 8 L';

export interface GsV0Options {
  /** Rows per GS v 0 command (drivers send bands of 24 to 255 rows); default: the whole bitmap in one. */
  band?: number;
  /** m: 0 normal, 1 double width, 2 double height, 3 both (48-51 are the same); default 0. */
  mode?: 0 | 1 | 2 | 3 | 48 | 49 | 50 | 51;
  /** 'xprinter': the bands inside Xprinter's driver frame (start … bands … end-and-cut). */
  framing?: 'xprinter';
}

export interface EscStarOptions {
  /** m: 0 8-dot single density, 1 8-dot double, 32 24-dot single, 33 24-dot double (1:1 at 203 dpi). */
  mode: 0 | 1 | 32 | 33;
}

export interface GsLOptions {
  /** GS 8 L (32-bit length) instead of GS ( L (16-bit length, at most 65,535 bytes a command). */
  big?: boolean;
  /** Rows per store-and-print; default: the whole bitmap when it fits in one command, else the most that fit. */
  band?: number;
  /** Store as columns (fn 113) instead of rows (fn 112). */
  columns?: boolean;
}

/** GS v 0 m xL xH yL yH d…: raster bands. */
export function toGsV0(bitmap: Bitmap, options: GsV0Options = {}): Uint8Array {
  const m = options.mode ?? 0;
  const stride = rowBytes(bitmap.width);
  const band = Math.max(1, Math.min(options.band ?? bitmap.height, 65_535));
  const parts: Uint8Array[] = [];
  if (options.framing === 'xprinter') parts.push(XPRINTER_START);
  for (let y = 0; y < bitmap.height; y += band) {
    const rows = Math.min(band, bitmap.height - y);
    parts.push(Uint8Array.of(0x1d, 0x76, 0x30, m, stride & 0xff, stride >> 8, rows & 0xff, rows >> 8));
    parts.push(bitmap.data.subarray(y * stride, (y + rows) * stride));
  }
  if (options.framing === 'xprinter') parts.push(XPRINTER_END);
  return concat(...parts);
}

/** ESC 3 24, then per stripe ESC * m nL nH (columns, top byte first) LF, then ESC 2 (default line spacing). */
export function toEscStar(bitmap: Bitmap, options: EscStarOptions): Uint8Array {
  const m = options.mode;
  const perColumn = m >= 32 ? 3 : 1;
  const stripe = perColumn * 8;
  const parts: Uint8Array[] = [Uint8Array.of(0x1b, 0x33, 24)];
  for (let y0 = 0; y0 < bitmap.height; y0 += stripe) {
    const n = bitmap.width;
    const out = new Uint8Array(5 + n * perColumn + 1);
    out.set([0x1b, 0x2a, m, n & 0xff, n >> 8]);
    for (let x = 0; x < n; x++) {
      for (let k = 0; k < perColumn; k++) {
        let v = 0;
        for (let bit = 0; bit < 8; bit++) {
          const y = y0 + k * 8 + bit;
          if (y < bitmap.height && dot(bitmap, x, y)) v |= 0x80 >> bit;
        }
        out[5 + x * perColumn + k] = v;
      }
    }
    out[out.length - 1] = 0x0a;
    parts.push(out);
  }
  parts.push(Uint8Array.of(0x1b, 0x32));
  return concat(...parts);
}

/** GS ( L / GS 8 L: store graphics (fn 112 or 113, a 48 monochrome, bx = by = 1, colour 49) then print them (fn 50), per band. */
export function toGsL(bitmap: Bitmap, options: GsLOptions = {}): Uint8Array {
  const stride = rowBytes(bitmap.width);
  let band = Math.max(1, options.band ?? bitmap.height);
  if (!options.big) {
    // GS ( L holds at most 65,535 bytes: 10 of header, the rest data.
    const fit = options.columns ? Math.floor(0xfff5 / Math.max(1, bitmap.width)) * 8 : Math.floor(0xfff5 / Math.max(1, stride));
    band = Math.max(1, Math.min(band, fit));
  }
  const parts: Uint8Array[] = [];
  for (let y = 0; y < bitmap.height; y += band) {
    const rows = Math.min(band, bitmap.height - y);
    const slice: Bitmap = { width: bitmap.width, height: rows, data: bitmap.data.subarray(y * stride, (y + rows) * stride) };
    const data = options.columns ? toColumns(slice) : slice.data;
    const fn = options.columns ? 113 : 112;
    const header = [0x30, fn, 0x30, 1, 1, 0x31, bitmap.width & 0xff, bitmap.width >> 8, rows & 0xff, rows >> 8];
    const len = header.length + data.length;
    if (options.big) {
      parts.push(Uint8Array.of(0x1d, 0x38, 0x4c, len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24, ...header), data);
      parts.push(Uint8Array.of(0x1d, 0x38, 0x4c, 2, 0, 0, 0, 0x30, 0x32));
    } else {
      if (len > 0xffff) throw new RangeError(`a GS ( L band of ${rows} rows × ${bitmap.width} dots is ${len} bytes, over 65,535: use { big: true } or a smaller band`);
      parts.push(Uint8Array.of(0x1d, 0x28, 0x4c, len & 0xff, len >> 8, ...header), data);
      parts.push(Uint8Array.of(0x1d, 0x28, 0x4c, 2, 0, 0x30, 0x32));
    }
  }
  return concat(...parts);
}

/** The picture the decoder reads back from `bitmap` wrapped in `dialect` with `mode` (GS v 0 and ESC * modes). */
export function printedAs(bitmap: Bitmap, dialect: Dialect, mode = 0): Bitmap {
  if (dialect === 'GS v 0') {
    const m = mode & 3;
    return scaleBitmap(padTo(bitmap, rowBytes(bitmap.width) * 8, bitmap.height), (m & 1) + 1, (m >> 1) + 1);
  }
  if (dialect === 'ESC *') {
    const stripe = mode >= 32 ? 24 : 8;
    const padded = padTo(bitmap, bitmap.width, Math.ceil(bitmap.height / stripe) * stripe);
    return scaleBitmap(padded, mode === 0 || mode === 32 ? 2 : 1, mode < 32 ? 3 : 1);
  }
  return bitmap;
}

/** A bitmap of random dots from `seed` (the same seed gives the same dots); padding bits past `width` are 0. */
export function randomBitmap(width: number, height: number, seed: number, density = 0.5): Bitmap {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const stride = rowBytes(width);
  const data = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) for (let c = 0; c < width; c++) if (next() < density) setDot(data, y * stride + (c >> 3), 0x80 >> (c & 7));
  return { width, height, data };
}

/**
 * A Bitmap from RGBA pixels (a canvas's `getImageData(…).data`): a pixel is a dot when its luminance is below
 * `threshold` (0-255) and it is not transparent.
 */
export function bitmapFromRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, threshold = 128): Bitmap {
  if (rgba.length < width * height * 4) throw new RangeError(`${width} × ${height} RGBA pixels need ${width * height * 4} bytes, got ${rgba.length}`);
  const stride = rowBytes(width);
  const data = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      const lum = 0.299 * (rgba[at] as number) + 0.587 * (rgba[at + 1] as number) + 0.114 * (rgba[at + 2] as number);
      if ((rgba[at + 3] as number) >= 128 && lum < threshold) setDot(data, y * stride + (x >> 3), 0x80 >> (x & 7));
    }
  }
  return { width, height, data };
}

/** ESC @, the parts, then a cut: a whole job. */
export function rasterJob(...parts: Uint8Array[]): Uint8Array {
  return concat(INIT, ...parts, CUT);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function setDot(data: Uint8Array, at: number, mask: number): void {
  data[at] = (data[at] as number) | mask;
}

function dot(b: Bitmap, x: number, y: number): boolean {
  return ((b.data[y * rowBytes(b.width) + (x >> 3)] as number) & (0x80 >> (x & 7))) !== 0;
}

/** The bitmap in a `width` × `height` frame, white added right and below. */
function padTo(b: Bitmap, width: number, height: number): Bitmap {
  const inRow = rowBytes(b.width);
  const outRow = rowBytes(width);
  const data = new Uint8Array(outRow * height);
  for (let y = 0; y < b.height; y++) data.set(b.data.subarray(y * inRow, y * inRow + inRow), y * outRow);
  return { width, height, data };
}

function toColumns(b: Bitmap): Uint8Array {
  const perColumn = (b.height + 7) >> 3;
  const out = new Uint8Array(b.width * perColumn);
  for (let x = 0; x < b.width; x++) for (let y = 0; y < b.height; y++) if (dot(b, x, y)) setDot(out, x * perColumn + (y >> 3), 0x80 >> (y & 7));
  return out;
}
