// A receipt line of hundreds of mask or filler characters must not stall the parser (and with it capture): no
// pattern may backtrack without bound. The time limit is a hang detector, far above a normal parse.
import { describe, expect, it } from 'vitest';
import { parseReceipt } from '../../main/receipts/index.js';
import { contextFor, receiptOf } from './decoded.js';

const FILLERS = ['x', 'X', '*', '#', '•', '-', '=', ' ', '.', '0', '9', ',', 'x ', '* ', '1.', 'N', 'VAT ', 'TOTAL ', '5399.', '5399  ', 'Rounding ', '1 @ 1.00 '];

describe('no pathological backtracking', () => {
  it('lines of 500 repeated filler characters parse in well under a second each', { timeout: 20_000 }, () => {
    for (const filler of FILLERS) {
      const run = filler.repeat(Math.ceil(500 / filler.length));
      const receipt = receiptOf(['SHOP LTD', run, 'Rice 1 x 100.00   100.00', `${run}1234`, 'TOTAL 100.00', 'CASH 100.00']);
      const started = performance.now();
      const result = parseReceipt(receipt, contextFor(receipt));
      const ms = performance.now() - started;
      expect(ms, JSON.stringify(filler)).toBeLessThan(1000);
      expect(['ok', 'review', 'unparsed']).toContain(result.status);
    }
  });
});
