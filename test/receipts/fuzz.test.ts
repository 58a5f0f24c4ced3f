// Robustness: any text parses without throwing, and a printed receipt with one corrupted figure is never passed as ok with wrong money.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode } from '../../main/escpos/index.js';
import { findPans, formatKobo, parseReceipt, TransactionSchema } from '../../main/receipts/index.js';
import { printReceipt, randomReceiptSpec } from '../../sandbox/receipt-printer.js';
import { contextFor, receiptOf } from './decoded.js';
import { mulberry32 } from '../../sandbox/seeded-random.js';

const receiptish = fc.array(
  fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.constantFrom('TOTAL', 'VAT 7.5%', 'CASH', 'CHANGE', 'SUBTOTAL', 'REFUND', 'Receipt No: 12', 'Date: 31/02/2026', '2 x 100.00', '-', 'E'),
    fc.tuple(fc.constantFrom('TOTAL ', 'VAT ', '1 Bread ', 'CASH ', '', 'DISCOUNT '), fc.integer({ min: -1e9, max: 1e12 })).map(([l, n]) => `${l}   ${(n / 100).toFixed(2)}`),
    fc.stringMatching(/^[0-9 ,.\-*()N₦]{0,30}$/),
  ),
  { maxLength: 40 },
);

describe('parser robustness', () => {
  it('never throws, and whatever it returns is a valid transaction or a reason', () => {
    fc.assert(
      fc.property(receiptish, (lines) => {
        const receipt = receiptOf(lines);
        const result = parseReceipt(receipt, contextFor(receipt));
        expect(['ok', 'review', 'unparsed']).toContain(result.status);
        if (result.transaction) expect(TransactionSchema.safeParse(result.transaction).success).toBe(true);
        else expect(result.problems.length).toBeGreaterThan(0);
        if (result.status === 'ok') expect(result.problems).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('a card number anywhere in the text never survives into the result', () => {
    fc.assert(
      fc.property(receiptish, fc.integer({ min: 0, max: 39 }), fc.constantFrom('4111 1111 1111 1111', '5399-8300-0000-0008', '4111111111111111'), (lines, at, pan) => {
        const withPan = [...lines];
        withPan.splice(Math.min(at, withPan.length), 0, `Card ${pan}  1,000.00`);
        const receipt = receiptOf(withPan);
        const result = parseReceipt(receipt, contextFor(receipt));
        const scan = JSON.stringify(result, (k, v: unknown) => (k === 'id' || k === 'sha256' ? undefined : v));
        expect(findPans(scan)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('a printed receipt with one figure corrupted is held, never ok with wrong money', () => {
    fc.assert(
      fc.property(fc.integer(), fc.nat(), fc.integer({ min: 1, max: 9 }), (seed, pick, bump) => {
        const spec = randomReceiptSpec(mulberry32(seed));
        const [receipt] = decode(printReceipt(spec));
        const lines = receipt!.lines.map((l) => l.text);
        // Corrupt one digit of one amount (items, subtotal, taxes, total, payments, change).
        const amountLines = lines.map((t, i) => (/\d\.\d\d( [EZ])?$/.test(t) ? i : -1)).filter((i) => i >= 0);
        const at = amountLines[pick % amountLines.length]!;
        const text = lines[at]!;
        const digits = [...text.matchAll(/\d/g)].map((m) => m.index);
        const d = digits[digits.length - 1 - (pick % Math.min(4, digits.length))]!;
        const corrupted = text.slice(0, d) + String((Number(text[d]) + bump) % 10) + text.slice(d + 1);
        const copy = { ...receipt!, lines: receipt!.lines.map((l, i) => (i === at ? { ...l, text: corrupted } : l)) };
        const result = parseReceipt(copy, contextFor(copy));
        if (result.status === 'ok') {
          const tx = result.transaction!;
          expect(tx.totals.total).toBe(formatKobo(spec.total));
          expect(tx.totals.tax).toBe(formatKobo((spec.vat?.amount ?? 0) + (spec.consumptionTax?.amount ?? 0)));
          expect(tx.lines.map((l) => l.amount)).toEqual(spec.lines.map((l) => formatKobo(l.amount)));
          expect(tx.payments.map((p) => p.amount)).toEqual(spec.payments.map((p) => formatKobo(p.amount)));
        }
      }),
      { numRuns: 300 },
    );
  });
});
