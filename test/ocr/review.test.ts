// Never a wrong `ok` from a picture: look-alike letters in amounts settled by the arithmetic, unsure words held for review.
import { describe, expect, it } from 'vitest';
import { amountReading, parseReadReceipt, type OcrEvidence } from '../../main/receipts/index.js';
import { pictureLineReading } from '../../main/receipts/ocr.js';
import { receiptLines } from '../store/receipt.js';
import { contextFor, receiptOf } from '../receipts/decoded.js';

/** Every line of the receipt as if read from a picture, each word with the given confidence (or `sure` for all). */
function readAs(lines: string[], confidence: (word: string, line: string) => number = () => 0.95) {
  const receipt = receiptOf(lines);
  const ocr: OcrEvidence = {
    engine: 'tesseract',
    confidence: 0.93,
    lines: lines.map((text, line) => ({ line, confidence: 0.93, words: text.split(/\s+/).filter(Boolean).map((w) => ({ text: w, confidence: confidence(w, text) })) })),
  };
  return parseReadReceipt(receipt, contextFor(receipt), ocr);
}

const swap = (lines: string[], from: string, to: string): string[] => lines.map((l) => (l.includes(from) ? l.replace(from, to) : l));

describe('amounts read with look-alike letters', () => {
  it('reads O, l, S and B for digits only inside an amount that already has digits', () => {
    expect(amountReading('TOTAL                 5,375.0O')).toBe('TOTAL                 5,375.00');
    expect(amountReading('VAT 7.5%                37S.00')).toBe('VAT 7.5%                375.00');
    expect(amountReading('CASH                  6,OOO.OO')).toBe('CASH                  6,000.00');
    expect(amountReading('CHANGE                  l25.00')).toBe('CHANGE                  125.00');
    expect(amountReading('TOTAL NGN 1,2B0.00')).toBe('TOTAL NGN 1,280.00');
    expect(amountReading('DISCOUNT  -1.000.00')).toBe('DISCOUNT  -1,000.00');
    // No digit to begin with, or not an amount's shape: left as printed, a digit is never made up.
    expect(amountReading('TOTAL SOO.OO')).toBe('TOTAL SOO.OO');
    expect(amountReading('Receipt No: R0O123')).toBe('Receipt No: R0O123');
    expect(amountReading('Milo 5OOg')).toBe('Milo 5OOg');
  });

  it('gives a card line its mask back, and a time its colon, so the last four and the time are found', () => {
    expect(pictureLineReading('  Card:  "rrr  mews  weer  1993')).toBe('  Card:  **** **** **** 1993');
    expect(pictureLineReading('  Card:  ****  #*%«  »»4% 4997')).toBe('  Card:  **** **** **** 4997');
    expect(pictureLineReading('card: =v x rrr wrvv 1688')).toBe('card: **** **** **** 1688');
    // Each group parted again: seven groups before the last four.
    expect(pictureLineReading('  Card:  * ok kk  xk kk  kk kk 7334')).toBe('  Card:  **** **** **** 7334');
    expect(pictureLineReading('Date: 2026-08-02 08.06')).toBe('Date: 2026-08-02 08:06');
    expect(pictureLineReading('SUBTOTAL 08.06')).toBe('SUBTOTAL 08.06');
    // A full card number misread (its checksum fails) is still masked: it never reaches the store.
    expect(pictureLineReading('  Card: 4111 1111 1111 1112')).toBe('  Card: **** **** **** 1112');
  });

  it("gives an item's amount read without its point its point back, only when quantity × price makes it", () => {
    // Its tax marker run into it ("109750E") is parted from it; a digit is never changed.
    expect(pictureLineReading('   5x 219.50                    109750E')).toBe('   5x 219.50                    1097.50 E');
    expect(pictureLineReading('   5 x 219.50                    109750')).toBe('   5 x 219.50                    1097.50');
    expect(pictureLineReading('   5x 219.50                    109850E')).toBe('   5x 219.50                    109850E');
    // Its marker read apart from it, as printed.
    expect(pictureLineReading('4x 110.34   44136 E')).toBe('4x 110.34   441.36 E');
    // A fuel line: litres × price rounded to the kobo makes the amount read without its comma and point.
    expect(pictureLineReading('   36.609 L x 807.00                                2954346 E')).toBe('   36.609 L x 807.00                                29543.46 E');
    expect(pictureLineReading('   36.609 L x 807.00                                2954347 E')).toBe('   36.609 L x 807.00                                2954347 E');
    expect(pictureLineReading('  12.5 L x 61725        7,715.63')).toBe('  12.5 L x 617.25        7,715.63');
  });

  it('a receipt whose look-alike amounts add up once read as digits is ok, with the digits', () => {
    const lines = swap(swap(receiptLines(), 'TOTAL                 5,375.00', 'TOTAL                 5,375.0O'), 'VAT 7.5%                375.00', 'VAT 7.5%                37S.00');
    const result = readAs(lines);
    expect(result.problems).toEqual([]);
    expect(result.status).toBe('ok');
    expect(result.transaction!.totals).toMatchObject({ total: '5375.00', tax: '375.00', subtotal: '5000.00' });
    expect(result.transaction!.source.ocr).toEqual({ engine: 'tesseract', mean_confidence: '0.93' });
  });

  it('a look-alike that makes the arithmetic fail sends the receipt to review', () => {
    const result = readAs(swap(receiptLines(), 'TOTAL                 5,375.00', 'TOTAL                 5,3B5.00'));
    expect(result.status).toBe('review');
    // Read as 5,385.00 the total does not add up; read as printed there is no total: either way a person looks.
    expect(result.problems.map((p) => p.field)).toContain('totals.total');
  });

  it('a corrupted digit in the total, read with confidence, goes to review: the arithmetic catches it', () => {
    const result = readAs(swap(receiptLines(), 'TOTAL                 5,375.00', 'TOTAL                 5,875.00'));
    expect(result.status).toBe('review');
    expect(result.problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'total_mismatch', field: 'totals.total' })]));
  });
});

