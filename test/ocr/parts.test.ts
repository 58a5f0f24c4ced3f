// A tall picture cut between its printed lines, so that a pool of several workers reads its parts at once.
import { afterAll, describe, expect, it } from 'vitest';
import type { Bitmap } from '../../main/escpos/types.js';
import { OcrPool, partsOf, readPictures } from '../../main/ocr/index.js';
import { decode } from '../../main/escpos/index.js';
import { generatedCase, rasterReceiptJob } from './support.js';

/** A picture 576 dots wide of `lines` printed lines, each `ink` rows of dots then `gap` blank rows. */
function printed(lines: number, ink = 20, gap = 6): Bitmap {
  const width = 576;
  const stride = width / 8;
  const height = lines * (ink + gap);
  const data = new Uint8Array(stride * height);
  for (let l = 0; l < lines; l++) for (let y = l * (ink + gap); y < l * (ink + gap) + ink; y++) data.fill(0x5a, y * stride + 2, y * stride + 40);
  return { width, height, data };
}

const blank = (b: Bitmap, y: number): boolean => b.data.subarray(y * (b.width / 8), (y + 1) * (b.width / 8)).every((x) => x === 0);

describe('a picture cut into parts between its lines', () => {
  it('cuts into as many parts as asked, of about equal height, each cut in a blank band between two lines', () => {
    const picture = printed(40);
    for (const count of [2, 3]) {
      const parts = partsOf(picture, count);
      expect(parts).toHaveLength(count);
      // Every row in exactly one part, in order.
      expect(parts[0]!.y0).toBe(0);
      expect(parts.at(-1)!.y1).toBe(picture.height);
      for (let i = 1; i < parts.length; i++) {
        expect(parts[i]!.y0).toBe(parts[i - 1]!.y1);
        // The cut row and the rows either side of it are blank: no printed line is split.
        for (const y of [parts[i]!.y0 - 1, parts[i]!.y0]) expect(blank(picture, y)).toBe(true);
      }
      for (const p of parts) expect(Math.abs(p.y1 - p.y0 - picture.height / count)).toBeLessThan(picture.height / count / 4 + 26);
    }
  });

  it('stays whole when asked for one part, or when no blank band lies near where a cut should fall', () => {
    expect(partsOf(printed(40), 1)).toEqual([{ y0: 0, y1: 1040 }]);
    // One tall block of ink (a photograph, a logo): nowhere to cut without splitting what is printed.
    expect(partsOf(printed(1, 600, 0), 2)).toEqual([{ y0: 0, y1: 600 }]);
    // Blank bands of two rows are a letter's dot above its stem, not a gap between lines.
    expect(partsOf(printed(40, 20, 2), 2)).toEqual([{ y0: 0, y1: 880 }]);
  });
});

describe('a receipt read by a pool of two', () => {
  const one = new OcrPool({ workers: 1, idleMs: 0 });
  const two = new OcrPool({ workers: 2, idleMs: 0 });
  afterAll(() => Promise.all([one.close(), two.close()]));

  it('reads the picture in two parts at once, every printed line once and in order, as one worker reads it', async () => {
    const c = generatedCase(5150, 0, 'mono');
    const receipt = decode(rasterReceiptJob(c.bitmap, 'GS v 0'))[0]!;
    expect(partsOf(c.bitmap, 2)).toHaveLength(2);
    const asked: Array<{ width: number; height: number }> = [];
    const recognize = two.recognize.bind(two);
    two.recognize = (bitmap, scale) => {
      asked.push({ width: bitmap.width, height: bitmap.height });
      return recognize(bitmap, scale);
    };
    const read = { one: await readPictures(receipt, one), two: await readPictures(receipt, two) };
    // The first reading: two parts across the whole width that make up the picture (then any unsure words alone).
    expect(asked.slice(0, 2).map((a) => a.width)).toEqual([576, 576]);
    expect(asked[0]!.height + asked[1]!.height).toBe(c.bitmap.height);
    expect(two.workers).toBe(2);
    const lines = (r: typeof read.one) => r!.receipt.lines.map((l) => l.text.trim().replace(/ +/g, ' '));
    expect(lines(read.two)).toEqual(lines(read.one));
    const ys = read.two!.read.lines.map((l) => l.words[0]!.box!.y0);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
  });
});
