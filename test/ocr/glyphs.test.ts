// The receipt's own glyphs as a second reader: a character the engine was unsure of is confirmed, or read otherwise, only by the same dots read elsewhere on the paper.
import { afterAll, describe, expect, it } from 'vitest';
import type { Bitmap } from '../../main/escpos/types.js';
import { CONFIRMED, contradictedByAmounts, digitsByKnownDots, drawnAsRead, knownDigits, MAX_COMPARISONS, toldByDots, vouchedByAmounts, withGlyphs } from '../../main/ocr/glyphs.js';
import { OcrPool, type OcrText, type OcrWord } from '../../main/ocr/index.js';
import { renderReceipt } from '../support/render-receipt.js';
import { laidOut } from '../../main/ocr/text.js';
import { printed } from './dots.js';
import { renderedCases } from './support.js';

const wordsOf = (text: OcrText): OcrWord[] => text.lines.flatMap((l) => l.words);

describe("a receipt's own glyphs", () => {
  it('confirm a word the engine was unsure of when every character has the dots of the same character read elsewhere', () => {
    const { picture, text } = printed([
      { drawn: '10', read: '10', confidence: 0.96 },
      { drawn: '01', read: '01', confidence: 0.95 },
      { drawn: '1.0', read: '1.0', confidence: 0.4 },
    ]);
    const [a, b, c] = wordsOf(withGlyphs(picture, text));
    expect(c).toMatchObject({ text: '1.0', confidence: CONFIRMED });
    // Already surer than CONFIRMED: kept.
    expect([a!.confidence, b!.confidence]).toEqual([0.96, 0.95]);
  });

  it("give a word with digits whose sign the engine read for a character has a digit's dots elsewhere that digit beside it (\"5@cl\" → 50cl), the rest as read", () => {
    const { picture, text } = printed([
      { drawn: '10', read: '10', confidence: 0.96 },
      { drawn: '01', read: '01', confidence: 0.95 },
      // The R is drawn nowhere else: the word is not confirmed whole.
      { drawn: '10R', read: '1@R', confidence: 0.4 },
    ]);
    expect(wordsOf(withGlyphs(picture, text))[2]).toMatchObject({ text: '1@R', confidence: 0.4, digitsInDots: '10R' });
    // One drawing of a 0 elsewhere is no witness enough.
    const once = printed([
      { drawn: '10', read: '10', confidence: 0.96 },
      { drawn: '10R', read: '1@R', confidence: 0.4 },
    ]);
    expect(wordsOf(withGlyphs(once.picture, once.text))[1]!.digitsInDots).toBeUndefined();
  });

  it('leave a character no other word drew as the engine read it, unsure', () => {
    const { picture, text } = printed([
      { drawn: '10', read: '10', confidence: 0.96 },
      { drawn: '01', read: '01', confidence: 0.95 },
      { drawn: '17', read: '17', confidence: 0.5 },
    ]);
    expect(wordsOf(withGlyphs(picture, text))[2]).toMatchObject({ text: '17', confidence: 0.5 });
  });

  it('read a misread digit as the character its dots carry elsewhere, twice or more, keeping the engine\'s reading as an alternative', () => {
    const { picture, text } = printed([
      { drawn: '10', read: '10', confidence: 0.96 },
      { drawn: '01', read: '01', confidence: 0.95 },
      { drawn: '80', read: '80', confidence: 0.95 },
      { drawn: '180', read: '1@6', confidence: 0.45 },
      { drawn: '88', read: '88', confidence: 0.9 },
    ]);
    const read = wordsOf(withGlyphs(picture, text))[3]!;
    expect(read).toMatchObject({ text: '180', confidence: CONFIRMED, alternatives: [{ text: '1@6', confidence: 0.45 }] });
  });

  it('never read a character otherwise on one witness, or when the same dots carry two labels', () => {
    const one = printed([
      { drawn: '10', read: '10', confidence: 0.96 },
      { drawn: '78', read: '78', confidence: 0.95 },
      { drawn: '18', read: '13', confidence: 0.5 },
    ]);
    expect(wordsOf(withGlyphs(one.picture, one.text))[2]).toMatchObject({ text: '13', confidence: 0.5 });
    // The same bar read as 1 twice and as 7 twice: the dots cannot tell which, nothing changes.
    const split = printed([
      { drawn: '11', read: '17', confidence: 0.9 },
      { drawn: '11', read: '71', confidence: 0.9 },
      { drawn: '01', read: '07', confidence: 0.5 },
    ]);
    expect(wordsOf(withGlyphs(split.picture, split.text))[2]).toMatchObject({ text: '07', confidence: 0.5 });
  });

  it('mark a word read as letters whose dots are digits elsewhere, with the digits, and leave its text as read', () => {
    const { picture, text } = printed([
      { drawn: '10', read: '10', confidence: 0.96 },
      { drawn: '01', read: '01', confidence: 0.95 },
      { drawn: '10R', read: 'lOR', confidence: 0.3 },
      { drawn: 'R', read: 'R', confidence: 0.9 },
    ]);
    const [, , misread, letter] = wordsOf(withGlyphs(picture, text));
    expect(misread).toMatchObject({ text: 'lOR', confidence: 0.3, digitsInDots: '10R' });
    expect(letter!.digitsInDots).toBeUndefined();
  });

  it("give an amount whose digit's dots are nearest, by far, another digit's drawings elsewhere that reading as an alternative", () => {
    const amounts = [
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
    ];
    // An 8 drawn at another fraction of a dot, read as 0 (surely): no other word has its dots.
    const { picture, text } = printed([...amounts, { drawn: '1&.10', read: '10.10', confidence: 0.95 }]);
    expect(wordsOf(withGlyphs(picture, text))[2]).toMatchObject({ text: '10.10', confidence: 0.95, alternatives: [{ text: '18.10', confidence: 0.95 }] });
    // A word that is no amount is left alone (nothing checks an alternative of it).
    const number = printed([...amounts, { drawn: 'R1&', read: 'R10', confidence: 0.95 }]);
    expect(wordsOf(withGlyphs(number.picture, number.text))[2]!.alternatives).toBeUndefined();
  });

  it('leave a word whose ink does not part into as many pieces as it has characters', () => {
    const { picture, text } = printed([
      { drawn: '10', read: '10', confidence: 0.96 },
      { drawn: '01', read: '01', confidence: 0.95 },
      { drawn: '1=', read: '100', confidence: 0.5 },
    ]);
    expect(wordsOf(withGlyphs(picture, text))[2]).toMatchObject({ text: '100', confidence: 0.5 });
  });

  it('read a word with digits read in another number of characters than its ink\'s pieces by its dots, when every piece has the dots of a character read elsewhere', () => {
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R10', read: 'R10', confidence: 0.95 },
      // "s56cl" for the four pieces of 50cl: here five characters for R1078's five pieces read as six.
      { drawn: 'R1078', read: 'R10O78', confidence: 0.5 },
      // A piece drawn like no character elsewhere (an 8 at another fraction of a dot): left as read.
      { drawn: 'R107&', read: 'R10O7B', confidence: 0.5 },
    ]);
    const words = wordsOf(withGlyphs(picture, text));
    expect(words[3]).toMatchObject({ text: 'R1078', confidence: CONFIRMED, alternatives: [{ text: 'R10O78', confidence: 0.5 }] });
    expect(words[4]).toMatchObject({ text: 'R10O7B', confidence: 0.5 });
  });

  it('take a letter no other word drew (a receipt number\'s prefix) on the engine\'s word only when it looks like no digit', () => {
    const lines = (read: string, confidence: number) =>
      printed([
        { drawn: '10', read: '10', confidence: 0.96 },
        { drawn: '081', read: '081', confidence: 0.95 },
        { drawn: 'R108', read, confidence },
      ]);
    const sure = lines('R108', 0.8);
    expect(wordsOf(withGlyphs(sure.picture, sure.text))[2]).toMatchObject({ text: 'R108', confidence: CONFIRMED });
    const unsure = lines('R108', 0.6);
    expect(wordsOf(withGlyphs(unsure.picture, unsure.text))[2]).toMatchObject({ text: 'R108', confidence: 0.6 });
    // A B where an R was printed: a letter that may be an 8, never taken on the word alone.
    const lookAlike = lines('B108', 0.8);
    expect(wordsOf(withGlyphs(lookAlike.picture, lookAlike.text))[2]).toMatchObject({ text: 'B108', confidence: 0.8 });
  });

  it('take boxes outside the picture, empty words and a blank picture without harm', () => {
    const blank: Bitmap = { width: 64, height: 32, data: new Uint8Array(8 * 32) };
    const text = laidOut([
      { words: [{ text: '123', confidence: 0.5, box: { x0: -40, y0: -10, x1: 10_000, y1: 10_000 } }], y: 0 },
      { words: [{ text: '9', confidence: 0.5, box: { x0: 70, y0: 40, x1: 90, y1: 50 } }], y: 40 },
    ]);
    expect(wordsOf(withGlyphs(blank, text)).map((w) => [w.text, w.confidence])).toEqual([
      ['123', 0.5],
      ['9', 0.5],
    ]);
  });
});

