// Words read from a picture laid out as receipt lines: columns kept by the gaps between words, an amount parted at its thousands comma made one again.
import { describe, expect, it } from 'vitest';
import { laidOut, type OcrWord } from '../../main/ocr/text.js';

/** A word 10 dots a character wide, starting at x0. */
const word = (text: string, x0: number, confidence = 0.9): OcrWord => ({ text, confidence, box: { x0, y0: 10, x1: x0 + 10 * text.length, y1: 26 } });

describe('laid out lines', () => {
  it('keep the columns of the words by the gaps between them', () => {
    const text = laidOut([{ y: 10, words: [word('TOTAL', 0), word('5,375.00', 200)] }]);
    expect(text.lines[0]!.text).toBe(`TOTAL${' '.repeat(15)}5,375.00`);
  });

  it('make one word of an amount the engine parted after its thousands comma, as sure as the less sure part', () => {
    // "TOTAL N4, 088.00": read apart, the total would be 88.00.
    const text = laidOut([{ y: 10, words: [word('TOTAL', 0), word('N4,', 200, 0.95), word('088.00', 234, 0.7)] }]);
    expect(text.lines[0]!.text).toBe(`TOTAL${' '.repeat(15)}N4,088.00`);
    expect(text.lines[0]!.words).toEqual([expect.objectContaining({ text: 'TOTAL' }), { text: 'N4,088.00', confidence: 0.7, box: { x0: 200, y0: 10, x1: 294, y1: 26 } }]);
    expect(text.confidence).toBeCloseTo(0.8);
    // Parted by a character's width or a little more ("N6, 023.00"): still one amount.
    const wider = laidOut([{ y: 10, words: [word('TOTAL', 0), word('N6,', 200), word('023.00', 243)] }]);
    expect(wider.lines[0]!.words.map((w) => w.text)).toEqual(['TOTAL', 'N6,023.00']);
  });

  it('leave apart two amounts a column apart, and words that are no amount', () => {
    const columns = laidOut([{ y: 10, words: [word('2,', 0), word('100.00', 60)] }]);
    expect(columns.lines[0]!.words.map((w) => w.text)).toEqual(['2,', '100.00']);
    const list = laidOut([{ y: 10, words: [word('Eggs,', 0), word('100.00', 54)] }]);
    expect(list.lines[0]!.words.map((w) => w.text)).toEqual(['Eggs,', '100.00']);
  });
});
