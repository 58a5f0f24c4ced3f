// Print on a picture that no word of the reading covers: a line (or the end of one) the engine skipped, found from the dots themselves.
import type { Bitmap } from '../escpos/types.js';
import type { OcrText } from './text.js';

/** A stretch of print on a picture, in dots. */
export interface PrintBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Dots of ink a stretch of print needs to count: fewer is a speck. (A digit of printer font A is
 * about 40 dots of ink; a full stop 4.)
 */
const MIN_INK = 12;

/**
 * Whether the ink of a stretch on a line of read words ends well above the row they stand on (`line`:
 * baseline), by more than a quarter of a word's height (`high`): asterisks, quotes, dashes ("Card: ****
 * **** **** 6054" read "card 6054", "*** REFUND ***" read "REFUND ***"). Every letter and digit stands
 * on the line; signs that float above it hold no field.
 */
function aboveTheLine(picture: Bitmap, stretch: PrintBox, line: number, high: number): boolean {
  const rows = inkByRow(picture, [stretch]);
  let bottom = -1;
  for (let i = rows.ink.length - 1; i >= 0 && bottom < 0; i--) if (rows.ink[i]) bottom = rows.y0 + i + 1;
  return bottom >= 0 && bottom < line - high / 4;
}

/**
 * The row the words stand on: the lowest row of their boxes holding a quarter of the ink of their
 * fullest row or more. The tail of a "g" or a comma hangs below it ("Rounding   +0.47": the foot of the
 * word's box is its g's tail, four rows under the line the amount stands on).
 */
function baseline(picture: Bitmap, words: readonly PrintBox[]): number {
  const rows = inkByRow(picture, words);
  const most = Math.max(0, ...rows.ink);
  for (let i = rows.ink.length - 1; i >= 0; i--) if (rows.ink[i]! * 4 >= most && most > 0) return rows.y0 + i + 1;
  return rows.y0 + rows.ink.length;
}

/** Dots of ink in each row from the boxes' top to their bottom, counted inside the boxes. */
function inkByRow(picture: Bitmap, boxes: readonly PrintBox[]): { y0: number; ink: number[] } {
  const stride = Math.ceil(picture.width / 8);
  const y0 = Math.max(0, Math.floor(Math.min(...boxes.map((b) => b.y0))));
  const y1 = Math.min(picture.height, Math.ceil(Math.max(...boxes.map((b) => b.y1))));
  const ink = new Array<number>(Math.max(0, y1 - y0)).fill(0);
  for (const b of boxes) {
    for (let y = Math.max(y0, Math.floor(b.y0)); y < Math.min(y1, Math.ceil(b.y1)); y++) {
      for (let x = Math.max(0, Math.floor(b.x0)); x < Math.min(picture.width, Math.ceil(b.x1)); x++) {
        if ((picture.data[y * stride + (x >> 3)]! >> (7 - (x & 7))) & 1) ink[y - y0]!++;
      }
    }
  }
  return { y0, ink };
}

/**
 * The stretches of print on the picture that no word of `text` covers. The picture is cut into bands
 * of rows holding ink (a printed line, or several touching ones); bands lower than half the words'
 * usual height are rules, dashes and dots, and bands higher than three times it are pictures (a logo,
 * a QR code, a barcode): neither holds text. Each band holding text is cut into stretches where it has
 * a blank gap as wide as a word is high (words of a line stay one stretch), and a stretch that no read
 * word overlaps was printed and not read: the engine skipped a line ("Card: **** 9544" left out, the
 * receipt would have gone out without its card) or the end of one. A stretch beside read words whose
 * ink floats above their foot is signs, not text (aboveTheLine).
 */
export function unreadPrint(picture: Bitmap, text: OcrText): PrintBox[] {
  const boxes = text.lines.flatMap((l) => l.words.flatMap((w) => (w.box ? [w.box] : [])));
  if (boxes.length === 0) return [];
  const heights = boxes.map((b) => b.y1 - b.y0).sort((a, b) => a - b);
  const high = heights[heights.length >> 1]!;
  if (!(high > 0)) return [];
  const stride = Math.ceil(picture.width / 8);
  const rowInked = (y: number): boolean => {
    for (let i = y * stride; i < (y + 1) * stride; i++) if (picture.data[i]) return true;
    return false;
  };
  const unread: PrintBox[] = [];
  for (let y = 0; y < picture.height; ) {
    if (!rowInked(y)) {
      y++;
      continue;
    }
    const y0 = y;
    while (y < picture.height && rowInked(y)) y++;
    const y1 = y;
    if (y1 - y0 < high / 2 || y1 - y0 > 3 * high) continue;
    // Ink per column across the band.
    const ink = new Uint16Array(picture.width);
    for (let r = y0; r < y1; r++) {
      for (let i = 0; i < stride; i++) {
        const byte = picture.data[r * stride + i]!;
        if (!byte) continue;
        for (let bit = 0; bit < 8; bit++) if ((byte >> (7 - bit)) & 1) ink[i * 8 + bit]!++;
      }
    }
    const over = boxes.filter((b) => b.y1 > y0 && b.y0 < y1);
    // The row the band's read words stand on, found once for all its unread stretches.
    let line: number | undefined;
    for (let x = 0; x < picture.width; ) {
      if (!ink[x]) {
        x++;
        continue;
      }
      const x0 = x;
      let dots = 0;
      let last = x;
      // A stretch ends at a blank gap as wide as a word is high.
      while (x < picture.width && x - last < high) {
        if (ink[x]) {
          dots += ink[x]!;
          last = x;
        }
        x++;
      }
      const x1 = last + 1;
      if (dots < MIN_INK || over.some((b) => b.x1 > x0 && b.x0 < x1)) continue;
      if (over.length && aboveTheLine(picture, { x0, y0, x1, y1 }, (line ??= baseline(picture, over)), high)) continue;
      unread.push({ x0, y0, x1, y1 });
    }
  }
  return unread;
}
