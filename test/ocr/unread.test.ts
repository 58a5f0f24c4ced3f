// Print on a picture that no word of the reading covers: lines the engine skipped, found from the dots.
import { describe, expect, it } from 'vitest';
import type { Bitmap } from '../../main/escpos/types.js';
import type { OcrText } from '../../main/ocr/index.js';
import { unreadPrint } from '../../main/ocr/unread.js';

const WIDTH = 576;

/** A blank picture `height` rows tall, with ink drawn in boxes (every dot of each box inked). */
function picture(height: number, inked: Array<{ x0: number; y0: number; x1: number; y1: number }>): Bitmap {
  const stride = WIDTH / 8;
  const data = new Uint8Array(stride * height);
  for (const b of inked) for (let y = b.y0; y < b.y1; y++) for (let x = b.x0; x < b.x1; x++) data[y * stride + (x >> 3)]! |= 0x80 >> (x & 7);
  return { width: WIDTH, height, data };
}

/** A reading of words at the given boxes. */
function reading(boxes: Array<{ x0: number; y0: number; x1: number; y1: number }>): OcrText {
  return { lines: boxes.map((box, i) => ({ text: `w${i}`, confidence: 0.95, y: box.y0, words: [{ text: `w${i}`, confidence: 0.95, box }] })), confidence: 0.95 };
}

/** Three printed lines of text 16 rows high, 8 rows apart: "TOTAL 1,330.00", "CASH 2,000.00", "Card: **** 9544" (each a name at the left, a figure at the right). */
const LINES = [0, 1, 2].map((i) => ({ y0: 10 + i * 24, y1: 26 + i * 24 }));
const ink = LINES.flatMap((l) => [
  { x0: 20, x1: 80, ...l },
  { x0: 450, x1: 540, ...l },
]);
const words = (rows: number[]) => rows.flatMap((i) => [
  { x0: 20, x1: 80, ...LINES[i]! },
  { x0: 450, x1: 540, ...LINES[i]! },
]);

describe('print no word covers', () => {
  it('finds nothing when every printed word was read', () => {
    expect(unreadPrint(picture(90, ink), reading(words([0, 1, 2])))).toEqual([]);
  });

  it('finds a line the engine skipped, by the rows and columns of its ink', () => {
    expect(unreadPrint(picture(90, ink), reading(words([0, 2])))).toEqual([
      { x0: 20, y0: 34, x1: 80, y1: 50 },
      { x0: 450, y0: 34, x1: 540, y1: 50 },
    ]);
  });

  it('finds the end of a line read only in part', () => {
    const partly = reading([...words([0, 2]), { x0: 20, x1: 80, ...LINES[1]! }]);
    expect(unreadPrint(picture(90, ink), partly)).toEqual([{ x0: 450, y0: 34, x1: 540, y1: 50 }]);
  });

  it('leaves rules, dashes, specks and pictures alone: they hold no text', () => {
    const extra = [
      { x0: 0, x1: 576, y0: 80, y1: 82 }, // a rule two rows high
      { x0: 300, x1: 301, y0: 96, y1: 106 }, // a scratch of 10 dots, a line high (a character has 30 or more)
      { x0: 100, x1: 300, y0: 120, y1: 300 }, // a logo or QR code, 180 rows high
    ];
    expect(unreadPrint(picture(320, [...ink, ...extra]), reading(words([0, 1, 2])))).toEqual([]);
  });

  it('leaves signs that float above the foot of the words beside them (asterisks, quotes): no letter or digit does', () => {
    const line = LINES[2]!;
    // "Card: **** 9544" read "Card: 9544": the asterisks' ink ends 6 rows above the words' foot.
    const stars = { x0: 200, x1: 260, y0: line.y0, y1: line.y1 - 6 };
    expect(unreadPrint(picture(90, [...ink, stars]), reading(words([0, 1, 2])))).toEqual([]);
    // A word printed down to the foot of the line and not read is found.
    const number = { x0: 200, x1: 260, y0: line.y0 + 4, y1: line.y1 };
    expect(unreadPrint(picture(90, [...ink, number]), reading(words([0, 1, 2])))).toEqual([{ x0: 200, y0: line.y0, x1: 260, y1: line.y1 }]);
  });

  it("finds an amount standing on the line beside a word whose g hangs below it (\"Rounding   +0.47\")", () => {
    const line = LINES[2]!;
    // "Rounding": its box reaches 6 rows under the line, down the tail of its g (a few dots wide).
    const word = { x0: 20, x1: 80, y0: line.y0, y1: line.y1 + 6 };
    const tail = { x0: 74, x1: 77, y0: line.y1, y1: line.y1 + 6 };
    const amount = { x0: 450, x1: 540, y0: line.y0 + 4, y1: line.y1 };
    const rows = [...ink.filter((b) => b.y0 !== line.y0), { x0: 20, x1: 80, ...line }, tail, amount];
    const read = reading([...words([0, 1]), word]);
    expect(unreadPrint(picture(90, rows), read)).toEqual([{ x0: 450, y0: line.y0, x1: 540, y1: line.y1 + 6 }]);
  });

  it('has nothing to say of a reading with no words', () => {
    expect(unreadPrint(picture(90, ink), { lines: [], confidence: 0 })).toEqual([]);
  });
});
