// The second reading of a picture checked against the first: identifiers the two read differently are unsure, amounts are left to the arithmetic.
import { describe, expect, it } from 'vitest';
import type { Bitmap, DecodedReceipt } from '../../main/escpos/types.js';
import { readPictures, type OcrPool, type OcrText } from '../../main/ocr/index.js';
import { printed } from './dots.js';

const word = (text: string, confidence: number, x0: number): { text: string; confidence: number; box: { x0: number; y0: number; x1: number; y1: number } } => ({ text, confidence, box: { x0, y0: 10, x1: x0 + 10 * text.length, y1: 30 } });

function page(words: ReturnType<typeof word>[]): OcrText {
  return { lines: [{ text: words.map((w) => w.text).join(' '), confidence: 0.9, words, y: 10 }], confidence: 0.9 };
}

/** A pool that reads the picture as `first`, its lines alone at twice the size as `second`, and a word alone as nothing. */
function poolReading(first: () => OcrText, second: () => OcrText, calls: number[] = []): OcrPool {
  return {
    recognize: (bitmap: { width: number }, scale = 1) => {
      calls.push(scale);
      return Promise.resolve(scale !== 1 ? second() : bitmap.width < 576 ? page([]) : first());
    },
  } as unknown as OcrPool;
}

/**
 * A receipt holding one picture that holds text (ink in a quarter of its dots, in stripes down its
 * whole height: taller than three of the scripted words, no stretch of it is taken for a line's print).
 */
function pictureReceipt(): DecodedReceipt {
  const width = 576;
  const height = 64;
  const data = new Uint8Array((width / 8) * height).map((_, i) => (i % 4 === 0 ? 0xff : 0));
  return { lines: [], qr: [], pdf417: [], barcodes: [], images: 1, pictures: [{ width, height, data, kind: 'raster', source: 'GS v 0', line: 0, align: 'left', paperDots: width, offset: 0 }], end: 'cut', warnings: [], raw: data };
}

describe('the second reading checked against the first', () => {
  it('a receipt number the two readings read differently is unsure, however sure the second was', async () => {
    const first = () => page([word('Invoice', 0.96, 0), word('No:', 0.92, 80), word('R794129', 0.54, 120), word('1,320.00', 0.5, 400)]);
    const second = () => page([word('Invoice', 0.87, 0), word('No:', 0.86, 80), word('R784129', 0.9, 121), word('1,330.00', 0.86, 401)]);
    const read = await readPictures(pictureReceipt(), poolReading(first, second), (r) => r.read.lines[0]!.words.some((w) => w.text === '1,330.00'));
    const words = read!.read.lines[0]!.words;
    expect(words.map((w) => w.text)).toEqual(['Invoice', 'No:', 'R784129', '1,330.00']);
    // The receipt number: half the lower confidence, below what an identifier needs; the amount as the second read it.
    expect(words[2]!.confidence).toBeCloseTo(0.27);
    expect(words[3]!.confidence).toBe(0.86);
    expect(words[0]!.confidence).toBe(0.87);
  });

  it('a receipt number both readings read alike keeps the second reading\'s confidence', async () => {
    const first = () => page([word('No:', 0.92, 80), word('R794129', 0.54, 120), word('1,320.00', 0.5, 400)]);
    const second = () => page([word('No:', 0.86, 80), word('R794129', 0.93, 121), word('1,330.00', 0.86, 401)]);
    const read = await readPictures(pictureReceipt(), poolReading(first, second), (r) => r.read.lines[0]!.words.some((w) => w.text === '1,330.00'));
    expect(read!.read.lines[0]!.words[1]).toMatchObject({ text: 'R794129', confidence: 0.93 });
  });
});

