// The receipt as the paper looks: text lines (a built-in 5 × 7 font in font A's 12 × 24 cell) and pictures at their places, as a 1-bit PNG.
import { deflateSync } from 'node:zlib';
import { glyph } from './font5x7.js';
import { DEFAULT_COLUMNS, paperLines } from './paper.js';
import { paperDotsFor, rowBytes } from './raster.js';
import type { Bitmap, DecodedLine, DecodedReceipt, Picture } from './types.js';

/** Font A: 12 × 24 dots a character; a text line advances 30 dots (ESC 2, the default spacing). */
const CELL_W = 12;
const CELL_H = 24;
const LINE_H = 30;
/** A logo the printer holds (its dots are not in the job) is drawn as an outlined box this size. */
const LOGO_W = 192;
const LOGO_H = 64;
/** Space between receipts in a page of several, with a dashed cut line across it. */
const CUT_GAP = 40;

export interface PaperImageOptions {
  /** Characters per printed line (32 for 58 mm, 48 for 80 mm); the paper is at least columns × 12 dots wide. */
  columns?: number;
}

/** A 1-bit canvas: rows of ceil(width / 8) bytes, MSB leftmost, 1 = black. */
class Canvas {
  readonly stride: number;
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.stride = rowBytes(width);
    this.data = new Uint8Array(this.stride * height);
  }

  set(x: number, y: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const at = y * this.stride + (x >> 3);
    this.data[at] = (this.data[at] as number) | (0x80 >> (x & 7));
  }

  invert(x: number, y: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const at = y * this.stride + (x >> 3);
    this.data[at] = (this.data[at] as number) ^ (0x80 >> (x & 7));
  }

  /** Draws `b`'s dots with its top-left corner at (x0, y0), clipped to the canvas (whole bytes shifted, not dot by dot). */
  blit(b: Bitmap, x0: number, y0: number): void {
    const inRow = rowBytes(b.width);
    const shift = ((x0 % 8) + 8) % 8;
    const firstByte = Math.floor(x0 / 8);
    const lastBit = (b.width & 7) === 0 ? 0xff : (0xff << (8 - (b.width & 7))) & 0xff;
    for (let y = 0; y < b.height; y++) {
      const Y = y0 + y;
      if (Y < 0 || Y >= this.height) continue;
      const row = Y * this.stride;
      for (let k = 0; k < inRow; k++) {
        let v = b.data[y * inRow + k] as number;
        if (k === inRow - 1) v &= lastBit;
        if (v === 0) continue;
        const at = firstByte + k;
        if (at >= 0 && at < this.stride) this.data[row + at] = (this.data[row + at] as number) | (v >> shift);
        if (shift > 0 && at + 1 >= 0 && at + 1 < this.stride) this.data[row + at + 1] = (this.data[row + at + 1] as number) | ((v << (8 - shift)) & 0xff);
      }
    }
  }
}

/** Where each thing goes down the paper, before anything is drawn (the height must be known first). */
type Item = { kind: 'line'; line: DecodedLine; y: number } | { kind: 'picture'; picture: Picture; y: number } | { kind: 'cut'; y: number };

/** The page width in dots for these receipts: the widest picture's paper, or the text's columns × 12 when wider. */
export function paperWidth(receipts: readonly DecodedReceipt[], columns = DEFAULT_COLUMNS): number {
  let dots = paperDotsFor(columns * CELL_W);
  for (const r of receipts) for (const p of r.pictures ?? []) dots = Math.max(dots, p.paperDots);
  return dots;
}

/** The receipts one under another as the paper shows them: text wrapped at `columns`, pictures at their lines, cuts between. */
export function paperImage(receipts: readonly DecodedReceipt[], options: PaperImageOptions = {}): Bitmap {
  const columns = options.columns ?? DEFAULT_COLUMNS;
  const width = paperWidth(receipts, columns);
  const items: Item[] = [];
  let y = 0;
  receipts.forEach((r, k) => {
    if (k > 0) {
      items.push({ kind: 'cut', y: y + CUT_GAP / 2 });
      y += CUT_GAP;
    }
    const pictures = r.pictures ?? [];
    let next = 0;
    const placePictures = (line: number) => {
      while (next < pictures.length && (pictures[next] as Picture).line <= line) {
        const picture = pictures[next++] as Picture;
        items.push({ kind: 'picture', picture, y });
        y += picture.kind === 'logo' ? LOGO_H : picture.height;
      }
    };
    r.lines.forEach((line, n) => {
      placePictures(n);
      for (const printed of paperLines({ lines: [line] }, columns)) {
        items.push({ kind: 'line', line: printed, y });
        y += printed.style.doubleHeight ? LINE_H + CELL_H : LINE_H;
      }
    });
    placePictures(Number.MAX_SAFE_INTEGER);
  });
  const page = new Canvas(width, Math.max(1, y));
  for (const item of items) {
    if (item.kind === 'line') drawLine(page, item.line, item.y);
    else if (item.kind === 'picture') drawPicture(page, item.picture, item.y);
    else for (let x = 0; x < width; x += 8) for (let d = 0; d < 4; d++) page.set(x + d, item.y);
  }
  return { width, height: page.height, data: page.data };
}

