// card_last4 from a card number the receipt prints, in full or masked (issue 13 item 7); the full number never leaves the parser.
import { describe, expect, it } from 'vitest';
import { findPans, parseReceipt } from '../../main/receipts/index.js';
import { contextFor, receiptOf } from './decoded.js';

const receipt = (cardLine: string, payLabel = 'POS'): string => `SHOP LTD
Receipt No: 1001
Date: 24/11/2026 10:00
Bread                          1,000.00
Subtotal                       1,000.00
VAT 7.5%                          75.00
Total                          1,075.00
${payLabel.padEnd(31)}1,075.00
${cardLine}`;

function parse(text: string): ReturnType<typeof parseReceipt> {
  const r = receiptOf(text);
  return parseReceipt(r, contextFor(r));
}

const FULL = ['PAN: 5399835254818690', 'PAN: 5399 8352 5481 8690', 'Card No: 5399-8352-5481-8690', 'PAN: 5399.8352.5481.8690', 'Card No: 5399  8352  5481  8690', '5399835254818690'];
const MASKED = ['**** **** **** 8690', 'XXXXXXXXXXXX8690', 'Card: ****8690', 'PAN: 539983******8690', 'VISA ************8690', 'Card: 5399 83** **** 8690'];

describe('card_last4 from the card number a receipt prints', () => {
  it.each(FULL)('a full card number ("%s") gives the last four, ok, and is masked in raw.text', (line) => {
    const r = parse(receipt(line));
    expect(r.status).toBe('ok');
    expect(r.transaction!.payments).toEqual([{ method: 'card', amount: '1075.00', card_last4: '8690' }]);
    const out = JSON.stringify(r, (k, v: unknown) => (k === 'id' || k === 'sha256' ? undefined : v));
    expect(findPans(out)).toEqual([]);
    expect(out).not.toMatch(/5399.?.?8352/);
    expect(r.transaction!.raw.text!.at(-1)).toMatch(/\*{4} 8690$/);
  });

  it.each(MASKED)('a masked card number ("%s") gives the last four', (line) => {
    const r = parse(receipt(line, 'Card'));
    expect(r.status).toBe('ok');
    expect(r.transaction!.payments[0]!.card_last4).toBe('8690');
  });

  it('a long run of X that is not after a card payment attaches to no cash payment', () => {
    const r = parse(receipt('XXXXXXXXXXXX8690', 'Cash'));
    expect(r.transaction!.payments).toEqual([{ method: 'cash', amount: '1075.00' }]);
  });

  it('money in columns is never taken for a dotted card number', () => {
    expect(findPans('2 4500.00 9000.00 1234.56')).toEqual([]);
    expect(findPans('Total 5399.83 5254.81 8690.00')).toEqual([]);
  });
});
