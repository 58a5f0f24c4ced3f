// Bytes → decode → parse against the truth: receipts the sandbox printer makes, in every layout, and random ones (fast-check).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode } from '../../main/escpos/index.js';
import { parseReceipt, type ParseResult } from '../../main/receipts/index.js';
import { differences } from '../support/receipt-truth.js';
import { printReceipt, randomReceiptSpec, RECEIPT_LAYOUTS, type ReceiptSpec } from '../../sandbox/receipt-printer.js';
import { contextFor } from './decoded.js';
import { mulberry32 } from '../../sandbox/seeded-random.js';

function printAndParse(spec: ReceiptSpec, layout: string = spec.layout): ParseResult {
  const receipts = decode(printReceipt(spec, layout));
  expect(receipts).toHaveLength(1);
  return parseReceipt(receipts[0]!, contextFor(receipts[0]!));
}

describe('printed receipts read back', () => {
  it('every layout prints ESC/POS that starts with ESC @, sets a code page, has a QR code and ends with a cut', () => {
    const spec = randomReceiptSpec(mulberry32(7));
    for (const layout of RECEIPT_LAYOUTS) {
      const bytes = Buffer.from(printReceipt(spec, layout));
      expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1b, 0x40]));
      expect(bytes.includes(Buffer.from([0x1b, 0x74]))).toBe(true);
      expect(bytes.includes(Buffer.from([0x1d, 0x28, 0x6b]))).toBe(true);
      expect(bytes.includes(Buffer.from([0x1b, 0x45, 0x01]))).toBe(true);
      expect(bytes.subarray(-4)).toEqual(Buffer.from([0x1d, 0x56, 66, 0]));
      const [receipt] = decode(bytes);
      expect(receipt!.qr).toEqual([`https://verify.taxpoynt.com/r/${encodeURIComponent(spec.receiptNumber)}`]);
      expect(receipt!.end).toBe('partial_cut');
      for (const line of receipt!.lines) expect(line.text.length).toBeLessThanOrEqual(spec.width + 2);
    }
  });

  it('a receipt of each layout comes back as the transaction it was printed from', () => {
    const rng = mulberry32(2026);
    const seen = new Set<string>();
    for (let i = 0; i < 400 && seen.size < RECEIPT_LAYOUTS.length; i++) {
      const spec = randomReceiptSpec(rng);
      if (seen.has(spec.layout)) continue;
      seen.add(spec.layout);
      expect(differences(spec, printAndParse(spec)), spec.layout).toEqual([]);
    }
    expect([...seen].sort()).toEqual([...RECEIPT_LAYOUTS].sort());
  });

  it('prints a code page character and reads it back', () => {
    const spec = { ...randomReceiptSpec(mulberry32(11)), layout: 'supermarket' as const, codepage: 'CP858' as const };
    spec.shop = { ...spec.shop, name: 'CAFÉ NEO' };
    const [receipt] = decode(printReceipt(spec));
    expect(receipt!.lines.some((l) => l.text.includes('CAFÉ NEO'))).toBe(true);
  });

  it('the comparison notices a one-kobo or one-field difference (so the property below can fail)', () => {
    const spec = randomReceiptSpec(mulberry32(99));
    const result = printAndParse(spec);
    expect(differences(spec, result)).toEqual([]);
    expect(differences({ ...spec, total: spec.total + 1 }, result)).not.toEqual([]);
    expect(differences({ ...spec, receiptNumber: spec.receiptNumber + '1' }, result)).not.toEqual([]);
    expect(differences({ ...spec, payments: spec.payments.map((p) => ({ ...p, method: p.method === 'cash' ? 'card' : 'cash' })) }, result)).not.toEqual([]);
  });

  it('VAT-inclusive prices, tips and rounding lines, each in some printed receipts, read back exactly', () => {
    const rng = mulberry32(1411);
    const seen = { inclusive: 0, tip: 0, roundingUp: 0, roundingDown: 0 };
    for (let i = 0; i < 600; i++) {
      const spec = randomReceiptSpec(rng);
      if (!spec.taxInclusive && !spec.tip && !spec.rounding) continue;
      if (spec.taxInclusive) seen.inclusive++;
      if (spec.tip) seen.tip++;
      if ((spec.rounding ?? 0) > 0) seen.roundingUp++;
      if ((spec.rounding ?? 0) < 0) seen.roundingDown++;
      expect(differences(spec, printAndParse(spec)), `${spec.layout} ${spec.receiptNumber}`).toEqual([]);
    }
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThanOrEqual(5);
  });

  it('the comparison notices a wrong tip, rounding or inclusive flag', () => {
    const rng = mulberry32(5);
    let spec = randomReceiptSpec(rng);
    while (!spec.tip) spec = randomReceiptSpec(rng);
    const result = printAndParse(spec);
    expect(differences(spec, result)).toEqual([]);
    expect(differences({ ...spec, tip: spec.tip + 100, total: spec.total + 100 }, result)).not.toEqual([]);
    expect(differences({ ...spec, rounding: 1, total: spec.total + 1 }, result)).not.toEqual([]);
    expect(differences({ ...spec, taxInclusive: true }, result)).not.toEqual([]);
  });

  it('property: any random valid receipt printed and parsed back gives the same transaction', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        const spec = randomReceiptSpec(mulberry32(seed));
        expect(differences(spec, printAndParse(spec))).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