function alignedX(width: number, used: number, align: DecodedLine['style']['align']): number {
  if (align === 'center') return Math.max(0, Math.floor((width - used) / 2));
  if (align === 'right') return Math.max(0, width - used);
  return 0;
}

function drawPicture(page: Canvas, p: Picture, y: number): void {
  if (p.kind === 'logo') {
    const x0 = alignedX(page.width, LOGO_W, p.align);
    for (let x = 0; x < LOGO_W; x += 2) {
      page.set(x0 + x, y + 2);
      page.set(x0 + x, y + LOGO_H - 3);
    }
    for (let d = 2; d < LOGO_H - 2; d += 2) {
      page.set(x0, y + d);
      page.set(x0 + LOGO_W - 1, y + d);
    }
    drawText(page, `[${p.source} logo]`, x0 + 12, y + (LOGO_H - CELL_H) / 2, 1, 1, false);
    return;
  }
  page.blit(p, alignedX(page.width, p.width, p.align), y);
}

function drawLine(page: Canvas, line: DecodedLine, y: number): void {
  const sx = line.style.doubleWidth ? 2 : 1;
  const sy = line.style.doubleHeight ? 2 : 1;
  const chars = [...line.text];
  const x0 = alignedX(page.width, chars.length * CELL_W * sx, line.style.align);
  drawText(page, line.text, x0, y, sx, sy, line.style.bold);
  const w = chars.length * CELL_W * sx;
  if (line.style.underline) for (let x = 0; x < w; x++) page.set(x0 + x, y + CELL_H * sy - 2);
  if (line.style.reverse) for (let yy = 0; yy < CELL_H * sy; yy++) for (let x = 0; x < w; x++) page.invert(x0 + x, y + yy);
}

/** Each glyph dot is a 2 × 2 block in the 12 × 24 cell (times the text's own scaling); bold adds a dot to the right. */
function drawText(page: Canvas, text: string, x0: number, y0: number, sx: number, sy: number, bold: boolean): void {
  let x = x0;
  for (const ch of text) {
    // Accented letters draw as their base letter; anything else the font lacks as a hollow box.
    const base = ch.normalize('NFD').charCodeAt(0);
    const cols = glyph(base) ?? (ch === ' ' ? null : [0x7f, 0x41, 0x41, 0x41, 0x7f]);
    if (cols) {
      cols.forEach((col, c) => {
        for (let r = 0; r < 8; r++) {
          if (((col >> r) & 1) === 0) continue;
          for (let dx = 0; dx < 2 * sx + (bold ? 1 : 0); dx++) for (let dy = 0; dy < 2 * sy; dy++) page.set(x + (1 + c * 2) * sx + dx, y0 + (4 + r * 2) * sy + dy);
        }
      });
    }
    x += CELL_W * sx;
  }
}

/** A 1-bit grayscale PNG of the bitmap (black dots on white), written with node:zlib. */
export function encodePng(b: Bitmap): Uint8Array {
  const stride = rowBytes(b.width);
  // PNG's 1-bit grayscale is 0 = black: the dots are inverted; each row starts with filter type 0.
  const raw = new Uint8Array((stride + 1) * b.height);
  for (let y = 0; y < b.height; y++) {
    for (let k = 0; k < stride; k++) raw[y * (stride + 1) + 1 + k] = ~(b.data[y * stride + k] as number) & 0xff;
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, b.width);
  view.setUint32(4, b.height);
  ihdr.set([1, 0, 0, 0, 0], 8); // bit depth 1, grayscale, deflate, adaptive filtering, no interlace
  return Buffer.concat([
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let k = 0; k < 4; k++) out[4 + k] = type.charCodeAt(k);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 as PNG chunks use it (ISO 3309). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let k = 0; k < bytes.length; k++) c = (CRC_TABLE[(c ^ (bytes[k] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