describe('a picture of any size', () => {
  it('is compared only so far: thousands of words of characters drawn once each are left as the engine read them', () => {
    // 6,000 characters, each its own random dots in the same 5 × 7 cell: every one is compared with every other
    // of its size unless the comparisons stop.
    const width = 576;
    const words = 600;
    const height = words * 10;
    const stride = width / 8;
    const data = new Uint8Array(stride * height);
    let seed = 7;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const read = Array.from({ length: words }, (_, i) => {
      const top = i * 10 + 1;
      for (let k = 0; k < 10; k++) {
        for (let y = 0; y < 7; y++) {
          for (let x = 0; x < 5; x++) {
            // Every column and the top and bottom rows inked, so each character is exactly 5 × 7.
            if (!(y === 0 || y === 6 || x === 2 || random() < 0.5)) continue;
            const px = 4 + k * 7 + x;
            data[(top + y) * stride + (px >> 3)]! |= 0x80 >> (px & 7);
          }
        }
      }
      return { words: [{ text: String(1_000_000_000 + i), confidence: 0.5, box: { x0: 4, y0: top, x1: 4 + 68, y1: top + 7 } }], y: top };
    });
    // Then words whose characters the picture draws again and again: confirmed on a receipt, here past the comparisons made.
    const repeated = printed(Array.from({ length: 4 }, () => ({ drawn: '10', read: '10', confidence: 0.4 })));
    const stridePart = repeated.picture.width / 8;
    const all = new Uint8Array(stride * (height + repeated.picture.height));
    all.set(data);
    for (let y = 0; y < repeated.picture.height; y++) all.set(repeated.picture.data.subarray(y * stridePart, (y + 1) * stridePart), (height + y) * stride);
    for (const line of repeated.text.lines) read.push({ words: line.words.map((w) => ({ ...w, box: { ...w.box!, y0: w.box!.y0 + height, y1: w.box!.y1 + height } })), y: line.y + height });
    const out = wordsOf(withGlyphs({ width, height: height + repeated.picture.height, data: all }, laidOut(read)));
    expect(out).toHaveLength(words + 4);
    expect(out.every((w, i) => w.text === (i < words ? String(1_000_000_000 + i) : '10') && w.confidence === (i < words ? 0.5 : 0.4))).toBe(true);
    expect(MAX_COMPARISONS).toBeLessThan(((words * 10) ** 2) / 10);
  });
});