describe('print the page reading left out', () => {
  it("the rest of a line (an amount beside a read label) is read alone at twice the size and joins its line in its place", async () => {
    // "SUBTOTAL" at the left of the line and its amount at the right, both inked; the page reading has the label only.
    const width = 576;
    const height = 48;
    const data = new Uint8Array((width / 8) * height);
    for (const [x0, x1] of [[20, 100], [440, 520]] as const) for (let y = 12; y < 30; y++) for (let x = x0; x < x1; x++) data[y * (width / 8) + (x >> 3)]! |= 0x80 >> (x & 7);
    const receipt: DecodedReceipt = { ...pictureReceipt(), pictures: [{ width, height, data, kind: 'raster', source: 'GS v 0', line: 0, align: 'left', paperDots: width, offset: 0 }] };
    const label = { text: 'SUBTOTAL', confidence: 0.95, box: { x0: 20, y0: 12, x1: 100, y1: 30 } };
    const calls: Array<{ width: number; scale: number }> = [];
    const pool = {
      capacity: 1,
      recognize: (bitmap: { width: number }, scale = 1) => {
        calls.push({ width: bitmap.width, scale });
        // The stretch cut out (440 to 520 with white around it): its amount, boxed in the cut-out's dots.
        if (bitmap.width < width) return Promise.resolve(page([{ text: '6,678.63', confidence: 0.9, box: { x0: 5, y0: 5, x1: 85, y1: 23 } }]));
        return Promise.resolve({ lines: [{ text: 'SUBTOTAL', confidence: 0.95, y: 12, words: [structuredClone(label)] }], confidence: 0.95 });
      },
    } as unknown as OcrPool;
    const read = await readPictures(receipt, pool);
    expect(calls).toEqual([{ width, scale: 1 }, { width: 90, scale: 2 }]);
    expect(read!.receipt.lines[0]!.text).toMatch(/^SUBTOTAL +6,678.63$/);
    expect(read!.read.lines[0]!.words[1]).toEqual({ text: '6,678.63', confidence: 0.9, box: { x0: 440, y0: 12, x1: 520, y1: 30 } });
    expect(read!.read.unread).toEqual([]);
  });
});

