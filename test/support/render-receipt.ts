// Receipts drawn as a Windows printer driver sends them: the sandbox's receipt text rendered to a 1-bit bitmap (monospaced or proportional font).
import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { decode } from '../../main/escpos/index.js';
import type { Bitmap, DecodedLine } from '../../main/escpos/types.js';
import { printReceipt, type ReceiptSpec } from '../../sandbox/receipt-printer.js';
import { bitmapFromRgba } from './raster-escpos.js';

/** 58 mm paper is 384 dots at 203 dpi, 80 mm paper 576. */
export type PaperDots = 384 | 576;
/** 'mono': Liberation Mono (Courier New's metrics, a common driver font), each character in its column; 'proportional': Liberation Sans, columns laid out as a POS program places them. */
export type ReceiptFont = 'mono' | 'proportional';

export interface RenderOptions {
  dots: PaperDots;
  font: ReceiptFont;
  /** The receipt's columns (32, 42 or 48); the character cell is dots / columns wide. */
  columns: number;
}

const FONT_FILES = {
  mono: { regular: '/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf', bold: '/usr/share/fonts/truetype/liberation2/LiberationMono-Bold.ttf', family: 'ReceiptMono' },
  proportional: { regular: '/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf', bold: '/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf', family: 'ReceiptSans' },
} as const;

let registered = false;
function registerFonts(): void {
  if (registered) return;
  for (const f of Object.values(FONT_FILES)) {
    for (const file of [f.regular, f.bold]) {
      if (!GlobalFonts.registerFromPath(file, f.family)) throw new Error(`font ${file} could not be loaded: install fonts-dejavu-core and fonts-liberation2`);
    }
  }
  registered = true;
}

/** The receipt the sandbox's virtual POS prints for `spec`, as the lines (text and style) a driver would draw. */
export function receiptLinesOf(spec: ReceiptSpec): DecodedLine[] {
  const [receipt] = decode(printReceipt(spec));
  return receipt!.lines;
}

/** The spec's receipt drawn at `dots` wide in `font`: what a GDI driver would send as a raster image. */
export function renderReceipt(spec: ReceiptSpec, dots: PaperDots, font: ReceiptFont): Bitmap {
  return renderLines(receiptLinesOf(spec), { dots, font, columns: spec.width });
}

/**
 * Draws receipt lines on white paper `dots` wide and thresholds them to 1 bit. Monospaced text keeps
 * its columns; proportional text is split at runs of two or more spaces, and each run is placed where
 * its columns begin (an amount: where they end), as a POS program lays out a bill in a Windows font.
 */
export function renderLines(lines: DecodedLine[], options: RenderOptions): Bitmap {
  registerFonts();
  const cell = options.dots / options.columns;
  // Liberation Mono (Courier New's metrics) advances 0.6 em: the font size that makes one character one cell.
  const px = options.font === 'mono' ? cell / 0.6 : cell * 1.6;
  const lineHeight = Math.ceil(px * 1.25);
  const heights = lines.map((l) => (l.style.doubleHeight ? 2 : 1) * lineHeight);
  const height = heights.reduce((s, h) => s + h, 0) + 2 * lineHeight;
  const canvas = createCanvas(options.dots, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, options.dots, height);
  ctx.fillStyle = '#000';
  ctx.textBaseline = 'alphabetic';
  let y = lineHeight;
  lines.forEach((line, i) => {
    const sx = line.style.doubleWidth ? 2 : 1;
    const sy = line.style.doubleHeight ? 2 : 1;
    ctx.save();
    ctx.translate(0, y + heights[i]! - px * 0.3 * sy);
    ctx.scale(sx, sx);
    const size = sy > sx ? px * 1.5 : px;
    ctx.font = `${line.style.bold ? 'bold ' : ''}${size.toFixed(2)}px ${FONT_FILES[options.font].family}`;
    drawLine(ctx, line, options, cell, options.dots / sx);
    ctx.restore();
    y += heights[i]!;
  });
  const rgba = ctx.getImageData(0, 0, options.dots, height).data;
  return bitmapFromRgba(rgba, options.dots, height);
}

function drawLine(ctx: SKRSContext2D, line: DecodedLine, options: RenderOptions, cell: number, room: number): void {
  const text = line.text.trimEnd();
  if (text.trim() === '') return;
  if (line.style.align !== 'left') {
    const w = ctx.measureText(text.trim()).width;
    ctx.fillText(text.trim(), line.style.align === 'center' ? (room - w) / 2 : room - w, 0);
    return;
  }
  // A tall line is drawn in a bigger font (a driver scales the font, it does not stretch the dots): its runs keep their places.
  if (options.font === 'mono' && !line.style.doubleHeight) {
    ctx.fillText(text, 0, 0);
    return;
  }
  const columns = room / cell;
  for (const m of text.matchAll(/\S+(?: \S+)*/g)) {
    const run = m[0];
    const end = m.index + run.length;
    const w = ctx.measureText(run).width;
    const right = AMOUNT_RUN.test(run) || end >= columns - 1;
    ctx.fillText(run, right ? Math.max(0, end * cell - w) : m.index * cell, 0);
  }
}

/** A run printed flush right in its column: an amount, with its currency or tax marker. */
const AMOUNT_RUN = /^(?:NGN ?|N)?[-+]?[\d,.]+(?: ?[A-Z])?$/;

/** A bitmap as a PNG file (for Debian's `tesseract` and for looking at). */
export async function bitmapPng(bitmap: Bitmap): Promise<Buffer> {
  const canvas = createCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  const img = ctx.createImageData(bitmap.width, bitmap.height);
  const stride = Math.ceil(bitmap.width / 8);
  for (let y = 0; y < bitmap.height; y++) {
    for (let x = 0; x < bitmap.width; x++) {
      const v = (bitmap.data[y * stride + (x >> 3)]! >> (7 - (x & 7))) & 1 ? 0 : 255;
      const p = (y * bitmap.width + x) * 4;
      img.data[p] = img.data[p + 1] = img.data[p + 2] = v;
      img.data[p + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return canvas.encode('png');
}
