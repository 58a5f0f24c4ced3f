// The second reading of a picture checked against the first: identifiers the two read differently are unsure, amounts are left to the arithmetic.
import { describe, expect, it } from 'vitest';
import type { DecodedReceipt } from '../../main/escpos/types.js';
import { readPictures, type OcrPool, type OcrText } from '../../main/ocr/index.js';

const word = (text: string, confidence: number, x0: number): { text: string; confidence: number; box: { x0: number; y0: number; x1: number; y1: number } } => ({ text, confidence, box: { x0, y0: 10, x1: x0 + 10 * text.length, y1: 30 } });

function page(words: ReturnType<typeof word>[]): OcrText {
  return { lines: [{ text: words.map((w) => w.text).join(' '), confidence: 0.9, words, y: 10 }], confidence: 0.9 };
}

/** A pool that reads the picture as `first` at scale 1 and as `second` at twice the size. */
function poolReading(first: () => OcrText, second: () => OcrText): OcrPool {
  return { recognize: (_bitmap: unknown, scale = 1) => Promise.resolve(scale === 1 ? first() : second()) } as unknown as OcrPool;
}

/** A receipt holding one picture that holds text (ink in a quarter of its dots). */
function pictureReceipt(): DecodedReceipt {
  const width = 576;
  const height = 48;
  const data = new Uint8Array((width / 8) * height).map((_, i) => (i % 4 === 0 ? 0xff : 0));
  return { lines: [], qr: [], pdf417: [], barcodes: [], images: 1, pictures: [{ width, height, data, kind: 'raster', source: 'GS v 0', line: 0, align: 'left', paperDots: width, offset: 0 }], end: 'cut', warnings: [], raw: data };
}

describe('the second reading checked against the first', () => {
  it('a receipt number the two readings read differently is unsure, however sure the second was', async () => {
    const first = () => page([word('Invoice', 0.96, 0), word('No:', 0.92, 80), word('R794129', 0.9, 120), word('1,320.00', 0.9, 400)]);
    const second = () => page([word('Invoice', 0.87, 0), word('No:', 0.86, 80), word('R784129', 0.9, 121), word('1,330.00', 0.86, 401)]);
    const read = await readPictures(pictureReceipt(), poolReading(first, second), (r) => r.read.lines[0]!.words.some((w) => w.text === '1,330.00'));
    const words = read!.read.lines[0]!.words;
    expect(words.map((w) => w.text)).toEqual(['Invoice', 'No:', 'R784129', '1,330.00']);
    // The receipt number: half the lower confidence, below what an identifier needs; the amount as the second read it.
    expect(words[2]!.confidence).toBeCloseTo(0.45);
    expect(words[3]!.confidence).toBe(0.86);
    expect(words[0]!.confidence).toBe(0.87);
  });

  it('a receipt number both readings read alike keeps the second reading\'s confidence', async () => {
    const first = () => page([word('No:', 0.92, 80), word('R794129', 0.9, 120), word('1,320.00', 0.9, 400)]);
    const second = () => page([word('No:', 0.86, 80), word('R794129', 0.93, 121), word('1,330.00', 0.86, 401)]);
    const read = await readPictures(pictureReceipt(), poolReading(first, second), (r) => r.read.lines[0]!.words.some((w) => w.text === '1,330.00'));
    expect(read!.read.lines[0]!.words[1]).toMatchObject({ text: 'R794129', confidence: 0.93 });
  });
});

describe('unsure words with digits read again alone', () => {
  it('a receipt number read at 82 % is read again alone, and takes the better confidence when both readings agree', async () => {
    let alone = 0;
    const pool = {
      recognize: (bitmap: { width: number }) => {
        if (bitmap.width < 576) {
          alone++;
          return Promise.resolve(page([word('R794129', 0.95, 20)]));
        }
        return Promise.resolve(page([word('No:', 0.92, 80), word('R794129', 0.82, 120)]));
      },
    } as unknown as OcrPool;
    const read = await readPictures(pictureReceipt(), pool);
    expect(alone).toBe(1);
    expect(read!.read.lines[0]!.words[1]).toMatchObject({ text: 'R794129', confidence: 0.95 });
  });
});