describe('on receipts drawn in real fonts and read by tesseract.js', () => {
  const pool = new OcrPool();
  afterAll(() => pool.close());

  it.each(['mono', 'proportional'] as const)('%s: an amount whose digit the engine misread is read back from the dots of that digit elsewhere', async (font) => {
    const c = renderedCases(2718, 1).find((x) => x.dots === 576 && x.font === font)!;
    const picture = renderReceipt(c.spec, 576, font);
    const text = await pool.recognize(picture);
    const amounts = wordsOf(text).filter((w) => /^[\d,]+\.\d{2}$/.test(w.text));
    // As the engine reads the receipt: most amounts are confirmed by their digits' dots elsewhere on the paper.
    const confirmed = wordsOf(withGlyphs(picture, structuredClone(text))).filter((w) => /^[\d,]+\.\d{2}$/.test(w.text) && w.confidence >= CONFIRMED);
    expect(confirmed.length).toBeGreaterThanOrEqual(amounts.length / 2);
    // One of them misread: a digit changed to another digit, the engine unsure. The dots read it back.
    const target = confirmed.find((w) => /[0-8]/.test(w.text.slice(0, -3)))!;
    const misread = structuredClone(text);
    const victim = wordsOf(misread).find((w) => w.text === target.text && w.box!.y0 === target.box!.y0)!;
    const digit = /[0-8]/.exec(victim.text.slice(0, -3))!;
    const wrong = victim.text.slice(0, digit.index) + String(Number(digit[0]) + 1) + victim.text.slice(digit.index + 1);
    victim.text = wrong;
    victim.confidence = 0.4;
    const read = wordsOf(withGlyphs(picture, misread)).find((w) => w.box!.y0 === target.box!.y0 && w.box!.x0 === target.box!.x0)!;
    expect(read).toMatchObject({ text: target.text, confidence: CONFIRMED, alternatives: [{ text: wrong, confidence: 0.4 }] });
  });
});