describe('the second reading: unsure lines read again alone', () => {
  it('only the lines holding an unsure word are read again, at twice the size; the others stay as first read', async () => {
    const sure = { text: 'TOTAL 1,330.00', confidence: 0.95, y: 50, words: [{ text: 'TOTAL', confidence: 0.95, box: { x0: 0, y0: 50, x1: 50, y1: 70 } }, { text: '1,330.00', confidence: 0.95, box: { x0: 400, y0: 50, x1: 480, y1: 70 } }] };
    const first = (): OcrText => ({ lines: [page([word('Coartem', 0.9, 0), word('1,320.00', 0.5, 400)]).lines[0]!, structuredClone(sure)], confidence: 0.8 });
    const second = () => page([word('Coartem', 0.93, 0), word('1,330.00', 0.92, 400)]);
    const calls: number[] = [];
    const read = await readPictures(pictureReceipt(), poolReading(first, second, calls), (r) => r.read.lines[0]!.words[1]!.text === '1,330.00');
    // The page, the unsure amount alone (at the first reading's size), then its line alone at twice the size.
    expect(calls).toEqual([1, 1, 2]);
    expect(read!.receipt.lines.map((l) => l.text.replace(/ +/g, ' '))).toEqual(['Coartem 1,330.00', 'TOTAL 1,330.00']);
    expect(read!.read.lines[1]!.words.map((w) => w.confidence)).toEqual([0.95, 0.95]);
  });

  it('a reading whose sums fail has its lines holding amounts read again at twice the size, however sure, and keeps the reading that settles', async () => {
    const calls: number[] = [];
    const first = () => page([word('TOTAL', 0.95, 0), word('1,380.00', 0.95, 400)]);
    const second = () => page([word('TOTAL', 0.96, 0), word('1,330.00', 0.93, 400)]);
    const settles = (r: { read: { lines: Array<{ words: Array<{ text: string }> }> } }) => {
      const ok = r.read.lines[0]!.words[1]!.text === '1,330.00';
      return { settles: ok, misread: !ok };
    };
    const read = await readPictures(pictureReceipt(), poolReading(first, second, calls), settles);
    expect(calls).toEqual([1, 2]);
    expect(read!.read.lines[0]!.words.map((w) => w.text)).toEqual(['TOTAL', '1,330.00']);
    // A reading held for another cause (its sums hold) is not read again when every word was sure.
    const held = [] as number[];
    await readPictures(pictureReceipt(), poolReading(first, second, held), () => ({ settles: false, misread: false }));
    expect(held).toEqual([1]);
  });

  it('a reading whose lines are all sure is not read again', async () => {
    const calls: number[] = [];
    const read = await readPictures(pictureReceipt(), poolReading(() => page([word('TOTAL', 0.95, 0), word('1,330.00', 0.95, 400)]), () => page([]), calls), () => false);
    expect(calls).toEqual([1]);
    expect(read!.read.lines[0]!.words.map((w) => w.text)).toEqual(['TOTAL', '1,330.00']);
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

describe("the identifiers of a reading that settles, read again before it may go out", () => {
  /**
   * A pool scripted as the engine (the real one cannot be made to misread on cue): the page as `page`,
   * a word cut out alone (narrower than the picture) as `alone`, the line across the picture at twice
   * the size as `larger`. `calls` records each reading as "page", "alone" or "larger".
   */
  function scripted(first: OcrText, alone: () => OcrText, larger: () => OcrText, calls: string[] = []): OcrPool {
    return {
      capacity: 1,
      recognize: (bitmap: { width: number }, scale = 1) => {
        const kind = scale !== 1 ? 'larger' : bitmap.width < 576 ? 'alone' : 'page';
        calls.push(kind);
        return Promise.resolve(kind === 'larger' ? larger() : kind === 'alone' ? alone() : structuredClone(first));
      },
    } as unknown as OcrPool;
  }
  /** Settles, saying the receipt number was read from the line's second word. */
  const settlesWithNumber = () => ({ settles: true, identifiers: [{ line: 0, word: 1 }] });

  it('a receipt number read at 90 % in context that another reading reads otherwise is unsure: the field goes to review', async () => {
    const first = page([word('No:', 0.95, 80), word('INV-584100', 0.9, 120)]);
    const read = await readPictures(pictureReceipt(), scripted(first, () => page([word('INV-584100', 0.79, 20)]), () => page([word('No:', 0.9, 80), word('INV-594100', 0.8, 120)])), settlesWithNumber);
    const number = read!.read.lines[0]!.words[1]!;
    expect(number.text).toBe('INV-584100');
    // Half the lowest of the three readings: below what an identifier needs (0.9).
    expect(number.confidence).toBeCloseTo(0.395);
    expect(read!.read.confidence).toBeCloseTo((0.95 + 0.395) / 2);
  });

  it('three readings that agree at 50 % or more make an unsure receipt number sure; a reading the engine gives under 20 % neither agrees nor disputes', async () => {
    const first = page([word('No:', 0.95, 80), word('R794129', 0.82, 120)]);
    const agreed = await readPictures(pictureReceipt(), scripted(first, () => page([word(':R794129', 0.88, 20)]), () => page([word('R794129', 0.86, 120)])), settlesWithNumber);
    expect(agreed!.read.lines[0]!.words[1]).toMatchObject({ text: 'R794129', confidence: 0.9 });
    const noReading = await readPictures(pictureReceipt(), scripted(first, () => page([word('R794129', 0.88, 20)]), () => page([word('R7941829', 0.1, 120)])), settlesWithNumber);
    // Read alone alike at 88 % (the better of the two, as for any unsure word), and no more: the third reading is no reading.
    expect(noReading!.read.lines[0]!.words[1]).toMatchObject({ text: 'R794129', confidence: 0.88 });
  });

  it('three readings of letters, digits and punctuation that agree at 20 % or more make the word sure; one with a look-alike letter beside a digit needs 50 %', async () => {
    const unsure = page([word('No:', 0.95, 80), word('INV-229849', 0.47, 120)]);
    const agreed = await readPictures(pictureReceipt(), scripted(unsure, () => page([word('INV-229849', 0.34, 20)]), () => page([word('No:', 0.9, 80), word('INV-229849', 0.72, 120)])), settlesWithNumber);
    expect(agreed!.read.lines[0]!.words[1]).toMatchObject({ text: 'INV-229849', confidence: 0.9 });
    const under = await readPictures(pictureReceipt(), scripted(unsure, () => page([word('INV-229849', 0.19, 20)]), () => page([word('No:', 0.9, 80), word('INV-229849', 0.72, 120)])), settlesWithNumber);
    expect(under!.read.lines[0]!.words[1]!.confidence).toBeLessThan(0.9);
    const lookAlike = page([word('No:', 0.95, 80), word('RO56373', 0.47, 120)]);
    const swapped = await readPictures(pictureReceipt(), scripted(lookAlike, () => page([word('RO56373', 0.34, 20)]), () => page([word('No:', 0.9, 80), word('RO56373', 0.72, 120)])), settlesWithNumber);
    expect(swapped!.read.lines[0]!.words[1]!.confidence).toBeLessThan(0.9);
  });

  it('a reading held only by an unsure receipt number has it read three times, and settles when they agree', async () => {
    const calls: string[] = [];
    const first = page([word('No:', 0.95, 80), word('R794129', 0.87, 120), word('1,330.00', 0.95, 400)]);
    // Settles when the receipt number is at least 90 % sure, as the parser would say.
    const settles = (r: { read: { lines: Array<{ words: Array<{ confidence: number }> }> } }) => ({ settles: r.read.lines[0]!.words[1]!.confidence >= 0.9, identifiers: [{ line: 0, word: 1 }] });
    const read = await readPictures(pictureReceipt(), scripted(first, () => page([word('R794129', 0.86, 20)]), () => page([word('No:', 0.9, 80), word('R794129', 0.88, 120)]), calls), settles);
    expect(read!.read.lines[0]!.words[1]).toMatchObject({ text: 'R794129', confidence: 0.9 });
    // The page, the word alone and its line at twice the size: no second reading of the picture's unsure lines.
    expect(calls.sort()).toEqual(['alone', 'larger', 'page']);
  });

  it('a word both other readings read alike takes their reading, and its line is laid out again; when one of them is no reading (under 20 %), it stays disputed', async () => {
    const first = page([word('Time:', 0.95, 80), word('©7:29', 0.77, 140)]);
    const settlesWithTime = () => ({ settles: true, identifiers: [{ line: 0, word: 1 }] });
    const read = await readPictures(pictureReceipt(), scripted(first, () => page([word('07:29', 0.3, 20)]), () => page([word('Time:', 0.9, 80), word('07:29', 0.86, 140)])), settlesWithTime);
    expect(read!.read.lines[0]!.words[1]).toMatchObject({ text: '07:29', confidence: 0.9 });
    expect(read!.receipt.lines[read!.read.lines[0]!.line]!.text).toMatch(/Time:\s+07:29$/);
    const unsure = await readPictures(pictureReceipt(), scripted(first, () => page([word('07:29', 0.88, 20)]), () => page([word('Time:', 0.9, 80), word('07:29', 0.15, 140)])), settlesWithTime);
    expect(unsure!.read.lines[0]!.words[1]).toMatchObject({ text: '©7:29', confidence: 0.075 });
    expect(unsure!.receipt.lines[0]!.text).toContain('©7:29');
  });

  it('a reading that has a look-alike letter where the word has its digit is never taken, however sure both are: only dots tell O from 0', async () => {
    const first = page([word('No:', 0.95, 80), word('R056373', 0.8, 120)]);
    const read = await readPictures(pictureReceipt(), scripted(first, () => page([word('RO56373', 0.88, 20)]), () => page([word('No:', 0.9, 80), word('RO56373', 0.86, 120)])), settlesWithNumber);
    expect(read!.read.lines[0]!.words[1]).toMatchObject({ text: 'R056373', confidence: 0.4 });
  });

  it("a sign the engine put for a character it could not place, or a time's colon read as a point, disputes nothing", async () => {
    const first = page([word('No:', 0.95, 80), word('051657', 0.87, 120)]);
    const sign = await readPictures(pictureReceipt(), scripted(first, () => page([word('051657', 0.93, 20)]), () => page([word('No:', 0.9, 80), word('©51657', 0.92, 120)])), settlesWithNumber);
    expect(sign!.read.lines[0]!.words[1]).toMatchObject({ text: '051657', confidence: 0.9 });
    // In the word itself a sign is no digit: the word the others read alike is taken.
    const inWord = await readPictures(pictureReceipt(), scripted(page([word('No:', 0.95, 80), word('©51657', 0.87, 120)]), () => page([word('051657', 0.93, 20)]), () => page([word('No:', 0.9, 80), word('051657', 0.92, 120)])), settlesWithNumber);
    expect(inWord!.read.lines[0]!.words[1]).toMatchObject({ text: '051657', confidence: 0.9 });
    const time = await readPictures(pictureReceipt(), scripted(page([word('Time:', 0.95, 80), word('07:57', 0.87, 140)]), () => page([word('07.57', 0.61, 20)]), () => page([word('Time:', 0.9, 80), word('07:57', 0.92, 140)])), settlesWithNumber);
    expect(time!.read.lines[0]!.words[1]).toMatchObject({ text: '07:57', confidence: 0.9 });
    // Another digit is a dispute, sign or not.
    const other = await readPictures(pictureReceipt(), scripted(first, () => page([word('©51657', 0.93, 20)]), () => page([word('No:', 0.9, 80), word('©51658', 0.92, 120)])), settlesWithNumber);
    expect(other!.read.lines[0]!.words[1]!.confidence).toBeLessThan(0.9);
  });

  it("in a word of digits alone a letter that is no other digit's look-alike disputes nothing, nor a month's O read as 0", async () => {
    const time = (alone: string) => readPictures(pictureReceipt(), scripted(page([word('Time:', 0.95, 80), word('19:10', 0.87, 140)]), () => page([word(alone, 0.78, 20)]), () => page([word('Time:', 0.9, 80), word('19:10', 0.88, 140)])), settlesWithNumber);
    expect((await time('19:1e'))!.read.lines[0]!.words[1]).toMatchObject({ text: '19:10', confidence: 0.9 });
    expect((await time('19:lO'))!.read.lines[0]!.words[1]).toMatchObject({ text: '19:10', confidence: 0.9 });
    // S is a 5's look-alike: 19:15 or 19:10?
    expect((await time('19:1S'))!.read.lines[0]!.words[1]!.confidence).toBeLessThan(0.9);
    // A receipt number with letters is no word of digits alone: its O is a dispute for the dots.
    const number = await readPictures(pictureReceipt(), scripted(page([word('No:', 0.95, 80), word('R1070', 0.87, 120)]), () => page([word('R1O7O', 0.78, 20)]), () => page([word('No:', 0.9, 80), word('R1070', 0.88, 120)])), settlesWithNumber);
    expect(number!.read.lines[0]!.words[1]!.confidence).toBeLessThan(0.9);
    const date = await readPictures(pictureReceipt(), scripted(page([word('Date:', 0.95, 80), word('19-Oct-2027', 0.87, 140)]), () => page([word('19-0ct-2027', 0.9, 20)]), () => page([word('Date:', 0.9, 80), word('19-Oct-2027', 0.6, 140)])), settlesWithNumber);
    expect(date!.read.lines[0]!.words[1]).toMatchObject({ text: '19-Oct-2027', confidence: 0.9 });
  });

  it('two readings that agree at 80 % or more outweigh a third the engine gives less than half; not a surer one, nor a less sure pair', async () => {
    const read = (first: number, alone: number, larger: number) =>
      readPictures(pictureReceipt(), scripted(page([word('No:', 0.95, 80), word('R967220', first, 120)]), () => page([word('R967220', alone, 20)]), () => page([word('No:', 0.9, 80), word('R867220', larger, 120)])), settlesWithNumber);
    expect((await read(0.91, 0.9, 0.39))!.read.lines[0]!.words[1]).toMatchObject({ text: 'R967220', confidence: 0.9 });
    expect((await read(0.91, 0.82, 0.24))!.read.lines[0]!.words[1]).toMatchObject({ text: 'R967220', confidence: 0.9 });
    expect((await read(0.91, 0.9, 0.55))!.read.lines[0]!.words[1]!.confidence).toBeLessThan(0.9);
    expect((await read(0.91, 0.75, 0.39))!.read.lines[0]!.words[1]!.confidence).toBeLessThan(0.9);
  });

  it('a word read otherwise in a reading that still does not settle is read so in its line too (text and words never disagree)', async () => {
    const first = page([word('Time:', 0.95, 80), word('©7:29', 0.77, 140)]);
    const held = () => ({ settles: false, identifiers: [{ line: 0, word: 1 }] });
    const read = await readPictures(pictureReceipt(), scripted(first, () => page([word('07:29', 0.88, 20)]), () => page([word('Time:', 0.9, 80), word('07:29', 0.86, 140)])), held);
    expect(read!.read.lines[0]!.words[1]).toMatchObject({ text: '07:29', confidence: 0.9 });
    expect(read!.receipt.lines[0]!.text).toMatch(/Time:\s+07:29$/);
  });

  it('readings of an amount with the same digits agree, its thousands comma read or not', async () => {
    const first = page([word('SUBTOTAL', 0.95, 20), word('2,221.68', 0.57, 400)]);
    const read = await readPictures(pictureReceipt(), scripted(first, () => page([word('2221.68', 0.7, 20)]), () => page([word('SUBTOTAL', 0.9, 20), word('2,221.68', 0.8, 400)])), settlesWithNumber);
    expect(read!.read.lines[0]!.words[1]).toMatchObject({ text: '2,221.68', confidence: 0.9 });
    // A receipt number's punctuation is part of it: INV-046299 is not INV046299.
    const number = await readPictures(pictureReceipt(), scripted(page([word('No:', 0.95, 20), word('INV-046299', 0.8, 120)]), () => page([word('INV046299', 0.7, 20)]), () => page([word('No:', 0.9, 20), word('INV-046299', 0.8, 120)])), settlesWithNumber);
    expect(number!.read.lines[0]!.words[1]!.confidence).toBeCloseTo(0.35);
  });

  it('of readings that differ in a digit, the one whose digit is drawn as the checked amounts draw that digit is the word', async () => {
    // Dots the test controls: the receipt number's last digit is drawn as the amount 8.10's 8; the page read it 0.
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R1078', read: 'R1070', confidence: 0.9 },
    ]);
    const receipt: DecodedReceipt = { ...pictureReceipt(), pictures: [{ ...picture, kind: 'raster', source: 'GS v 0', line: 0, align: 'left', paperDots: 576, offset: 0 }] };
    const at = (box: { x0: number; x1: number }) => ({ x0: box.x0, x1: box.x1, y0: 0, y1: 7 });
    const numberBox = text.lines[2]!.words[0]!.box!;
    const pool = {
      capacity: 1,
      recognize: (bitmap: { width: number; height: number }, scale = 1) =>
        Promise.resolve(
          scale !== 1
            ? page([{ text: 'R1078', confidence: 0.8, box: at(numberBox) }])
            : bitmap.height < picture.height
              ? page([{ text: 'R1070', confidence: 0.85, box: at(numberBox) }])
              : structuredClone(text),
        ),
    } as unknown as OcrPool;
    const judged = (amounts: Array<{ line: number; word: number }>) => () => ({ settles: true, identifiers: [{ line: 2, word: 0 }], amounts });
    const read = await readPictures(receipt, pool, judged([{ line: 0, word: 0 }, { line: 1, word: 0 }]));
    expect(read!.read.lines[2]!.words[0]).toMatchObject({ text: 'R1078', confidence: 0.9 });
    expect(read!.receipt.lines[2]!.text.trim()).toBe('R1078');
    // Without the amounts' drawings nothing tells the readings apart: the field goes to review as read.
    const unvouched = await readPictures(receipt, pool, judged([]));
    expect(unvouched!.read.lines[2]!.words[0]).toMatchObject({ text: 'R1070', confidence: 0.4 });
  });

  it('an identifier the three readings agree on is a drawing of known digits for another identifier\'s dispute', async () => {
    // The amounts hold no 8; the time 17:8 (drawn "1781" here) does, read alike three times.
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '1781', read: '1781', confidence: 0.8, x: 4 },
      { drawn: 'R1078', read: 'R1070', confidence: 0.9, x: 50 },
    ]);
    const receipt: DecodedReceipt = { ...pictureReceipt(), pictures: [{ ...picture, kind: 'raster', source: 'GS v 0', line: 0, align: 'left', paperDots: 576, offset: 0 }] };
    const [, time, number] = text.lines.map((l) => l.words[0]!.box!);
    const at = (box: { x0: number; x1: number }) => ({ x0: box.x0, x1: box.x1, y0: 0, y1: 7 });
    const pool = {
      capacity: 1,
      recognize: (bitmap: { width: number; height: number }, scale = 1) => {
        if (scale !== 1) return Promise.resolve(page([{ text: '1781', confidence: 0.85, box: at(time!) }, { text: 'R1078', confidence: 0.8, box: at(number!) }]));
        if (bitmap.height === picture.height) return Promise.resolve(structuredClone(text));
        // Cut out alone: the time is the narrower word.
        return Promise.resolve(page([bitmap.width < 33 ? { text: '1781', confidence: 0.85, box: at(time!) } : { text: 'R1070', confidence: 0.85, box: at(number!) }]));
      },
    } as unknown as OcrPool;
    const judged = () => ({ settles: true, identifiers: [{ line: 1, word: 0 }, { line: 2, word: 0 }], amounts: [{ line: 0, word: 0 }] });
    const read = await readPictures(receipt, pool, judged);
    expect(read!.read.lines[1]!.words[0]).toMatchObject({ text: '1781', confidence: 0.9 });
    expect(read!.read.lines[2]!.words[0]).toMatchObject({ text: 'R1078', confidence: 0.9 });
  });

  /** A pool over printed dots: the page as `text`, the number's line at twice the size and the number alone as given. */
  function dotsPool(picture: { height: number }, text: OcrText, box: { x0: number; x1: number }, larger: string, alone: string, confidence = 0.9): OcrPool {
    const at = { x0: box.x0, x1: box.x1, y0: 0, y1: 7 };
    return {
      capacity: 1,
      recognize: (bitmap: { height: number }, scale = 1) =>
        Promise.resolve(scale !== 1 ? page([{ text: larger, confidence, box: at }]) : bitmap.height < picture.height ? page([{ text: alone, confidence, box: at }]) : structuredClone(text)),
    } as unknown as OcrPool;
  }
  const onDots = (picture: Bitmap): DecodedReceipt => ({ ...pictureReceipt(), pictures: [{ ...picture, kind: 'raster', source: 'GS v 0', line: 0, align: 'left', paperDots: 576, offset: 0 }] });
  const withAmounts = (identifier: number) => () => ({ settles: true, identifiers: [{ line: identifier, word: 0 }], amounts: [{ line: 0, word: 0 }, { line: 1, word: 0 }] });

  it("a receipt number read alike three times is read as the checked amounts' drawings read its digits when a digit's dots are another digit's; held when some digit is drawn as none of theirs", async () => {
    // The 8 of R1078 read as 0 by the page, alone and at twice the size (a consistent misread, as a proportional 9 read 8).
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R1078', read: 'R1070', confidence: 0.93 },
    ]);
    const box = text.lines[2]!.words[0]!.box!;
    const read = await readPictures(onDots(picture), dotsPool(picture, text, box, 'R1070', 'R1070'), withAmounts(2));
    // Every digit drawn as one of the amounts' digits: the 8's dots are the 8 of 8.10, whatever the three readings said.
    expect(read!.read.lines[2]!.words[0]).toMatchObject({ text: 'R1078', confidence: 0.9 });
    expect(read!.receipt.lines[2]!.text.trim()).toBe('R1078');
    // The amounts hold no 7: the dots cannot read the whole word, and it is held as read.
    const no7 = printed([
      { drawn: '11.00', read: '11.00', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R1078', read: 'R1070', confidence: 0.93 },
    ]);
    const unread = await readPictures(onDots(no7.picture), dotsPool(no7.picture, no7.text, box, 'R1070', 'R1070'), withAmounts(2));
    expect(unread!.read.lines[2]!.words[0]!.text).toBe('R1070');
    expect(unread!.read.lines[2]!.words[0]!.confidence).toBeLessThan(0.9);
    // Read at 96 % it is not read again, and still held by its dots.
    const sure = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R1078', read: 'R1070', confidence: 0.96 },
    ]);
    const held = await readPictures(onDots(sure.picture), dotsPool(sure.picture, sure.text, box, 'R1070', 'R1070'), withAmounts(2));
    expect(held!.read.lines[2]!.words[0]!.confidence).toBeCloseTo(0.48);
    // Drawn as it was read, three readings that agree make it sure.
    const right = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R1070', read: 'R1070', confidence: 0.8 },
    ]);
    const agreed = await readPictures(onDots(right.picture), dotsPool(right.picture, right.text, box, 'R1070', 'R1070'), withAmounts(2));
    expect(agreed!.read.lines[2]!.words[0]).toMatchObject({ text: 'R1070', confidence: 0.9 });
  });

  it('a receipt number the three readings read three ways, none drawn as the amounts draw its digits, is read by the dots when they read every digit', async () => {
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R1078', read: 'R1070', confidence: 0.6 },
    ]);
    const box = text.lines[2]!.words[0]!.box!;
    const read = await readPictures(onDots(picture), dotsPool(picture, text, box, 'R1073', 'R1076', 0.5), withAmounts(2));
    expect(read!.read.lines[2]!.words[0]).toMatchObject({ text: 'R1078', confidence: 0.9 });
    // A reading without the word's prefix: the letters are not the dots' to say, and the word stays disputed.
    const other = await readPictures(onDots(picture), dotsPool(picture, text, box, 'B1073', 'B1076', 0.5), withAmounts(2));
    expect(other!.read.lines[2]!.words[0]!.text).toBe('R1070');
    expect(other!.read.lines[2]!.words[0]!.confidence).toBeLessThan(0.9);
  });

  it('of readings that differ in a digit, the one the checked amounts do not gainsay is the word: a digit unlike every drawing of the digit read is not that digit', async () => {
    // Printer-sized (14 dots tall): the amounts hold 8s, 1s and 0s but no 7; two re-readings read the 7 of R1078 as 0.
    const words = (amounts: string[]) =>
      printed([...amounts.map((a) => ({ drawn: a, read: a, confidence: 0.95 })), { drawn: 'R1078', read: 'R1078', confidence: 0.6 }], 2);
    const { picture, text } = words(['8.10', '11.00']);
    const box = text.lines[2]!.words[0]!.box!;
    const pool = (p: typeof picture, t: typeof text) => dotsPool(p, t, box, 'R1008', 'R1008', 0.5);
    const read = await readPictures(onDots(picture), pool(picture, text), withAmounts(2));
    expect(read!.read.lines[2]!.words[0]).toMatchObject({ text: 'R1078', confidence: 0.9 });
    // With no 0 among the amounts nothing gainsays either reading: the two re-readings that agree are taken.
    const no0 = words(['8.11', '11.18']);
    const taken = await readPictures(onDots(no0.picture), pool(no0.picture, no0.text), withAmounts(2));
    expect(taken!.read.lines[2]!.words[0]!.text).toBe('R1008');
  });

  it('a receipt number whose every digit is drawn with the same dots as the checked amounts\' is not read again', async () => {
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R1078', read: 'R1078', confidence: 0.8 },
    ]);
    const box = text.lines[2]!.words[0]!.box!;
    const pool = dotsPool(picture, text, box, 'R1070', 'R1070');
    const calls: number[] = [];
    const counting = { capacity: 1, recognize: (b: Bitmap, scale = 1) => (calls.push(scale), pool.recognize(b, scale)) } as unknown as OcrPool;
    const read = await readPictures(onDots(picture), counting, withAmounts(2));
    expect(read!.read.lines[2]!.words[0]).toMatchObject({ text: 'R1078', confidence: 0.9 });
    // The page alone: no reading of the word alone nor of its line at twice the size.
    expect(calls).toEqual([1]);
  });

  it("a reading with the letter O where the amounts' 0s have the same dots agrees with the word's 0", async () => {
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R1070', read: 'R1070', confidence: 0.8 },
    ]);
    const box = text.lines[2]!.words[0]!.box!;
    const read = await readPictures(onDots(picture), dotsPool(picture, text, box, 'R1070', 'R1O7O', 0.85), withAmounts(2));
    expect(read!.read.lines[2]!.words[0]).toMatchObject({ text: 'R1070', confidence: 0.9 });
    // Drawn as the letter O, the same readings are a dispute no reading settles: held.
    const letter = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R1O7O', read: 'R1070', confidence: 0.8 },
    ]);
    const held = await readPictures(onDots(letter.picture), dotsPool(letter.picture, letter.text, box, 'R1070', 'R1O7O', 0.85), withAmounts(2));
    expect(held!.read.lines[2]!.words[0]!.confidence).toBeLessThan(0.9);
  });

  it('an identifier read at 95 % or more, and the words no identifier was read from, are not read again', async () => {
    const calls: string[] = [];
    const first = page([word('No:', 0.6, 80), word('R794129', 0.96, 120), word('1,330.00', 0.9, 400)]);
    const read = await readPictures(pictureReceipt(), scripted(first, () => page([word('R784129', 0.9, 20)]), () => page([]), calls), () => ({ settles: true, identifiers: [{ line: 0, word: 1 }] }));
    expect(calls).toEqual(['page']);
    expect(read!.read.lines[0]!.words[1]).toMatchObject({ text: 'R794129', confidence: 0.96 });
  });
});