describe('fields read from unsure words', () => {
  it('a total read with low confidence goes to review, naming the field and the word, though it adds up, when the sums do not determine it', () => {
    // Alone unsure, the total is the sure subtotal and VAT added: the sums determine it.
    const determined = readAs(receiptLines(), (w, line) => (line.startsWith('TOTAL') && w === '5,375.00' ? 0.41 : 0.95));
    expect(determined.problems).toEqual([]);
    // So is the VAT alone unsure (its field and the VAT line's amount): the sure total less the sure subtotal.
    expect(readAs(receiptLines(), (w, line) => (line.startsWith('VAT') && w === '375.00' ? 0.22 : 0.95)).problems).toEqual([]);
    // The VAT read unsure too: two unknowns, nothing determines either.
    const result = readAs(receiptLines(), (w, line) => ((line.startsWith('TOTAL') && w === '5,375.00') || (line.startsWith('VAT') && w === '375.00') ? 0.41 : 0.95));
    expect(result.status).toBe('review');
    expect(result.problems).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'ocr_low_confidence', field: 'totals.total', message: expect.stringContaining('41 %') })]));
    expect(result.problems.every((p) => p.code === 'ocr_low_confidence')).toBe(true);
  });

  it('a total read unsure where the same amount is read surely on a line the sums tie it to is as sure as that line; not when the sums fail', () => {
    // Paid by card: the total's 5,375.00 is printed again on the CARD line, read surely.
    const lines = swap(receiptLines(), 'CASH                  6,000.00', 'CARD                  5,375.00').filter((l) => !l.startsWith('CHANGE'));
    const result = readAs(lines, (w, line) => (line.startsWith('TOTAL') && w === '5,375.00' ? 0.02 : 0.95));
    expect(result.problems).toEqual([]);
    expect(result.transaction!.totals.total).toBe('5375.00');
    // The VAT misread: the sums fail, and the unsure total is held as read.
    const failing = readAs(swap(lines, 'VAT 7.5%                375.00', 'VAT 7.5%                875.00'), (w, line) => (line.startsWith('TOTAL') && w === '5,375.00' ? 0.02 : 0.95));
    expect(failing.problems.map((p) => p.field)).toContain('totals.total');
    expect(failing.problems.find((p) => p.code === 'ocr_low_confidence' && p.field === 'totals.total')).toBeDefined();
  });

  it('a receipt number, a date or a card\'s last four read with low confidence goes to review', () => {
    const lines = [...receiptLines().slice(0, -1), 'Card: **** **** **** 4242', 'Thank you'];
    const cases: Array<[string, string]> = [
      ['000123', 'receipt_number'],
      ['26/11/2026', 'issued_at'],
      ['4242', 'payments[0].card_last4'],
    ];
    for (const [word, field] of cases) {
      const result = readAs(swap(lines, 'CASH                  6,000.00', 'CARD                  5,375.00').filter((l) => !l.startsWith('CHANGE')), (w) => (w === word ? 0.5 : 0.95));
      expect(result.status, field).toBe('review');
      expect(result.problems.map((p) => p.field), field).toEqual([field]);
    }
  });

  it('a time of day read with low confidence goes to review as the date does: 18:05 read for 19:05 is a wrong issued_at', () => {
    const result = readAs(receiptLines(), (w) => (w === '14:05' ? 0.68 : 0.95));
    expect(result.status).toBe('review');
    expect(result.problems.map((p) => [p.field, p.message.includes('time (14:05)')])).toEqual([['issued_at', true]]);
    // A time written with a point after the date ("14.05") is the same word.
    const pointed = readAs(swap(receiptLines(), '26/11/2026 14:05', '26/11/2026 14.05'), (w) => (w === '14.05' ? 0.5 : 0.95));
    expect(pointed.problems.map((p) => p.field)).toEqual(['issued_at']);
    expect(pointed.transaction!.issued_at).toMatch(/T14:05:00/);
    // An amount elsewhere with the same digits is not the time.
    expect(readAs([...receiptLines().slice(0, -1), 'Points 14.05', 'Thank you'], (w) => (w === '14.05' ? 0.5 : 0.95)).status).toBe('ok');
  });

  it('an identifier read at 87 % goes to review (R952107 was read as R852107 at 87 %); at 90 % it is trusted', () => {
    expect(readAs(receiptLines(), (w) => (w === '000123' ? 0.87 : 0.95)).problems.map((p) => p.field)).toEqual(['receipt_number']);
    expect(readAs(receiptLines(), (w) => (w === '000123' ? 0.9 : 0.95)).status).toBe('ok');
  });

  it("a month's name with a digit read for a letter is read as the month, only between a day and a year", () => {
    expect(pictureLineReading('Date:  15-0ct-2025 22:11')).toBe('Date:  15-Oct-2025 22:11');
    expect(pictureLineReading('03 N0v 2026')).toBe('03 NOv 2026');
    expect(pictureLineReading('12 5ep 2026 10:00')).toBe('12 Sep 2026 10:00');
    expect(pictureLineReading('Date: 01-Ju1-26')).toBe('Date: 01-Jul-26');
    // Not a month once read as letters, or not between a day and a year: as read.
    expect(pictureLineReading('Item 1 50c 2025')).toBe('Item 1 50c 2025');
    expect(pictureLineReading('Oct 0ct 2025')).toBe('Oct 0ct 2025');
    const result = readAs(swap(receiptLines(), 'Date: 26/11/2026 14:05', 'Date: 26-N0v-2026 14:05'));
    expect(result.status).toBe('ok');
    expect(result.transaction!.issued_at).toMatch(/^2026-11-26T14:05/);
  });

  it("an item's name holding a word whose letters have the dots of digits elsewhere takes them when they make a size, and goes to review naming the item when not", () => {
    const lines = receiptLines({ item: 'Sanitizer Seeml' });
    const receipt = receiptOf(lines);
    const evidence = (digits?: string): OcrEvidence => ({
      engine: 'tesseract',
      confidence: 0.93,
      lines: lines.map((text, line) => ({ line, confidence: 0.93, words: text.split(/\s+/).filter(Boolean).map((w) => ({ text: w, confidence: 0.95, ...(digits && w === 'Seeml' ? { digitsInDots: digits } : {}) })) })),
    });
    // S and e drawn as the 5 and 0s of the amounts: printed 500ml.
    const sized = parseReadReceipt(receipt, contextFor(receipt), evidence('500ml'));
    expect(sized.status).toBe('ok');
    expect(sized.transaction!.lines[0]!.description).toBe('Sanitizer 500ml');
    // Only the S drawn as a 5: "50eml" is no size, and the name was misread.
    const held = parseReadReceipt(receipt, contextFor(receipt), evidence('50eml'));
    expect(held.status).toBe('review');
    expect(held.problems.map((p) => [p.code, p.message.includes('Sanitizer Seeml')])).toEqual([['ocr_item_unread', true]]);
    const plain = parseReadReceipt(receipt, contextFor(receipt), evidence());
    expect(plain.status).toBe('ok');
    expect(plain.transaction!.lines[0]!.description).toBe('Sanitizer Seeml');
  });

  it("an unsure size read with a sign for a digit (\"5@cl\") takes the digit its dots are elsewhere; without them it goes to review", () => {
    const lines = receiptLines({ item: 'Coke 5@cl' });
    const receipt = receiptOf(lines);
    const evidence = (digits?: string): OcrEvidence => ({
      engine: 'tesseract',
      confidence: 0.93,
      lines: lines.map((text, line) => ({ line, confidence: 0.93, words: text.split(/\s+/).filter(Boolean).map((w) => (w === '5@cl' ? { text: w, confidence: 0.42, ...(digits ? { digitsInDots: digits } : {}) } : { text: w, confidence: 0.95 })) })),
    });
    const sized = parseReadReceipt(receipt, contextFor(receipt), evidence('50cl'));
    expect(sized.status).toBe('ok');
    expect(sized.transaction!.lines[0]!.description).toBe('Coke 50cl');
    expect(parseReadReceipt(receipt, contextFor(receipt), evidence()).problems.map((p) => p.code)).toEqual(['ocr_item_unread']);
  });

  it('a receipt held only by an unsure amount names its word to read again, beside the identifiers; one whose arithmetic fails does not', () => {
    const lines = receiptLines();
    const words = (result: ReturnType<typeof readAs>) => (result.identifierWords ?? []).map((at) => lines[at.line]!.split(/\s+/).filter(Boolean)[at.word]);
    const unsureTotal = readAs(lines, (w, line) => ((line.startsWith('TOTAL') && w === '5,375.00') || (line.startsWith('VAT') && w === '375.00') ? 0.4 : 0.95));
    expect(unsureTotal.problems.map((p) => p.field)).toEqual(['totals.tax', 'totals.total', 'taxes[0].amount', 'payments[0].amount']);
    expect(words(unsureTotal)).toEqual(['000123', '26/11/2026', '14:05', '375.00', '5,375.00']);
    // Sure amounts are not read again.
    expect(words(readAs(lines))).toEqual(['000123', '26/11/2026', '14:05']);
    // The total read 5,385.00 at 40 %: the arithmetic fails, and reading it again would not mend it.
    const wrong = readAs(swap(lines, 'TOTAL                 5,375.00', 'TOTAL                 5,385.00'), (w) => (w === '5,385.00' ? 0.4 : 0.95));
    expect(words(wrong)).not.toContain('5,385.00');
  });

  it('the amounts whose digits are known (drawings to tell identifiers\' digits by) hold the unit prices that make their items\' amounts', () => {
    const lines = swap(receiptLines(), `2 ${'Chicken'.padEnd(20)}3,000.00`, 'Chicken      2   1,500.00   3,000.00');
    const result = readAs(lines);
    expect(result.status).toBe('ok');
    const words = (result.amountWords ?? []).map((at) => lines[at.line]!.split(/\s+/).filter(Boolean)[at.word]);
    expect(words).toEqual(expect.arrayContaining(['2,000.00', '1,500.00', '3,000.00', '5,000.00', '375.00', '5,375.00']));
    // Without the price's check it is no known drawing.
    const plain = readAs(receiptLines());
    expect((plain.amountWords ?? []).length).toBe(words.length - 1);
  });

  it("a card number printed in one piece and read unsure is named in the review message by its last four only", () => {
    const lines = [...swap(receiptLines(), 'CASH                  6,000.00', 'CARD                  5,375.00').filter((l) => !l.startsWith('CHANGE')).slice(0, -1), 'Card: 4111111111111111', 'Thank you'];
    const result = readAs(lines, (w) => (w === '4111111111111111' ? 0.5 : 0.95));
    expect(result.problems.map((p) => p.field)).toEqual(['payments[0].card_last4']);
    expect(JSON.stringify(result)).not.toContain('4111111111111111');
    expect(result.problems[0]!.message).toContain('**** **** **** 1111');
  });

  it("a card's last four read at 80 % goes to review: nothing on the receipt checks them", () => {
    const lines = [...swap(receiptLines(), 'CASH                  6,000.00', 'CARD                  5,375.00').filter((l) => !l.startsWith('CHANGE')).slice(0, -1), 'Card: Trrr rer wrrx 4242', 'Thank you'];
    const result = readAs(lines, (w) => (w === '4242' ? 0.8 : 0.95));
    expect(result.status).toBe('review');
    expect(result.problems.map((p) => p.field)).toEqual(['payments[0].card_last4']);
    expect(readAs(lines).status).toBe('ok');
  });

  it('a receipt number with a letter that may be a digit beside its digits goes to review, however sure the engine was', () => {
    const result = readAs(swap(receiptLines(), '000123', 'RO00123'));
    expect(result.status).toBe('review');
    expect(result.problems).toEqual([expect.objectContaining({ code: 'ocr_low_confidence', field: 'receipt_number', message: expect.stringContaining('RO00123') })]);
    expect(readAs(swap(receiptLines(), '000123', 'R000123')).status).toBe('ok');
  });

  it('a card payment whose printed card number could not be read goes to review', () => {
    const lines = [...swap(receiptLines(), 'CASH                  6,000.00', 'CARD                  5,375.00').filter((l) => !l.startsWith('CHANGE')).slice(0, -1), 'Card: **#**% *x%x sxix glg3', 'Thank you'];
    const result = readAs(lines);
    expect(result.status).toBe('review');
    expect(result.problems.map((p) => p.code)).toEqual(['ocr_card_unread']);
  });

  it('a card line read without its colon or digits goes to review: its last four were printed but not read', () => {
    const card = swap(receiptLines(), 'CASH                  6,000.00', 'CARD                  5,375.00').filter((l) => !l.startsWith('CHANGE')).slice(0, -1);
    const result = readAs([...card, '  card        "', 'Thank you']);
    expect(result.status).toBe('review');
    expect(result.problems.map((p) => p.code)).toEqual(['ocr_card_unread']);
    // The payment line alone (no card number printed) is not such a line.
    expect(readAs([...card, 'Thank you']).status).toBe('ok');
  });

  it('an item whose "qty x price" words were lost in the reading goes to review, not out as one of the item', () => {
    const lines = [
      'MAMA PUT KITCHEN LTD',
      'Receipt No: 000124',
      'Date: 26/11/2026 14:05',
      'Peak Milk 400g',
      '  2 x 339.00                  678.00',
      'Milo 500g',
      '                              522.00',
      'SUBTOTAL                    1,200.00',
      'VAT 7.5%                       90.00',
      'TOTAL                       1,290.00',
      'CASH                        1,290.00',
    ];
    const result = readAs(lines);
    expect(result.status).toBe('review');
    expect(result.problems.map((p) => p.code)).toContain('ocr_item_unread');
    expect(readAs(lines.map((l) => (l.trim() === '522.00' ? '  6 x 87.00                   522.00' : l))).problems.map((p) => p.code)).not.toContain('ocr_item_unread');
  });

  it("a unit price whose decimal point was not read gets it back only when quantity × price then makes the amount", () => {
    expect(pictureLineReading('  4x42572                   1,702.88')).toBe('  4x425.72                   1,702.88');
    expect(pictureLineReading('  2 x 33900  678.00')).toBe('  2 x 339.00  678.00');
    // A price printed without kobo, and a misread digit (4 × 425.73 is not 1,702.88): left as read, never a digit made up.
    expect(pictureLineReading('  2 x 500                   1,000.00')).toBe('  2 x 500                   1,000.00');
    expect(pictureLineReading('  4x42573                   1,702.88')).toBe('  4x42573                   1,702.88');
    const lines = [
      'MAMA PUT KITCHEN LTD',
      'Receipt No: 000125',
      'Date: 26/11/2026 14:05',
      'Pounded Yam & Egusi',
      '  4 x 425.72                1,702.88',
      'SUBTOTAL                    1,702.88',
      'VAT 7.5%                      127.72',
      'TOTAL                       1,830.60',
      'CASH                        1,830.60',
    ];
    const lost = readAs(lines.map((l) => l.replace('4 x 425.72', '4x42572')));
    expect(lost.problems).toEqual([]);
    expect(lost.status).toBe('ok');
    expect(lost.transaction!.lines[0]).toMatchObject({ quantity: '4', unit_price: '425.72', amount: '1702.88' });
    const misread = readAs(lines.map((l) => l.replace('4 x 425.72', '4x42573')));
    expect(misread.status).toBe('review');
  });

  it('a columns item whose quantity was misread (so it no longer makes the amount) goes to review', () => {
    const lines = ['MAMA PUT KITCHEN LTD', 'Receipt No: 000125', 'Date: 26/11/2026 14:05', 'ITEM            QTY    PRICE    AMOUNT', 'Coke 50cl         8    87.00    522.00', 'SUBTOTAL                        522.00', 'TOTAL                           522.00', 'CASH                            522.00'];
    const result = readAs(lines);
    expect(result.status).toBe('review');
    expect(result.problems.map((p) => p.code)).toContain('ocr_item_unread');
    const one = readAs(lines.map((l) => l.replace('Coke 50cl         8    87.00    522.00', 'Coke 50cl         1   522.00    522.00')));
    expect(one.problems.map((p) => p.code)).not.toContain('ocr_item_unread');
  });

  it('a columns item whose quantity was read as a letter goes to review, not out as one of the item at its amount', () => {
    const lines = ['MAMA PUT KITCHEN LTD', 'Receipt No: 000126', 'Date: 26/11/2026 14:05', 'ITEM            QTY    PRICE    AMOUNT', 'Jollof Rice       a    87.00    348.00', 'SUBTOTAL                        348.00', 'VAT 7.5%                         26.10', 'TOTAL                           374.10', 'CASH                            374.10'];
    const result = readAs(lines);
    expect(result.status).toBe('review');
    expect(result.problems.map((p) => p.code)).toEqual(['ocr_item_unread']);
    expect(readAs(lines.map((l) => l.replace('Jollof Rice       a', 'Jollof Rice       4'))).status).toBe('ok');
  });

  it('an item whose name ends in a number ("Tecno Spark 20") is not taken for a misread quantity and price', () => {
    const lines = ['SLOT IKEJA', 'Receipt No: 000127', 'Date: 26/11/2026 14:05', '1 Tecno Spark 20          8,820.00', '2 Coke 50cl                  206.00', 'SUBTOTAL                  9,026.00', 'VAT 7.5%                    676.95', 'TOTAL                     9,702.95', 'CASH                      9,702.95'];
    const result = readAs(lines);
    expect(result.problems).toEqual([]);
    expect(result.transaction!.lines.map((l) => [l.description, l.quantity, l.amount])).toEqual([
      ['Tecno Spark 20', '1', '8820.00'],
      ['Coke 50cl', '2', '206.00'],
    ]);
  });

  it('the same receipt read with sure words is ok', () => {
    const result = readAs(receiptLines());
    expect(result.status).toBe('ok');
    expect(result.transaction!.receipt_number).toBe('000123');
  });

  it("an item's name holding an unsure word with digits shaped like no quantity or size goes to review; an unsure size does not", () => {
    // "Coke 50cl" read "coke so6cl" at 33 %: a misread size, and nothing checks a name.
    const misread = readAs(receiptLines({ item: 'coke so6cl' }), (w) => (w === 'so6cl' ? 0.33 : 0.95));
    expect(misread.status).toBe('review');
    expect(misread.problems).toContainEqual(expect.objectContaining({ code: 'ocr_item_unread', field: 'lines', message: expect.stringContaining('"so6cl", read from the picture with 33 % confidence') }));
    // "75cl" read at 26 % is the shape of a size: names are not checked, the receipt's fields are all sure.
    expect(readAs(receiptLines({ item: 'Eva Water 75cl' }), (w) => (w === '75cl' ? 0.26 : 0.95)).status).toBe('ok');
    // The same word read sure is a name like any other.
    expect(readAs(receiptLines({ item: 'coke so6cl' })).status).toBe('ok');
  });

  it('print on the picture that no read word covers sends the receipt to review, saying where', () => {
    const lines = receiptLines();
    const receipt = receiptOf(lines);
    const ocr: OcrEvidence = {
      engine: 'tesseract',
      confidence: 0.95,
      lines: lines.map((text, line) => ({ line, confidence: 0.95, words: text.split(/\s+/).filter(Boolean).map((w) => ({ text: w, confidence: 0.95 })) })),
      unread: [{ y0: 412.4 }, { y0: 388 }],
    };
    const result = parseReadReceipt(receipt, contextFor(receipt), ocr);
    expect(result.status).toBe('review');
    expect(result.problems).toEqual([{ code: 'ocr_print_unread', field: 'lines', message: '2 stretches of print on the picture of the receipt (the first 388 dots from its top) could not be read: a line may be missing. Check the receipt against the paper.' }]);
    expect(parseReadReceipt(receipt, contextFor(receipt), { ...ocr, unread: [] }).status).toBe('ok');
  });
});

