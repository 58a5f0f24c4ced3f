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
 * Whether the ink of a stretch on a line of read words ends well above their foot (by more than a
 * quarter of a word's height, `high`): asterisks, quotes, dashes ("Card: **** **** **** 6054" read
 * "card 6054", "*** REFUND ***" read "REFUND ***"). Every letter and digit stands on the line; signs
 * that float above it hold no field.
 */
function aboveTheLine(picture: Bitmap, stretch: PrintBox, words: readonly PrintBox[], high: number): boolean {
  const stride = Math.ceil(picture.width / 8);
  let bottom = -1;
  for (let y = stretch.y1 - 1; y >= stretch.y0 && bottom < 0; y--) {
    for (let x = stretch.x0; x < stretch.x1; x++) {
      if ((picture.data[y * stride + (x >> 3)]! >> (7 - (x & 7))) & 1) {
        bottom = y + 1;
        break;
      }
    }
  }
  const feet = words.map((w) => w.y1).sort((a, b) => a - b);
  return bottom >= 0 && bottom < feet[feet.length >> 1]! - high / 4;
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
      if (over.length && aboveTheLine(picture, { x0, y0, x1, y1 }, over, high)) continue;
      unread.push({ x0, y0, x1, y1 });
    }
  }
  return unread;
}