describe('digits vouched for by amounts the arithmetic checked', () => {
  /** vouchedByAmounts with the amounts' digits cut out of the picture, as the reader cuts them once a picture. */
  const vouched = (picture: Bitmap, word: OcrWord, amounts: OcrWord[], only?: ReadonlySet<number>): boolean => vouchedByAmounts(picture, word, knownDigits(picture, amounts), only);
  /** `words` printed below the amounts 10.70 and 8.10 (read as printed, at 95 %), whose digits are the known drawings. */
  const belowTheAmounts = (words: Parameters<typeof printed>[0], scale = 1) => {
    const { picture, text } = printed([{ drawn: '10.70', read: '10.70', confidence: 0.95 }, { drawn: '8.10', read: '8.10', confidence: 0.95 }, ...words], scale);
    const [ten, eight, ...rest] = wordsOf(text);
    return { picture, ten: ten!, eight: eight!, words: rest, known: knownDigits(picture, [ten!, eight!]) };
  };

  it("a receipt number's digits drawn as the same digits of the amounts are vouched for; one drawn as another digit there is not", () => {
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      { drawn: 'R1078', read: 'R1078', confidence: 0.6 },
      // The engine read the 8's dots as 0 in the receipt number: the amounts' 8 is drawn otherwise.
      { drawn: 'R1078', read: 'R1070', confidence: 0.9 },
      { drawn: 'R1788', read: 'R1788', confidence: 0.7 },
    ]);
    const [ten, eight, right, misread, other] = wordsOf(text);
    const amounts = [ten!, eight!];
    expect(vouched(picture, right!, amounts)).toBe(true);
    expect(vouched(picture, misread!, amounts)).toBe(false);
    // Without the 8.10 there is no drawing of an 8 among the amounts: not vouched for.
    expect(vouched(picture, right!, [ten!])).toBe(false);
    // Every digit needs one: R1788's digits are all among the amounts' (1, 7, 8).
    expect(vouched(picture, other!, amounts)).toBe(true);
    // Asked of the characters other readings read otherwise only: R1078 without an 8 among the amounts is vouched
    // for at its 1 and 7, not at its 8.
    expect(vouched(picture, right!, [ten!], new Set([1, 3]))).toBe(true);
    expect(vouched(picture, right!, [ten!], new Set([4]))).toBe(false);
    // The misread 8 (read 0) asked of alone: drawn as the amounts' 8, not vouched for as a 0.
    expect(vouched(picture, misread!, amounts, new Set([4]))).toBe(false);
  });

  it('a digit drawn at another fraction of a dot than any amount\'s is vouched for when the nearest drawing is of the same digit, by far', () => {
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      // The 8 of the receipt number is drawn as no amount's 8 is (a proportional font places it at another fraction of a dot).
      { drawn: 'R107&', read: 'R1078', confidence: 0.6 },
      { drawn: 'R107&', read: 'R1070', confidence: 0.9 },
    ]);
    const [ten, eight, right, misread] = wordsOf(text);
    expect(vouched(picture, right!, [ten!, eight!])).toBe(true);
    // Nearest the amounts' 8, not their 0: not vouched for as a 0.
    expect(vouched(picture, misread!, [ten!, eight!], new Set([4]))).toBe(false);
    // Without a drawing of an 8 among the amounts its nearest is a 0, too far to say anything.
    expect(vouched(picture, right!, [ten!], new Set([4]))).toBe(false);
    expect(vouched(picture, misread!, [ten!], new Set([4]))).toBe(false);
  });

  it("a receipt number whose letters touch is vouched for by the digits it ends in, its last pieces", () => {
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.95 },
      // "IN" drawn touching (one piece), then R1078: six pieces for seven characters.
      { drawn: '=R1078', read: 'INR1078', confidence: 0.6 },
      { drawn: '=R1078', read: 'INR1070', confidence: 0.9 },
    ]);
    const [ten, eight, right, misread] = wordsOf(text);
    expect(vouched(picture, right!, [ten!, eight!])).toBe(true);
    expect(vouched(picture, misread!, [ten!, eight!], new Set([6]))).toBe(false);
  });

  it("a word among the known drawings is never vouched for by its own dots, read as it was or otherwise", () => {
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '8.10', read: '8.10', confidence: 0.5 },
    ]);
    const [ten, eight] = wordsOf(text);
    const known = knownDigits(picture, [ten!, eight!]);
    // Its 8 is the only 8 drawn: nothing but itself could say it is one.
    expect(vouchedByAmounts(picture, eight!, known)).toBe(false);
    expect(vouchedByAmounts(picture, eight!, known, new Set([0]), '8.10')).toBe(false);
    // Its 1 and 0 are the 10.70's.
    expect(vouchedByAmounts(picture, eight!, known, new Set([2, 3]), '8.10')).toBe(true);
  });

  it("a look-alike letter or a sign the engine could not place, drawn with the same dots as the amounts' digits, is that digit; a letter O's dots are not a 0's", () => {
    const { picture, known, words: [number, letter] } = belowTheAmounts([
      { drawn: 'R1070', read: 'R1O7O', confidence: 0.6 },
      { drawn: 'RO7', read: 'RO7', confidence: 0.6 },
    ]);
    expect(digitsByKnownDots(picture, number!, known, 'R1O7O')).toBe('R1070');
    expect(digitsByKnownDots(picture, number!, known, 'RI©70')).toBe('R1070');
    // B looks like an 8, and these dots are a 0's: left as read (a dispute for the readings to settle, not the dots).
    expect(digitsByKnownDots(picture, number!, known, 'R1B70')).toBe('R1B70');
    // Drawn as the letter O: no 0 of the amounts has its dots.
    expect(digitsByKnownDots(picture, letter!, known, 'RO7')).toBe('RO7');
    // Without the amounts, nothing is known: as read.
    expect(digitsByKnownDots(picture, number!, knownDigits(picture, []), 'R1O7O')).toBe('R1O7O');
    // A reading of another length than the word's pieces is left as it was.
    expect(digitsByKnownDots(picture, number!, known, 'R1O7O8')).toBe('R1O7O8');
  });

  it('a digit drawn as another digit of the amounts gainsays the word, however sure the engine was of it', () => {
    const { picture, ten, known, words: [right, misread, fraction] } = belowTheAmounts([
      { drawn: 'R1078', read: 'R1078', confidence: 0.93 },
      { drawn: 'R1078', read: 'R1070', confidence: 0.93 },
      { drawn: 'R107&', read: 'R1070', confidence: 0.93 },
    ]);
    expect(contradictedByAmounts(picture, right!, known)).toBe(false);
    expect(contradictedByAmounts(picture, misread!, known)).toBe(true);
    // Drawn at another fraction of a dot: nearest the amounts' 8 by far.
    expect(contradictedByAmounts(picture, fraction!, known)).toBe(true);
    // No 8 among the amounts: the last digit is unknown, nothing gainsays the reading.
    expect(contradictedByAmounts(picture, misread!, knownDigits(picture, [ten!]))).toBe(false);
  });

  it('a word whose every digit is drawn as a known digit is read by those drawings, where some digit is drawn as another than read', () => {
    const { picture, eight, known, words: [misread, fraction, right, touching] } = belowTheAmounts([
      { drawn: 'R1078', read: 'R1070', confidence: 0.6 },
      { drawn: 'R107&', read: 'R1070', confidence: 0.6 },
      { drawn: 'R1078', read: 'R1078', confidence: 0.6 },
      { drawn: 'R10=', read: 'R1078', confidence: 0.6 },
    ]);
    expect(toldByDots(picture, misread!, known)).toBe('R1078');
    // Drawn at another fraction of a dot: nearest the amounts' 8 by far.
    expect(toldByDots(picture, fraction!, known)).toBe('R1078');
    // Read as drawn: nothing to tell.
    expect(toldByDots(picture, right!, known)).toBeUndefined();
    // No 7 among the amounts: the dots cannot read every digit.
    expect(toldByDots(picture, misread!, knownDigits(picture, [eight!]))).toBeUndefined();
    // Ink that does not part into the word's characters.
    expect(toldByDots(picture, touching!, known)).toBeUndefined();
  });

  it('a digit whose edges are drawn a dot over (at another fraction of a dot) is the digit whose drawings it matches to a column, when every other digit lies 4 dots or more from it', () => {
    // Drawn at twice the font's size: 14 dots tall, as printer text is.
    const { picture, ten, known, words: [right, misread] } = belowTheAmounts(
      [
        { drawn: 'R1078', read: 'R1078', confidence: 0.6, shifted: [4] },
        { drawn: 'R1078', read: 'R1070', confidence: 0.6, shifted: [4] },
      ],
      2,
    );
    expect(vouchedByAmounts(picture, right!, known)).toBe(true);
    expect(contradictedByAmounts(picture, misread!, known)).toBe(true);
    expect(toldByDots(picture, misread!, known)).toBe('R1078');
    // No 8 among the amounts: the shifted 8 matches no digit to a column (a 0 lies 4 dots or more from it).
    expect(toldByDots(picture, misread!, knownDigits(picture, [ten!]))).toBeUndefined();
  });

  it('a word whose letters touch between its digits ("09-May-2025") is gainsaid by none of them: its pieces cannot be placed', () => {
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      // Two letters in one piece between "10" and "10": five pieces for six characters.
      { drawn: '10=10', read: '10AB10', confidence: 0.93 },
    ]);
    const [ten, date] = wordsOf(text);
    const known = knownDigits(picture, [ten!]);
    expect(contradictedByAmounts(picture, date!, known)).toBe(false);
    // Its last digits, its last pieces, are still vouched for; the first ones are not placed.
    expect(vouchedByAmounts(picture, date!, known, new Set([4, 5]))).toBe(true);
    expect(vouchedByAmounts(picture, date!, known, new Set([1]))).toBe(false);
  });

  it("a word is drawn as read when every digit is vouched for, and each digit a letter looks like by the same dots", () => {
    const { picture, known, words: [same, fraction, letter] } = belowTheAmounts([
      { drawn: 'R1078', read: 'R1078', confidence: 0.6 },
      // An 8 drawn at another fraction of a dot: nearest the amounts' 8, not the same dots (a B looks like an 8).
      { drawn: 'R107&', read: 'R1078', confidence: 0.6 },
      // A letter O, read as a 0: a 0's nearest drawing, not its dots.
      { drawn: 'R1O7', read: 'R107', confidence: 0.6 },
    ]);
    expect(drawnAsRead(picture, same!, known)).toBe(true);
    expect([vouchedByAmounts(picture, fraction!, known), drawnAsRead(picture, fraction!, known)]).toEqual([true, false]);
    expect([vouchedByAmounts(picture, letter!, known), drawnAsRead(picture, letter!, known)]).toEqual([true, false]);
  });

  it('a word whose ink does not part into its characters, or that holds no digit, is not vouched for', () => {
    const { picture, text } = printed([
      { drawn: '10.70', read: '10.70', confidence: 0.95 },
      { drawn: '1=', read: '107', confidence: 0.6 },
      { drawn: 'R', read: 'R', confidence: 0.6 },
    ]);
    const [amount, touching, letter] = wordsOf(text);
    expect(vouched(picture, touching!, [amount!])).toBe(false);
    expect(vouched(picture, letter!, [amount!])).toBe(false);
  });
});