describe('amounts read again on their own', () => {
  /** The receipt as read, with `alternatives` for the words (by text) that were read otherwise alone. */
  function readWith(lines: string[], alternatives: Record<string, { text: string; confidence: number }>, unsure: Record<string, number> = {}) {
    const receipt = receiptOf(lines);
    const ocr: OcrEvidence = {
      engine: 'tesseract',
      confidence: 0.9,
      lines: lines.map((text, line) => ({
        line,
        confidence: 0.9,
        words: text.split(/\s+/).filter(Boolean).map((w) => ({ text: w, confidence: unsure[w] ?? 0.95, ...(alternatives[w] ? { alternatives: [alternatives[w]] } : {}) })),
      })),
    };
    return parseReadReceipt(receipt, contextFor(receipt), ocr);
  }

  it('an item amount misread on its line but read right alone is taken when the arithmetic then holds', () => {
    const lines = swap(receiptLines(), '3,000.00', '3,080.00');
    expect(readWith(lines, {}, { '3,080.00': 0.7 }).status).toBe('review');
    const result = readWith(lines, { '3,080.00': { text: '3,000.00', confidence: 0.93 } }, { '3,080.00': 0.7 });
    expect(result.problems).toEqual([]);
    expect(result.status).toBe('ok');
    expect(result.transaction!.lines.map((l) => l.amount)).toEqual(['2000.00', '3000.00']);
  });

  it("a fuel line whose price read alone makes quantity × price its amount is an item; as first read it was none", () => {
    const lines = ['CONOIL AJAH', 'Receipt No: 490454  Date: 09/02/2026 13:49', 'AGO (Diesel)', '  79.180 L x 957.60             75,775.26 E', 'SUBTOTAL                           75,775.26', 'TOTAL  NGN                75,775.26', 'CARD                               75,775.26', '  Card:  ****  **** **** 7334', 'E = VAT exempt'];
    expect(readWith(lines, {}).problems.map((p) => p.code)).toContain('item_unread');
    const result = readWith(lines, { '957.60': { text: '957.00', confidence: 0.93 } });
    expect(result.problems).toEqual([]);
    expect(result.transaction!.lines.map((l) => [l.quantity, l.unit_price, l.amount])).toEqual([['79.18', '957.00', '75775.26']]);
  });

  it("a columns line whose price read alone makes quantity × price its amount takes it; as first read the item was held", () => {
    const lines = ['CAFE NEO VI', 'Bill No: R882968   Date: 28-10-2025 15:49', 'ITEM                  QTY      PRICE      AMOUNT', 'Chicken Suya            4     113.81      455.64', 'Jollof Rice             3      11.78       35.34', 'SUBTOTAL                                  490.98', 'VAT 7.5%                                   36.82', 'TOTAL                                     527.80', 'CASH                                      527.80'];
    expect(readWith(lines, {}).problems.map((p) => p.code)).toEqual(['ocr_item_unread']);
    const result = readWith(lines, { '113.81': { text: '113.91', confidence: 0.9 } });
    expect(result.problems).toEqual([]);
    expect(result.transaction!.lines.map((l) => [l.description, l.quantity, l.unit_price, l.amount])).toEqual([['Chicken Suya', '4', '113.91', '455.64'], ['Jollof Rice', '3', '11.78', '35.34']]);
  });

  it("a summary line's amount read without its point gets it back when the sums then hold; a receipt number never does", () => {
    const lines = ['CAFE NEO VI', 'Bill No: 615396   Date: 28-10-2025 15:49', 'ITEM                  QTY      PRICE      AMOUNT', 'Chicken Suya            4     113.91      455.64', 'Jollof Rice             3      11.78       35.34', 'SUBTOTAL                                  490.98', 'VAT 7.5%                                   3682', 'TOTAL                                     527.80', 'CASH                                      527.80'];
    const result = readWith(lines, {});
    expect(result.problems).toEqual([]);
    expect([result.transaction!.totals.tax, result.transaction!.receipt_number]).toEqual(['36.82', '615396']);
    // Pointed, 36.83 would not make the total: left as read, and held.
    expect(readWith(lines.map((l) => l.replace('3682', '3683')), {}).status).toBe('review');
  });

  it("an identifier its glyphs read otherwise is as sure as their reading: the engine's own reading kept beside it is not what the field was read from", () => {
    // "©7:35" read back as 07:35 by the dots of the receipt's other 0s (90 %), the engine's reading kept as an alternative.
    const lines = receiptLines().map((l) => l.replace('14:05', '07:35'));
    const result = readWith(lines, { '07:35': { text: '©7:35', confidence: 0.6 } }, { '07:35': 0.9 });
    expect(result.problems).toEqual([]);
    expect(result.transaction!.issued_at).toMatch(/T07:35/);
    // Read from the alternative (the word itself is not the time), its confidence is the field's: held.
    const taken = readWith(receiptLines().map((l) => l.replace('14:05', '14:O5x')), { '14:O5x': { text: '14:05', confidence: 0.6 } }, { '14:O5x': 0.95 });
    expect(taken.problems.map((p) => p.field)).toContain('issued_at');
  });

  it('an alternative that does not make the arithmetic hold is not taken, and one read unsure holds the receipt for review', () => {
    const lines = swap(receiptLines(), '3,000.00', '3,080.00');
    expect(readWith(lines, { '3,080.00': { text: '3,060.00', confidence: 0.93 } }, { '3,080.00': 0.7 }).status).toBe('review');
    // Read right alone, but the engine was unsure of that too: the subtotal the alternative makes hold is not trusted blindly.
    // (With the VAT unsure too: alone, the sure total less the sure VAT would determine it.)
    const unsure = readWith(swap(receiptLines(), 'SUBTOTAL              5,000.00', 'SUBTOTAL              5,080.00'), { '5,080.00': { text: '5,000.00', confidence: 0.4 } }, { '5,080.00': 0.5, '375.00': 0.5 });
    expect(unsure.status).toBe('review');
    expect(unsure.problems.map((p) => p.field)).toContain('totals.subtotal');
  });
});
